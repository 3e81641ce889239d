import { setTimeout as sleep } from 'node:timers/promises';
import { ExponentialBackoff, type IBackoff } from 'cockatiel';
import { PostaGuverciniError } from '../errors/posta-guvercini.error.js';
import { SmsProviderError } from '../errors/provider.error.js';
import { SmsMalformedResponseError, SmsTransportError } from '../errors/transport.error.js';
import { SmsValidationError } from '../errors/validation.error.js';
import type { SmsTransport } from '../transports/sms-transport.js';
import type {
  RecipientResult,
  SendRequest,
  SendResult,
} from '../transports/sms-transport.types.js';
import { campaignBatchSpan, Traced } from '../telemetry/telemetry.js';
import type { CampaignSettings } from './campaign-rules.js';
import {
  abortedOutcomes,
  failedOutcome,
  failedOutcomes,
  sentOutcome,
  skippedOutcome,
} from './outcomes.js';
import type { ReadyRecipient, RecipientOutcome } from './recipient-outcome.js';

/** Retry settings with defaults applied. */
export interface ResolvedRetry {
  readonly maxRetries: number;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
}

/** What one batch came to. */
export interface BatchResult {
  /** One outcome per recipient of the batch. */
  readonly outcomes: RecipientOutcome[];
  readonly requests: number;
  readonly credits: number;
  /**
   * Requests the first attempt made (before any retry): what sending this batch takes with
   * this transport (1, or one per message for the HTTP API's N-N emulation).
   */
  readonly firstAttemptRequests?: number;
  /**
   * Set when the failure will repeat in every later batch too: the provider refused the
   * credentials or has no credit, or the transport refused a 1-N campaign's text.
   */
  readonly fatal?: PostaGuverciniError;
}

/** What stops a batch from retrying: the campaign's run control (stop/cancel/shutdown). */
export interface BatchStop {
  /** Aborted when the campaign stops; wakes a batch waiting in back-off. */
  readonly signal: AbortSignal;
  /** Why it stopped: the error of the recipients reported `aborted`. */
  readonly stopReason: PostaGuverciniError | undefined;
}

/**
 * Sends one batch (≤ 800 recipients, one request) and turns the transport's result into one
 * outcome per recipient. Nothing is reported `sent` unless the provider returned a message id
 * for it. Recipients whose request provably never reached the provider (`SmsTransportError`
 * with `maybeAccepted: false`) are sent again with exponential back-off (cockatiel); anything
 * that may have been accepted is reported `failed` with `maybeSent: true` and never re-sent.
 * An `SmsValidationError` thrown by the transport (input it refuses before any network call,
 * e.g. `TEXT_NOT_ENCODABLE`) is reported `maybeSent: false`; in a 1-N campaign every batch
 * carries the same text, so it is fatal (the campaign stops, the rest is `aborted`).
 * When the campaign stops (`cancel()`, a fatal error in another batch, application shutdown)
 * while a batch waits to retry, the wait ends at once and the recipients still to retry are
 * reported `failed` / `aborted` (`maybeSent: false`) — nothing is retried after a stop.
 */
export class BatchSender {
  constructor(
    private readonly transport: SmsTransport,
    private readonly retryOptions: ResolvedRetry,
  ) {}

