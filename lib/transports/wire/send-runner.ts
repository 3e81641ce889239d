import type { PostaGuverciniError } from '../../errors/posta-guvercini.error.js';
import { asPackageError } from '../../errors/as-package-error.js';
import { SmsNotSentError, SmsPartialSendError } from '../../errors/transport.error.js';
import type { RecipientResult, SendResult } from '../sms-transport.types.js';

/** What one successful wire request of a send produced. */
export interface BatchOutcome {
  /** One entry per recipient of the request, in order (`accepted` or `rejected`). */
  readonly recipients: readonly RecipientResult[];
  /** Credits the provider reports for this request (0 when it does not report any). */
  readonly credits: number;
  /** Raw request-level code, e.g. `errno=0`, kept for audits. */
  readonly providerCode: string;
}

/** One wire request of a send, with the recipients it carries (canonical numbers, in order). */
export interface RunnableRequest {
  readonly recipients: readonly string[];
  /**
   * Where each recipient stands in the whole send, when requests do not carry contiguous
   * slices (N-N sent as one 1-N request per text). Results are then reported in that order.
   */
  readonly positions?: readonly number[];
}

/**
 * Runs the wire requests of one `send` and assembles one `SendResult`.
 *
 * The first request goes alone: if it fails, nothing was accepted and its error is thrown as
 * it is (a provider outage costs one request, not a burst). The others follow with at most
 * `concurrency` in flight — 1 keeps them strictly in order. After a failure no new request is
 * started; those in flight finish. If any request failed, `SmsPartialSendError` is thrown with
 * the whole picture: accepted/rejected recipients of the requests that went through, `failed`
 * with the request's own error for the ones that failed (its `maybeAccepted` tells whether the
 * provider may have taken it anyway), and `failed` with `SmsNotSentError` for requests never
 * made.
 */
export async function runSendRequests<T extends RunnableRequest>(
  requests: readonly T[],
  concurrency: number,
  execute: (request: T) => Promise<BatchOutcome>,
): Promise<SendResult> {
  if (requests.length === 1) {
    // One request (every OTP send): its failure is thrown as it is.
    return oneRequestResult(await execute(requests[0]!), requests[0]!);
  }
  const outcomes = new Array<BatchOutcome | PostaGuverciniError | undefined>(requests.length);
  outcomes[0] = await execute(requests[0]!); // throws as it is
  let next = 1;
  let firstError: PostaGuverciniError | undefined;
  const worker = async (): Promise<void> => {
    while (firstError === undefined && next < requests.length) {
      const index = next++;
      try {
        outcomes[index] = await execute(requests[index]!);
      } catch (error) {
        const typed = asPackageError(error);
        outcomes[index] = typed;
        firstError ??= typed;
      }
    }
  };
  const workers = Math.min(Math.max(1, concurrency), requests.length - 1);
  await Promise.all(Array.from({ length: workers }, worker));

  const recipients: RecipientResult[] = [];
  const providerCodes: string[] = [];
  let credits = 0;
  let made = 0;
  for (let i = 0; i < requests.length; i++) {
    const outcome = outcomes[i];
    const request = requests[i]!;
    let results: readonly RecipientResult[];
    if (outcome === undefined) {
      const notSent = new SmsNotSentError(
        `request ${i + 1} of ${requests.length} of this send was not made because an earlier one failed`,
      );
      results = request.recipients.map((to) => ({ to, status: 'failed', error: notSent }));
    } else if ('recipients' in outcome) {
      made++;
      results = outcome.recipients;
      credits += outcome.credits;
      providerCodes.push(outcome.providerCode);
    } else {
      made++;
      results = request.recipients.map((to) => ({ to, status: 'failed', error: outcome }));
    }
    if (request.positions === undefined) recipients.push(...results);
    else results.forEach((result, j) => (recipients[request.positions![j]!] = result));
  }
  const result: SendResult = { recipients, credits, requests: made, providerCodes };
  if (firstError !== undefined) throw new SmsPartialSendError(result, firstError);
  return result;
}

/** The result of a send made of one request: that request's outcome. */
export function oneRequestResult(outcome: BatchOutcome, request: RunnableRequest): SendResult {
  let recipients = outcome.recipients;
  if (request.positions !== undefined) {
    const ordered: RecipientResult[] = [];
    const positions = request.positions;
    recipients.forEach((result, j) => (ordered[positions[j]!] = result));
    recipients = ordered;
  }
  return {
    recipients,
    credits: outcome.credits,
    requests: 1,
    providerCodes: [outcome.providerCode],
  };
}

/**
 * Runs tasks with at most `concurrency` in flight and returns their results in input order.
 * On the first failure no new task starts; the failure is thrown once the running ones end.
 */
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  concurrency: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  let failure: unknown;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const index = next++;
      try {
        results[index] = await task(items[index]!, index);
      } catch (error) {
        if (!failed) failure = error;
        failed = true;
      }
    }
  };
  await Promise.all(
    Array.from({ length: Math.min(Math.max(1, concurrency), items.length) }, worker),
  );
  if (failed) throw failure;
  return results;
}
