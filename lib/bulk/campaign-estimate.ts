import { PostaGuverciniError } from '../errors/posta-guvercini.error.js';
import { analyzeSmsText, type SmsEncoding, type SmsTextAnalysis } from '../message/sms-text.js';
import type { SmsTransport } from '../transports/sms-transport.js';
import type { SmsChannel } from '../transports/sms-transport.types.js';
import type { CampaignKind } from './campaign-options.js';
import type { PipelineEvent } from './recipient-pipeline.js';

/** How many messages of an estimated campaign need a given number of segments. */
export interface SegmentBucket {
  /** SMS segments per message (credits per recipient). */
  readonly segments: number;
  /** Messages with that many segments. */
  readonly messages: number;
}

/**
 * The account's credit beside the credits the campaign needs: `{ balance, sufficient }`, or
 * `{ error }` when the credit query failed (the rest of the estimate is still exact).
 */
export type EstimateCredit =
  | { readonly balance: number; readonly sufficient: boolean }
  | { readonly error: PostaGuverciniError };

/**
 * What `BulkSmsService.estimate()` found: the same counts a campaign's report would show if
 * the same request were sent now, without sending anything.
 *
 * Arithmetic: `read = invalid + valid`; `valid = sendable + duplicate + optedOut +
 * withoutConsent + filterFailed`. Sent as a campaign (same input, same filters, nothing
 * rejected by the provider), `report.total = read`, `report.sent = sendable`,
 * `report.skipped = invalid + duplicate + optedOut + withoutConsent`,
 * `report.requests = requests` and, on APIs that report charges, `report.credits = creditsNeeded`.
 */
export interface CampaignEstimate {
  /** `one-to-many` (`send`) or `many-to-many` (`sendEach`). */
  readonly mode: 'one-to-many' | 'many-to-many';
  readonly kind: CampaignKind;
  readonly channel: SmsChannel;
  /** Entries read from the input. */
  readonly read: number;
  /** Entries with a valid number (and, N-N, a valid text): `read - invalid`. */
  readonly valid: number;
  /** `invalidNumbers + invalidTexts`. */
  readonly invalid: number;
  /** Not a mobile number of an allowed country (report reason `invalid_number`). */
  readonly invalidNumbers: number;
  /** N-N items whose text is empty or over the provider's cap (report reason `invalid_text`). */
  readonly invalidTexts: number;
  /** Numbers that appeared earlier in the input (report reason `duplicate`). */
  readonly duplicate: number;
  /** On the opt-out list (report reason `opted_out`). */
  readonly optedOut: number;
  /** Commercial campaign, not allowed by the consent filter (report reason `no_consent`). */
  readonly withoutConsent: number;
  /** The consent filter or opt-out list threw for them (report reason `filter_failed`, fail closed). */
  readonly filterFailed: number;
  /** Recipients that would be sent. */
  readonly sendable: number;
  /** Sendable messages per alphabet. */
  readonly encodings: Readonly<Record<SmsEncoding, number>>;
  /** Sendable messages per segment count, fewest segments first (one bucket for 1-N). */
  readonly segments: readonly SegmentBucket[];
  /** 1-N: the text's analysis (encoding, characters, segments). */
  readonly text?: SmsTextAnalysis;
  /**
   * Requests the campaign would make: one per batch of at most `bulk.batchSize` (800)
   * recipients. The HTTP transport sends N-N one message per request (`sendsms.asp`), so
   * there it is `sendable`.
   */
  readonly requests: number;
  /**
   * Credits the campaign needs: the sum of segments over the sendable messages (one credit per
   * segment per recipient — the simulator's rule; the real price per segment is the account's).
   */
  readonly creditsNeeded: number;
  /** The account's current credit and whether it covers `creditsNeeded`. */
  readonly credit: EstimateCredit;
}

/**
 * Consumes a campaign's recipient pipeline (the same one `send`/`sendEach` use) and counts
 * instead of sending. Memory stays at a few batches, like a campaign.
 */