  @Traced('posta_guvercini.campaign.batch', campaignBatchSpan)
  async send(
    settings: CampaignSettings,
    text: string | undefined,
    recipients: readonly ReadyRecipient[],
    stop?: BatchStop,
  ): Promise<BatchResult> {
    let final: RecipientOutcome[] = [];
    let requests = 0;
    let credits = 0;
    let fatal: PostaGuverciniError | undefined;
    let pending: readonly ReadyRecipient[] = recipients;
    let backoff: IBackoff<unknown> | undefined;
    let firstAttemptRequests: number | undefined;

    for (let retries = 0; ; retries++) {
      const result = await this.attempt(settings, text, pending);
      firstAttemptRequests ??= result.requests;
      requests += result.requests;
      credits += result.credits;
      fatal ??= result.fatal;
      if (final.length === 0 && !result.outcomes.some(isRetryableOutcome)) {
        // The usual case: nothing to retry, the attempt's outcomes are the batch's.
        final = result.outcomes;
        break;
      }
      const retryable: ReadyRecipient[] = [];
      const retryableOutcomes: RecipientOutcome[] = [];
      result.outcomes.forEach((outcome, i) => {
        if (isRetryableOutcome(outcome)) {
          retryable.push(pending[i]!);
          retryableOutcomes.push(outcome);
        } else {
          final.push(outcome);
        }
      });
      pending = retryable;
      if (pending.length === 0) break;
      if (retries >= this.retryOptions.maxRetries) {
        final.push(...retryableOutcomes);
        break;
      }
      // Exponential back-off with decorrelated jitter (cockatiel), cut short by a stop.
      backoff = backoff
        ? backoff.next(undefined)
        : new ExponentialBackoff({
            initialDelay: this.retryOptions.initialDelayMs,
            maxDelay: this.retryOptions.maxDelayMs,
          }).next();
      if (!stop?.signal.aborted) {
        await sleep(backoff.duration, undefined, stop ? { signal: stop.signal } : {}).catch(
          () => undefined,
        );
      }
      if (stop?.stopReason) {
        final.push(...abortedOutcomes(pending, stop.stopReason));
        break;
      }
    }
    return {
      outcomes: final,
      requests,
      credits,
      firstAttemptRequests: firstAttemptRequests ?? 0,
      ...(fatal ? { fatal } : {}),
    };
  }

  /**
   * One request; outcomes in the order of `recipients`. Never throws for provider or transport
   * failures. In an N-N batch, an item the transport refuses before any network call
   * (`SmsValidationError` naming `messages[i].text`, e.g. `TEXT_NOT_ENCODABLE`) is reported
   * `skipped` / `invalid_text` on its own and the request is made with the others: campaigns
   * check every item with `SmsTransport.assertText` first, so this only catches a transport
   * whose `send` is stricter than its `assertText`.
   */
  private async attempt(
    settings: CampaignSettings,
    text: string | undefined,
    recipients: readonly ReadyRecipient[],
  ): Promise<BatchResult> {
    let sendable = recipients;
    const refused = new Map<ReadyRecipient, RecipientOutcome>();
    for (;;) {
      let result: SendResult;
      try {
        result = await this.transport.send(buildRequest(settings, text, sendable));
      } catch (caught) {
        const item = text === undefined ? refusedItem(caught, sendable.length) : undefined;
        if (item === undefined) {
          return withRefused(recipients, refused, this.failed(caught, text, sendable));
        }
        const recipient = sendable[item]!;
        refused.set(
          recipient,
          skippedOutcome(
            recipient.to,
            recipient.index,
            'invalid_text',
            caught as SmsValidationError,
          ),
        );
        sendable = sendable.filter((_, i) => i !== item);
        if (sendable.length === 0) {
          return withRefused(recipients, refused, { outcomes: [], requests: 0, credits: 0 });
        }
        continue;
      }
      return withRefused(recipients, refused, mapResult(result, sendable));
    }
  }

  /** Outcomes of a request that threw (mapped by `send`'s rules). */
  private failed(
    caught: unknown,
    text: string | undefined,
    recipients: readonly ReadyRecipient[],
  ): BatchResult {
    const partial = partialResult(caught);
    if (partial) {
      return { ...mapResult(partial, recipients), ...fatalOf(caught) };
    }
    const error = asPackageError(caught);
    const maybeSent =
      error instanceof SmsTransportError
        ? error.maybeAccepted
        : !(error instanceof SmsProviderError || error instanceof SmsValidationError);
    return {
      outcomes: failedOutcomes(recipients, 'send_failed', error, maybeSent),
      // A validation error is thrown before any network call: no request was made.
      requests: error instanceof SmsValidationError ? 0 : 1,
      credits: 0,
      ...fatalOf(error, text !== undefined),
    };
  }
}

const ITEM_TEXT_FIELD = /^messages\[(\d+)\]\.text$/;

/** The position of the one N-N item a transport refused before any network call, if that is what `error` says. */
function refusedItem(error: unknown, count: number): number | undefined {
  if (!(error instanceof SmsValidationError) || error.field === undefined) return undefined;
  const match = ITEM_TEXT_FIELD.exec(error.field);
  if (!match) return undefined;
  const position = Number(match[1]);
  return position < count ? position : undefined;
}

