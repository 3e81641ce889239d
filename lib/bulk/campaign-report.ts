import type { SmsChannel } from '../transports/sms-transport.types.js';
import type { CampaignKind } from './campaign-options.js';
import type { RecipientOutcome } from './recipient-outcome.js';

export type { RecipientOutcome, RecipientReason } from './recipient-outcome.js';

/**
 * Where a scheduled campaign waits for its `sendAt`:
 * - `queue` (durable mode, `sendAt` later than `bulk.holdScheduledOverSeconds`): held in the
 *   package's own queue and handed to the provider at `sendAt`; `campaign.cancel()` and
 *   `campaign.reschedule()` work until its first batch leaves.
 * - `provider`: handed over at once with the send time; the provider holds the messages
 *   (status `120`). They cannot be cancelled or rescheduled through this package: the
 *   provider's cancel call has no attested request format.
 */
export interface CampaignSchedule {
  readonly sendAt: Date;
  readonly heldBy: 'queue' | 'provider';
  /** Whether the package can cancel the scheduled messages before `sendAt` (`false` for `provider`). */
  readonly cancellable: boolean;
}

/** Final report of a campaign (`campaign.done`). */
export interface CampaignReport {
  readonly campaignId: string;
  readonly kind: CampaignKind;
  readonly channel: SmsChannel;
  /**
   * Recipients read from the input. `sent + skipped + failed === total`. After `cancel()` (or a
   * shutdown), the recipients read before it: those read but not sent are `failed` / `aborted`.
   */
  readonly total: number;
  /** Recipients accepted by the provider (not necessarily delivered yet; see `status()`). */
  readonly sent: number;
  readonly skipped: number;
  readonly failed: number;
  /**
   * Send requests made to the provider, retries included. In durable mode this includes the
   * request of a worker that died before recording its reply (counted when the provider
   * proves it received it: the re-sent copies come back as duplicates) and the re-send.
   */
  readonly requests: number;
  /**
   * Credits charged, as reported by the provider (0 when the API does not report it: XML,
   * SOAP). In durable mode, the charge of a request whose reply was lost with its worker is
   * included for every recipient the provider proves it accepted (`recovered`), at the
   * provider's price of one credit per SMS segment.
   */
  readonly credits: number;
  readonly startedAt: Date;
  readonly finishedAt: Date;
  /** Whether `cancel()` or an application shutdown stopped the campaign before the input was exhausted. */
  readonly cancelled: boolean;
  /**
   * Recipients not sent because of `cancel()` (outcomes `failed` / `aborted` with error code
   * `CAMPAIGN_CANCELLED`), including, in durable mode, those of queued batches it removed.
   */
  readonly cancelledRecipients?: number;
  /** For a scheduled campaign (`sendAt`): who holds it until then and whether it can be cancelled. */
  readonly schedule?: CampaignSchedule;
  /**
   * One outcome per recipient in **input order** (by `index`), the first `reportLimit` of them
   * (default 10,000); `recipientsTruncated` tells whether more were left out. Pass
   * `onRecipient` to receive every one of them as it happens (in completion order).
   */
  readonly recipients: readonly RecipientOutcome[];
  readonly recipientsTruncated: boolean;
}