export async function estimateFromPipeline(params: {
  readonly pipeline: AsyncGenerator<PipelineEvent, void, undefined>;
  readonly mode: 'one-to-many' | 'many-to-many';
  readonly kind: CampaignKind;
  readonly channel: SmsChannel;
  readonly text: string | undefined;
  readonly transport: SmsTransport;
}): Promise<CampaignEstimate> {
  const { pipeline, mode, kind, channel, text, transport } = params;
  // Asked in parallel with reading the input.
  const credit: Promise<EstimateCredit> = transport.credit(channel).then(
    (balance) => ({ balance: balance.balance, sufficient: false }),
    (error: unknown) => ({
      error:
        error instanceof PostaGuverciniError
          ? error
          : new PostaGuverciniError('CREDIT_QUERY_FAILED', String(error), { cause: error }),
    }),
  );
  const counts = {
    invalid_number: 0,
    invalid_text: 0,
    duplicate: 0,
    opted_out: 0,
    no_consent: 0,
    filter_failed: 0,
  };
  const encodings: Record<SmsEncoding, number> = { gsm7: 0, ucs2: 0 };
  const buckets = new Map<number, number>();
  const oneText = text !== undefined ? analyzeSmsText(text) : undefined;
  // N-N campaigns often repeat a few templates: remember the last texts' analyses.
  const analyses = new Map<string, SmsTextAnalysis>();
  let read = 0;
  let sendable = 0;
  let requests = 0;
  let creditsNeeded = 0;
  let inputError: unknown;
  let inputFailed = false;

  for await (const event of pipeline) {
    if (event.type === 'settled') {
      for (const outcome of event.outcomes) {
        const reason = outcome.reason as keyof typeof counts | undefined;
        if (reason !== undefined && reason in counts) counts[reason]++;
      }
    } else if (event.type === 'batch') {
      if (event.keyed !== undefined && oneText !== undefined) {
        // A keyed 1-N batch: the same text for each, counted without building the recipients.
        const count = event.keyed.length;
        requests++;
        sendable += count;
        encodings[oneText.encoding] += count;
        buckets.set(oneText.segments, (buckets.get(oneText.segments) ?? 0) + count);
        creditsNeeded += oneText.segments * count;
        continue;
      }
      requests +=
        mode === 'many-to-many' && transport.name === 'http' ? event.recipients.length : 1;
      for (const recipient of event.recipients) {
        let analysis = oneText;
        if (analysis === undefined) {
          const own = recipient.text ?? '';
          analysis = analyses.get(own);
          if (analysis === undefined) {
            analysis = analyzeSmsText(own);
            if (analyses.size >= 256) analyses.clear();
            analyses.set(own, analysis);
          }
        }
        sendable++;
        encodings[analysis.encoding]++;
        buckets.set(analysis.segments, (buckets.get(analysis.segments) ?? 0) + 1);
        creditsNeeded += analysis.segments;
      }
    } else {
      read = event.total;
      if ('error' in event) {
        inputFailed = true;
        inputError = event.error;
      }
    }
  }
  if (inputFailed) {
    throw new PostaGuverciniError(
      'CAMPAIGN_INPUT_FAILED',
      `Reading the recipients failed after ${read} of them, so the estimate is incomplete: ${inputError instanceof Error ? inputError.message : String(inputError)}`,
      { cause: inputError },
    );
  }
  const invalid = counts.invalid_number + counts.invalid_text;
  const balance = await credit;
  return {
    mode,
    kind,
    channel,
    read,
    valid: read - invalid,
    invalid,
    invalidNumbers: counts.invalid_number,
    invalidTexts: counts.invalid_text,
    duplicate: counts.duplicate,
    optedOut: counts.opted_out,
    withoutConsent: counts.no_consent,
    filterFailed: counts.filter_failed,
    sendable,
    encodings,
    segments: [...buckets]
      .sort(([a], [b]) => a - b)
      .map(([segments, messages]) => ({ segments, messages })),
    ...(oneText ? { text: oneText } : {}),
    requests,
    creditsNeeded,
    credit:
      'balance' in balance
        ? { balance: balance.balance, sufficient: balance.balance >= creditsNeeded }
        : balance,
  };
}
