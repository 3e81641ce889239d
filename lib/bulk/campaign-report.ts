import type { PostaGuverciniError } from '../errors/posta-guvercini.error.js';
import type { SmsChannel } from '../transports/sms-transport.types.js';
import type { CampaignKind } from './campaign-options.js';
import type { ReadyRecipient } from './recipient-pipeline.js';

/**
 * Why a recipient was not sent (`skipped`) or did not get through (`failed`):
 * - `invalid_number` (skipped): not a mobile number of an allowed country.
 * - `invalid_text` (skipped, `sendEach`): the item's text is empty or over the provider's cap.
 * - `duplicate` (skipped): the number appeared earlier in the campaign (first one wins).
 * - `opted_out` (skipped): on the opt-out list.
 * - `no_consent` (skipped): a commercial campaign and the consent filter did not allow it.
 * - `rejected` (failed): the provider refused this recipient.
 * - `send_failed` (failed): the request failed; see `error` and `maybeSent`.
 * - `filter_failed` (failed): the consent filter or opt-out list threw; not sent (fail closed).
 * - `aborted` (failed): not attempted because the campaign stopped (wrong credentials, no
 *   credit, a failing `onRecipient`).
 * - `outcome_unknown` (failed, durable mode): a worker died while the batch was with the
 *   provider and it could not be reconciled; `maybeSent` is true.
 * - `recovered` (sent, durable mode): a worker died after the provider accepted the batch;
 *   the re-send was removed by the provider as a duplicate, so the message went out exactly
 *   once, but its id was lost with the worker.
 */
export type RecipientReason =
  | 'invalid_number'
  | 'invalid_text'
  | 'duplicate'
  | 'opted_out'
  | 'no_consent'
  | 'rejected'
  | 'send_failed'
  | 'filter_failed'
  | 'aborted'
  | 'outcome_unknown'
  | 'recovered';

/** What happened to one recipient of a campaign. */
export interface RecipientOutcome {
  /** The canonical number (`905XXXXXXXXX`); for an invalid number, the input as given. */
  readonly to: string;
  readonly status: 'sent' | 'skipped' | 'failed';
  /** Position of the recipient in the input (0-based). */
  readonly index: number;
  /** The provider's message id, for `BulkSmsService.status()`. */
  readonly messageId?: string;
  /** Credits charged for this recipient, when the provider says. */
  readonly charge?: number;
  /** Why it was skipped or failed (or `recovered`). */
  readonly reason?: RecipientReason;
  /** The error behind a failure or an invalid input. Never holds credentials. */
  readonly error?: PostaGuverciniError;
  /**
   * For failures: whether the provider may have accepted the message anyway (a timeout or a
   * reset after the request was written, an HTTP 500). Such recipients are never re-sent
   * automatically.
   */
  readonly maybeSent?: boolean;
}

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
  readonly sent: number;
  readonly skipped: number;
  readonly failed: number;
  /** Requests made to the provider. */
  readonly requests: number;
  /** Credits charged, as reported by the provider (0 when the API does not report it). */
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
   * The first `reportLimit` outcomes in completion order (default 10,000); `recipientsTruncated`
   * tells whether more happened. Pass `onRecipient` to receive all of them.
   */
  readonly recipients: readonly RecipientOutcome[];
  readonly recipientsTruncated: boolean;
}

/** Recipients that will not be sent because the campaign stopped (`aborted`, never sent). */
export function abortedOutcomes(
  recipients: readonly ReadyRecipient[],
  error: PostaGuverciniError,
): RecipientOutcome[] {
  return recipients.map((r) => ({
    to: r.to,
    index: r.index,
    status: 'failed',
    reason: 'aborted',
    error,
    maybeSent: false,
  }));
}
