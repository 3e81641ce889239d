import { PostaGuverciniError } from '../errors/posta-guvercini.error.js';
import { SmsProviderError } from '../errors/provider.error.js';
import { SmsMalformedResponseError, SmsTransportError } from '../errors/transport.error.js';
import { SmsValidationError } from '../errors/validation.error.js';
import type {
  RecipientResult,
  SendRequest,
  SendResult,
} from '../transports/sms-transport.types.js';
import { markCanonical } from '../phone/canonical-list.js';
import type { CampaignSettings } from './campaign-rules.js';
import type { AcceptedRecipients } from './recipient-keys.js';
import { failedOutcome, sentOutcome } from './outcomes.js';
import type { ReadyRecipient, RecipientOutcome } from './recipient-outcome.js';

// One batch's request and the mapping of the transport's answer (or error) to one outcome per
// recipient, for BatchSender.

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
  /**
   * Set instead of `outcomes` (then empty) when the provider accepted every recipient of a keyed
   * batch: their `sent` outcomes, built on demand (see recipient-keys.ts).
   */
  readonly accepted?: AcceptedRecipients;
}

const ITEM_TEXT_FIELD = /^messages\[(\d+)\]\.text$/;

/** The position of the one N-N item a transport refused before any network call, if that is what `error` says. */
export function refusedItem(error: unknown, count: number): number | undefined {
  if (!(error instanceof SmsValidationError) || error.field === undefined) return undefined;
  const match = ITEM_TEXT_FIELD.exec(error.field);
  if (!match) return undefined;
  const position = Number(match[1]);
  return position < count ? position : undefined;
}

/** Puts the refused items back among the outcomes of the others, in the order of `recipients`. */
export function withRefused(
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

export function buildRequest(
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
  if (text !== undefined) {
    // Numbers from the pipeline are canonical: the transport does not test them again.
    return { ...common, text, to: markCanonical(recipients.map((r) => r.to)) };
  }
  return { ...common, messages: recipients.map((r) => ({ to: r.to, text: r.text! })) };
}

export function mapResult(result: SendResult, recipients: readonly ReadyRecipient[]): BatchResult {
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
export function fatalOf(
  error: unknown,
  sameTextEveryBatch = false,
): { fatal?: PostaGuverciniError } {
  if (
    error instanceof SmsProviderError &&
    (error.code === 'PROVIDER_AUTHENTICATION' || error.code === 'PROVIDER_INSUFFICIENT_CREDIT')
  ) {
    return { fatal: error };
  }
  if (sameTextEveryBatch && error instanceof SmsValidationError) return { fatal: error };
  return {};
}

export function isRetryableOutcome(outcome: RecipientOutcome): boolean {
  return (
    outcome.status === 'failed' &&
    outcome.error instanceof SmsTransportError &&
    !outcome.error.maybeAccepted
  );
}

/** A transport error that carries a per-recipient result (`SmsPartialSendError`). */
export function partialResult(error: unknown): SendResult | undefined {
  const candidate = (error as { result?: SendResult } | null)?.result;
  return candidate && Array.isArray(candidate.recipients) ? candidate : undefined;
}
