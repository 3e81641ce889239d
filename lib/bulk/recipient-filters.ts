import { countOf, describeCause } from '../errors/bulk.errors.js';
import { PostaGuverciniError } from '../errors/posta-guvercini.error.js';
import { normalizePhoneNumber } from '../phone/phone-number.js';
import { failedOutcomes, skippedOutcome } from './outcomes.js';
import type { ReadyRecipient, RecipientOutcome } from './recipient-outcome.js';
import { ConsentFilter, type ConsentFilterFunction } from './consent-filter.js';
import { OptOutList, type OptOutFunction } from './opt-out-list.js';
import { StaticOptOutList } from './static-opt-out-list.js';

/** A filter reduced to one shape: canonical numbers in, the matching canonical numbers out. */
export type NumberFilter = (numbers: string[]) => Promise<Set<string>>;

/** `bulk.consentFilter` → a `NumberFilter` of the allowed numbers (`undefined` when not set). */
export function toConsentFilter(
  option: ConsentFilter | ConsentFilterFunction | undefined,
  allowedCountries?: readonly string[],
): NumberFilter | undefined {
  if (option === undefined) return undefined;
  if (typeof option === 'function')
    return async (numbers) => canonicalSet(await option(numbers), allowedCountries);
  if (isConsentFilter(option))
    return async (numbers) => canonicalSet(await option.allowed(numbers), allowedCountries);
  return undefined;
}

/** `bulk.optOut` → a `NumberFilter` of the opted-out numbers (`undefined` when not set). */
export function toOptOutFilter(
  option: OptOutList | OptOutFunction | Iterable<string> | undefined,
  allowedCountries?: readonly string[],
): NumberFilter | undefined {
  if (option === undefined) return undefined;
  if (typeof option === 'function')
    return async (numbers) => canonicalSet(await option(numbers), allowedCountries);
  const list = isOptOutList(option) ? option : new StaticOptOutList(option, allowedCountries);
  return async (numbers) => canonicalSet(await list.optedOut(numbers), allowedCountries);
}

export function isConsentFilter(value: unknown): value is ConsentFilter {
  return (
    value instanceof ConsentFilter ||
    (typeof value === 'object' &&
      value !== null &&
      typeof (value as ConsentFilter).allowed === 'function')
  );
}

export function isOptOutList(value: unknown): value is OptOutList {
  return (
    value instanceof OptOutList ||
    (typeof value === 'object' &&
      value !== null &&
      typeof (value as OptOutList).optedOut === 'function')
  );
}

/**
 * The user's answer as a set of canonical numbers. Answers are usually canonical already;
 * anything else is normalised, and entries that are not phone numbers are ignored (they can
 * match no recipient). An answer that is not a collection throws: the batch is then not sent.
 */
function canonicalSet(
  answer: Iterable<string> | null | undefined,
  allowedCountries?: readonly string[],
): Set<string> {
  const result = new Set<string>();
  if (
    answer === null ||
    answer === undefined ||
    typeof answer === 'string' ||
    typeof answer[Symbol.iterator] !== 'function'
  ) {
    // Fail closed: an answer we cannot read must not let a batch through.
    throw new TypeError(
      'a consent filter or opt-out list must return a Set or an array of phone numbers',
    );
  }
  for (const value of answer) {
    if (typeof value !== 'string') continue;
    if (value.length === 12 && value.startsWith('90')) {
      result.add(value);
      continue;
    }
    try {
      result.add(normalizePhoneNumber(value, allowedCountries ? { allowedCountries } : {}));
    } catch {
      // not a number: matches nothing
    }
  }
  return result;
}

/**
 * Asks the opt-out list, then the consent filter, once for a chunk of candidates: the ones that
 * pass, and the outcomes of the others. Fails closed: a chunk whose filters threw is not sent.
 */
export async function applyFilters(
  chunk: ReadyRecipient[],
  options: {
    readonly optOut?: NumberFilter;
    readonly consent?: NumberFilter;
    readonly stopped?: () => boolean;
  },
): Promise<{ passed: ReadyRecipient[]; outcomes: RecipientOutcome[] }> {
  const outcomes: RecipientOutcome[] = [];
  if (chunk.length === 0 || options.stopped?.()) return { passed: chunk, outcomes };
  let passed = chunk;
  try {
    if (options.optOut) {
      const optedOut = await options.optOut(passed.map((r) => r.to));
      if (optedOut.size > 0) {
        const kept: ReadyRecipient[] = [];
        for (const recipient of passed) {
          if (optedOut.has(recipient.to))
            outcomes.push(skippedOutcome(recipient.to, recipient.index, 'opted_out'));
          else kept.push(recipient);
        }
        passed = kept;
      }
    }
    if (options.consent && passed.length > 0) {
      const allowed = await options.consent(passed.map((r) => r.to));
      const kept: ReadyRecipient[] = [];
      for (const recipient of passed) {
        if (allowed.has(recipient.to)) kept.push(recipient);
        else outcomes.push(skippedOutcome(recipient.to, recipient.index, 'no_consent'));
      }
      passed = kept;
    }
    return { passed, outcomes };
  } catch (cause) {
    // Fail closed: a batch whose consent or opt-out could not be checked is not sent.
    const error = new PostaGuverciniError(
      'RECIPIENT_FILTER_FAILED',
      `The consent filter or opt-out list threw, so ${countOf(chunk.length, 'recipient')} ${chunk.length === 1 ? 'was' : 'were'} not sent: ${describeCause(cause)}`,
      { cause },
    );
    return {
      passed: [],
      outcomes: failedOutcomes(chunk, 'filter_failed', error, false),
    };
  }
}
