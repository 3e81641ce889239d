import type { PostaGuverciniError } from '../errors/posta-guvercini.error.js';

// The per-recipient types every part of a campaign shares (pipeline, sender, tracker, report,
// durable worker). A leaf: it imports no other campaign module, so none of them form a cycle.

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

/** A recipient that passed every check and is ready to be sent. */
export interface ReadyRecipient {
  /** Canonical number. */
  readonly to: string;
  /** Position in the input. */
  readonly index: number;
  /** The recipient's own text (N-N); absent for 1-N. */
  readonly text?: string;
}