/** Puts the refused items back among the outcomes of the others, in the order of `recipients`. */
function withRefused(
  recipients: readonly ReadyRecipient[],
  refused: ReadonlyMap<ReadyRecipient, RecipientOutcome>,
  result: BatchResult,
): BatchResult {
  if (refused.size === 0) return result;
  const outcomes: RecipientOutcome[] = [];
  let next = 0;
  for (const recipient of recipients) {
    outcomes.push(refused.get(recipient) ?? result.outcomes[next++]!);
  }
  return { ...result, outcomes };
}

function buildRequest(
  settings: CampaignSettings,
  text: string | undefined,
  recipients: readonly ReadyRecipient[],
): SendRequest {
  const common = {
    channel: settings.channel,
    ...(settings.sendAt ? { sendAt: settings.sendAt } : {}),
    ...(settings.validUntil ? { validUntil: settings.validUntil } : {}),
    ...(settings.sender ? { sender: settings.sender } : {}),
  };
  if (text !== undefined) return { ...common, text, to: recipients.map((r) => r.to) };
  return { ...common, messages: recipients.map((r) => ({ to: r.to, text: r.text! })) };
}

function mapResult(result: SendResult, recipients: readonly ReadyRecipient[]): BatchResult {
  const entries = result.recipients;
  // The transports answer in request order; fall back to matching by number if they did not.
  let positional = entries.length === recipients.length;
  for (let i = 0; positional && i < entries.length; i++)
    positional = entries[i]!.to === recipients[i]!.to;
  let byNumber: Map<string, RecipientResult> | undefined;
  if (!positional) {
    byNumber = new Map();
    for (const entry of entries) if (!byNumber.has(entry.to)) byNumber.set(entry.to, entry);
  }
  let fatal: PostaGuverciniError | undefined;
  const outcomes = new Array<RecipientOutcome>(recipients.length);
  for (let i = 0; i < recipients.length; i++) {
    const { to, index } = recipients[i]!;
    const entry = positional ? entries[i] : byNumber!.get(to);
    if (entry === undefined) {
      const error = new SmsMalformedResponseError('the reply has no result for this recipient');
      outcomes[i] = failedOutcome(to, index, 'send_failed', error, true);
    } else if (entry.status === 'accepted') {
      outcomes[i] = sentOutcome(to, index, entry.messageId, entry.charge);
    } else {
      fatal ??= fatalOf(entry.error).fatal;
      outcomes[i] =
        entry.status === 'rejected'
          ? failedOutcome(to, index, 'rejected', entry.error, false)
          : failedOutcome(
              to,
              index,
              'send_failed',
              entry.error,
              entry.error instanceof SmsTransportError
                ? entry.error.maybeAccepted
                : !(entry.error instanceof SmsValidationError),
            );
    }
  }
  return fatal
    ? { outcomes, requests: result.requests, credits: result.credits, fatal }
    : { outcomes, requests: result.requests, credits: result.credits };
}

/**
 * Errors after which every later batch would fail the same way: wrong credentials, no credit,
 * and — when the whole request was refused before any network call and every batch carries
 * the same text (`sameTextEveryBatch`, 1-N) — the transport's `SmsValidationError`.
 */
function fatalOf(error: unknown, sameTextEveryBatch = false): { fatal?: PostaGuverciniError } {
  if (
    error instanceof SmsProviderError &&
    (error.code === 'PROVIDER_AUTHENTICATION' || error.code === 'PROVIDER_INSUFFICIENT_CREDIT')
  ) {
    return { fatal: error };
  }
  if (sameTextEveryBatch && error instanceof SmsValidationError) return { fatal: error };
  return {};
}

function isRetryableOutcome(outcome: RecipientOutcome): boolean {
  return (
    outcome.status === 'failed' &&
    outcome.error instanceof SmsTransportError &&
    !outcome.error.maybeAccepted
  );
}

/** A transport error that carries a per-recipient result (`SmsPartialSendError`). */
function partialResult(error: unknown): SendResult | undefined {
  const candidate = (error as { result?: SendResult } | null)?.result;
  return candidate && Array.isArray(candidate.recipients) ? candidate : undefined;
}

function asPackageError(error: unknown): PostaGuverciniError {
  if (error instanceof PostaGuverciniError) return error;
  return new PostaGuverciniError(
    'TRANSPORT_UNEXPECTED',
    `The transport failed unexpectedly: ${error instanceof Error ? error.message : String(error)}`,
    { cause: error },
  );
}
