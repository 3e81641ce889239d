import type { PostaGuverciniError } from '../errors/posta-guvercini.error.js';
import type { SmsChannel } from '../transports/sms-transport.types.js';
import type { CampaignKind } from './campaign-options.js';
import type { ReadyRecipient } from './recipient-pipeline.js';

/**
 * Why a recipient was not sent (`skipped`) or did not get through (`failed`):
 * - `invalid_number` (skipped): not a mobile number (error `INVALID_PHONE`).
 * - `country_not_allowed` (skipped): a valid mobile number of a country outside the module
 *   option `bulk.allowedCountries` (error `PHONE_COUNTRY_NOT_ALLOWED`; default: Turkey only).
 * - `invalid_text` (skipped, `sendEach`): the item's text is empty or over the provider's cap
 *   (`TEXT_EMPTY`, `TEXT_TOO_LONG`), or has a character the transport cannot carry
 *   (`TEXT_NOT_ENCODABLE`: a control character, a lone surrogate, or — on the HTTP API — a
 *   character outside windows-1254 such as Cyrillic or an emoji). Only that item is skipped;
 *   the rest of its batch is sent.
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
  | 'country_not_allowed'
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

/**
 * What happened to one recipient of a campaign.
 *
 * `sent` means **accepted by the provider** (it returned a message id), not delivered to the
 * handset: delivery is reported later by `BulkSmsService.status()` (`delivered`,
 * `undelivered`, `expired`…).
 */
export interface RecipientOutcome {
  /** The canonical number (`905XXXXXXXXX`); for an invalid number, the input as given. */
  readonly to: string;
  /**
   * `sent`: accepted by the provider (not yet known to be delivered); `skipped`: not sent
   * because of the input, the opt-out list or consent; `failed`: the provider refused it or
   * the request failed.
   */
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
