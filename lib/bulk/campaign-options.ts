import type { SmsChannel } from '../transports/sms-transport.types.js';
import type { RecipientOutcome } from './recipient-outcome.js';
import type { ConsentFilter, ConsentFilterFunction } from './consent-filter.js';

/**
 * `informational`: service messages the recipient needs (order shipped, statement ready, bank
 * notices) — no consent check. `commercial`: promotion, campaigns, marketing — sent only to
 * numbers the consent filter (İYS/ETK) allows.
 */
export type CampaignKind = 'informational' | 'commercial';

/** Recipients as an array or any (async) iterable: a generator, a database cursor, a stream. */
export type RecipientSource<T> = Iterable<T> | AsyncIterable<T>;

/** Settings shared by `send()` and `sendEach()`. */
export interface CampaignOptions {
  /** `informational` or `commercial` (required: commercial needs a consent filter). */
  readonly kind: CampaignKind;
  /**
   * Scheduled send time; must be in the future. The provider holds the messages (status `120`)
   * until then. Minute precision on the wire. Bulk host only.
   * @default undefined (send now)
   */
  readonly sendAt?: Date;
  /**
   * Last moment the provider may still deliver; after `sendAt` (or now) and at most 24 h
   * later.
   * @default undefined (the account's default validity, at most 24 h)
   */
  readonly validUntil?: Date;
  /** Originator (sender title), at most 11 characters. @default the module option `sender`, else the account's default */
  readonly sender?: string;
  /**
   * Which account and host. Bulk traffic belongs on `bulk`; `otp` is accepted only for
   * informational, unscheduled messages because the OTP host sends immediately whatever the
   * send time, keeps messages 3 minutes and runs no permission-marketing checks. Refused in
   * durable mode (`bulk.durable`): crash recovery relies on the bulk host's duplicate check,
   * which the OTP host does not have.
   * @default 'bulk'
   */
  readonly channel?: SmsChannel;
  /**
   * Consent filter for this campaign (e.g. another brand's İYS code).
   * @default the module option `bulk.consentFilter`
   */
  readonly consentFilter?: ConsentFilter | ConsentFilterFunction;
  /**
   * Called once for every recipient outcome (sent, skipped or failed), in completion order, one
   * call at a time; a returned promise is awaited before the campaign reads more recipients
   * (backpressure). The way to keep every outcome of a large campaign (write them to your
   * database). If it throws, the campaign stops sending and `done` rejects with a
   * `BulkCampaignError` that carries the report so far.
   * @default undefined (outcomes are only counted and kept up to `reportLimit`)
   */
  readonly onRecipient?: (outcome: RecipientOutcome) => void | Promise<void>;
  /** Outcomes kept in `CampaignReport.recipients`. @default the module option `bulk.reportLimit` (10000) */
  readonly reportLimit?: number;
  /** Batches in flight at once. @default the module option `bulk.concurrency` (4) */
  readonly concurrency?: number;
  /**
   * Idempotency key (e.g. an order or job id, 1–200 characters without spaces): a second
   * `send()`/`sendEach()` with the same key returns the existing campaign (same id, progress
   * and report) instead of sending again — in this process, or in durable mode across
   * restarts and instances — for `bulk.campaignKeyTtlSeconds` (7 days). A request that
   * differs (other settings or other recipients, see docs/campaigns.md) gets a `done` that
   * rejects with `CampaignKeyConflictError` (`CAMPAIGN_KEY_CONFLICT`). In durable mode it also
   * lets a campaign whose starting process died while reading its input be finished by
   * calling `send()` again with the same key and input.
   * @default undefined (every call is a new campaign)
   */
  readonly campaignKey?: string;
}

/** `BulkSmsService.send()`: one text to many numbers (1-N). */
export interface BulkSendRequest extends CampaignOptions {
  /** Numbers in any common form; invalid ones are reported `skipped`, never sent. */
  readonly to: RecipientSource<string>;
  /** The text, checked against the provider's length caps before anything is sent. */
  readonly text: string;
}

/** One message of `BulkSmsService.sendEach()` (N-N). */
export interface BulkMessageItem {
  readonly to: string;
  readonly text: string;
}

/** `BulkSmsService.sendEach()` options. */
export type BulkSendEachOptions = CampaignOptions;
