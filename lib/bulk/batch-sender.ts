import { setTimeout as sleep } from 'node:timers/promises';
import { ExponentialBackoff, type IBackoff } from 'cockatiel';
import type { PostaGuverciniError } from '../errors/posta-guvercini.error.js';
import { asPackageError } from '../errors/as-package-error.js';
import { SmsProviderError } from '../errors/provider.error.js';
import { SmsTransportError } from '../errors/transport.error.js';
import { SmsValidationError } from '../errors/validation.error.js';
import { campaignBatchSpan, Traced } from '../telemetry/telemetry.js';
import type { SmsTransport } from '../transports/sms-transport.js';
import { keyedBatchSenderOf, type SendKeyedBatch } from '../transports/keyed-batch.js';
import type { SendResult } from '../transports/sms-transport.types.js';
import {
  type BatchResult,
  buildRequest,
  fatalOf,
  isRetryableOutcome,
  mapResult,
  partialResult,
  refusedItem,
  withRefused,
} from './batch-result.js';
import type { CampaignSettings } from './campaign-rules.js';
import { abortedOutcomes, failedOutcomes, skippedOutcome } from './outcomes.js';
import type { ReadyRecipient, RecipientOutcome } from './recipient-outcome.js';
import { AcceptedRecipients, type KeyedRecipients } from './recipient-keys.js';

export type { BatchResult } from './batch-result.js';

/** Retry settings with defaults applied. */
export interface ResolvedRetry {
  readonly maxRetries: number;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
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
  /** The transport's keyed 1-N path (lib/transports/keyed-batch.ts), if it has one. */
  private readonly keyedSender: SendKeyedBatch | undefined;

  constructor(
    private readonly transport: SmsTransport,
    private readonly retryOptions: ResolvedRetry,
  ) {
    this.keyedSender = keyedBatchSenderOf(transport);
  }

  @Traced('posta_guvercini.campaign.batch', campaignBatchSpan)
  send(
    settings: CampaignSettings,
    text: string | undefined,
    recipients: readonly ReadyRecipient[],
    stop?: BatchStop,
  ): Promise<BatchResult> {
    return this.sendBatch(settings, text, recipients, stop);
  }

  /**
   * A keyed 1-N batch (recipient-keys.ts): through the transport's keyed path when it has one
   * (same request, same checks), else as `send()`. A batch accepted whole comes back as
   * `accepted`; anything else is mapped and retried exactly as `send()` does.
   */
  @Traced('posta_guvercini.campaign.batch', campaignBatchSpan)
  async sendKeyed(
    settings: CampaignSettings,
    text: string,
    batch: KeyedRecipients,
    stop?: BatchStop,
  ): Promise<BatchResult> {
    const pending = this.keyedSender?.(
      {
        channel: settings.channel,
        text,
        ...(settings.sendAt ? { sendAt: settings.sendAt } : {}),
        ...(settings.validUntil ? { validUntil: settings.validUntil } : {}),
        ...(settings.sender ? { sender: settings.sender } : {}),
      },
      batch.keys,
    );
    if (pending === undefined) return this.sendBatch(settings, text, batch.recipients(), stop);
    let first: BatchResult;
    try {
      const reply = await pending;
      if (reply.accepted) {
        const accepted = new AcceptedRecipients(batch, reply);
        return {
          outcomes: [],
          requests: 1,
          credits: reply.credits,
          firstAttemptRequests: 1,
          accepted,
        };
      }
      const { recipients, credits, providerCode } = reply.outcome;
      const result = { recipients, credits, requests: 1, providerCodes: [providerCode] };
      first = mapResult(result, batch.recipients());
    } catch (caught) {
      first = this.failed(caught, text, batch.recipients());
    }
    return this.retrying(settings, text, batch.recipients(), stop, first);
  }

  /** `send()` without its span (also `sendKeyed()`'s way when the transport has no keyed path). */
  private async sendBatch(
    settings: CampaignSettings,
    text: string | undefined,
    recipients: readonly ReadyRecipient[],
    stop?: BatchStop,
  ): Promise<BatchResult> {
    return this.retrying(
      settings,
      text,
      recipients,
      stop,
      await this.attempt(settings, text, recipients),
    );
  }

  /** The first attempt's result, then retries of what provably never reached the provider. */
  private async retrying(
    settings: CampaignSettings,
    text: string | undefined,
    recipients: readonly ReadyRecipient[],
    stop: BatchStop | undefined,
    first: BatchResult,
  ): Promise<BatchResult> {
    let final: RecipientOutcome[] = [];
    let requests = 0;
    let credits = 0;
    let fatal: PostaGuverciniError | undefined;
    let pending: readonly ReadyRecipient[] = recipients;
    let backoff: IBackoff<unknown> | undefined;
    let firstAttemptRequests: number | undefined;

    for (let retries = 0; ; retries++) {
      const result = retries === 0 ? first : await this.attempt(settings, text, pending);
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
