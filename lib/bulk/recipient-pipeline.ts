import { asPackageError } from '../errors/as-package-error.js';
import { SmsValidationError } from '../errors/validation.error.js';
import { assertSmsText } from '../message/sms-text.js';
import { normalizePhoneNumber } from '../phone/phone-number.js';
import type { RecipientSource } from './campaign-options.js';
import { skippedOutcome } from './outcomes.js';
import { applyFilters, type NumberFilter } from './recipient-filters.js';
import { RecipientDeduplicator } from './recipient-deduplicator.js';
import { canonicalOfKey, turkishMobileKeyOf } from './recipient-number.js';
import { keyedBatchEvent, KeyedRecipients } from './recipient-keys.js';
import { readerOf } from './source-reader.js';
import type { ReadyRecipient, RecipientOutcome } from './recipient-outcome.js';

export type { ReadyRecipient } from './recipient-outcome.js';

/**
 * What the pipeline produces, in input order:
 * - `settled`: outcomes decided without sending (skipped, or failed because a filter threw);
 * - `batch`: up to `batchSize` recipients ready for one request;
 * - `end`: the input is exhausted (or threw: `error`); `total` recipients were read.
 */
export type PipelineEvent =
  | { readonly type: 'settled'; readonly outcomes: RecipientOutcome[] }
  | {
      readonly type: 'batch';
      readonly recipients: ReadyRecipient[];
      /** The same batch as numeric keys (1-N Turkish mobiles, no filter): see recipient-keys.ts. */
      readonly keyed?: KeyedRecipients;
    }
  | { readonly type: 'end'; readonly total: number; readonly error?: unknown };

export interface PipelineOptions {
  /** `one-to-many`: the source yields numbers; `many-to-many`: it yields `{ to, text }`. */
  readonly mode: 'one-to-many' | 'many-to-many';
  readonly batchSize: number;
  readonly allowedCountries?: readonly string[];
  /** Returns the opted-out numbers of a chunk. */
  readonly optOut?: NumberFilter;
  /** Returns the numbers of a chunk allowed to get commercial messages (commercial campaigns only). */
  readonly consent?: NumberFilter;
  /**
   * Checks an N-N item's text the way the transport will (`SmsTransport.assertText`), so that a
   * text the transport cannot carry is reported on its own (`invalid_text`) instead of failing
   * its batch.
   * @default assertSmsText (the rules every transport shares)
   */
  readonly checkText?: (text: string, field: string) => void;
  /** When true, filters are no longer consulted (the campaign stopped; recipients will be reported aborted). */
  readonly stopped?: () => boolean;
  /** When true, no more input is read; what was read is still produced. */
  readonly cancelled?: () => boolean;
}

/**
 * Streams a campaign's input into batches: normalises every number, validates N-N texts,
 * drops duplicates, asks the opt-out list and the consent filter once per chunk of
 * `batchSize` candidates, and packs the survivors into full batches (so a campaign makes
 * `ceil(sendable / batchSize)` requests). It pulls from the source only as fast as its
 * consumer pulls batches, so memory stays at a few batches whatever the input size.
 */
export async function* recipientPipeline(
  source: RecipientSource<unknown>,
  options: PipelineOptions,
): AsyncGenerator<PipelineEvent, void, undefined> {
  const { batchSize, mode } = options;
  const phoneOptions: ReadOptions = {
    ...(options.allowedCountries ? { allowedCountries: options.allowedCountries } : {}),
    turkish: (options.allowedCountries ?? ['TR']).includes('TR'),
    checkText: options.checkText ?? ((text, field) => assertSmsText(text, { field })),
  };
  const hot = mode === 'one-to-many' && phoneOptions.turkish;
  const seen = new RecipientDeduplicator();
  let candidates: ReadyRecipient[] = [];
  /** Candidates from the hot path, as keys (with `candidates`: the chunk being read). */
  let keyed = new KeyedRecipients(hot ? batchSize : 0);
  const unfiltered = !options.optOut && !options.consent;
  let ready: ReadyRecipient[] = [];
  let settled: RecipientOutcome[] = [];
  let index = 0;
  let error: unknown;
  let hasError = false;

  const filterCandidates = async function* (): AsyncGenerator<PipelineEvent, void, undefined> {
    const chunkKeyed = keyed;
    const chunkObjects = candidates;
    keyed = new KeyedRecipients(hot ? batchSize : 0);
    candidates = [];
    if (unfiltered && chunkObjects.length === 0 && ready.length === 0) {
      // The usual 1-N case: no filter, every number from the hot path — the chunk is the batch.
      yield keyedBatchEvent(chunkKeyed);
      return;
    }
    const chunk = inInputOrder(chunkKeyed.recipients(), chunkObjects);
    const { passed, outcomes } = await applyFilters(chunk, options);
    if (outcomes.length > 0) yield { type: 'settled', outcomes };
    if (ready.length === 0 && passed.length === batchSize) {
      // The usual case (no filter removed anyone): the chunk is the batch, as it is.
      yield { type: 'batch', recipients: passed };
      return;
    }
    for (const recipient of passed) ready.push(recipient);
    while (ready.length >= batchSize) {
      const batch = ready.slice(0, batchSize);
      ready = ready.slice(batchSize);
      yield { type: 'batch', recipients: batch };
    }
  };

  /** Takes one input entry; true when a chunk is full and must be flushed. */
  const take = (entry: unknown): boolean => {
    const position = index++;
    // Hot path (1-N, a Turkish mobile in a usual form): one digit scan to a numeric key, the
    // duplicate check on that key, the key kept — no object or string, nothing re-validated later.
    if (hot && typeof entry === 'string') {
      const key = turkishMobileKeyOf(entry);
      if (key >= 0) {
        if (seen.addKey(key)) keyed.add(key, position);
        else settled.push(skippedOutcome(canonicalOfKey(key, entry), position, 'duplicate'));
        return settled.length >= batchSize || candidates.length + keyed.length >= batchSize;
      }
    }
    const candidate =
      mode === 'one-to-many'
        ? readNumber(entry, position, phoneOptions)
        : readItem(entry, position, phoneOptions);
    if ('status' in candidate) {
      settled.push(candidate);
    } else if (!seen.add(candidate.to)) {
      settled.push(skippedOutcome(candidate.to, position, 'duplicate'));
    } else {
      candidates.push(candidate);
    }
    return settled.length >= batchSize || candidates.length + keyed.length >= batchSize;
  };

  const flush = async function* (): AsyncGenerator<PipelineEvent, void, undefined> {
    if (settled.length >= batchSize) {
      yield { type: 'settled', outcomes: settled };
      settled = [];
    }
    if (candidates.length + keyed.length >= batchSize) yield* filterCandidates();
  };

  try {
    // Read in chunks by a reader (source-reader.ts): no await per entry in this generator, and
    // arrays and other sync iterables without a promise per entry.
    const reader = readerOf(source);
    const cancelled = options.cancelled ?? (() => false);
    try {
      for (;;) {
        const ended = reader.read(take, cancelled);
        if (ended === true || (ended !== false && (await ended))) break;
        yield* flush();
        if (cancelled()) break;
      }
    } finally {
      // Stopped before the input's end (cancelled, or the consumer stopped): close it.
      await reader.close();
    }
  } catch (caught) {
    // The input broke: what was read is still sent and reported; the campaign then fails.
    error = caught;
    hasError = true;
  }
  if (settled.length > 0) yield { type: 'settled', outcomes: settled };
  settled = [];
  if (candidates.length + keyed.length > 0) yield* filterCandidates();
  if (ready.length > 0) yield { type: 'batch', recipients: ready };
  ready = [];
  yield hasError ? { type: 'end', total: index, error } : { type: 'end', total: index };
}

/** Two lists of recipients, each in input order, merged in input order. */
function inInputOrder(a: ReadyRecipient[], b: ReadyRecipient[]): ReadyRecipient[] {
  if (b.length === 0) return a;
  if (a.length === 0) return b;
  const merged: ReadyRecipient[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) merged.push(a[i]!.index < b[j]!.index ? a[i++]! : b[j++]!);
  while (i < a.length) merged.push(a[i++]!);
  while (j < b.length) merged.push(b[j++]!);
  return merged;
}

/** How input entries are read: the allowed countries and the N-N text check. */
interface ReadOptions {
  readonly allowedCountries?: readonly string[];
  /** Whether Turkish mobiles are allowed (the hot path's precondition), decided once. */
  readonly turkish: boolean;
  readonly checkText: (text: string, field: string) => void;
}

/** Any number the hot path did not take: other countries, unusual forms, invalid input. */
function readNumber(
  entry: unknown,
  index: number,
  phoneOptions: ReadOptions,
): ReadyRecipient | RecipientOutcome {
  try {
    return {
      to: normalizePhoneNumber(entry, phoneOptionsOf(phoneOptions, `to[${index}]`)),
      index,
    };
  } catch (error) {
    return invalid(entry, index, error);
  }
}

function readItem(
  entry: unknown,
  index: number,
  phoneOptions: ReadOptions,
): ReadyRecipient | RecipientOutcome {
  if (entry === null || typeof entry !== 'object') {
    const error = new SmsValidationError(
      'INVALID_MESSAGE_ITEM',
      `items[${index}] must be an object { to, text }`,
      `items[${index}]`,
    );
    return invalid(entry, index, error);
  }
  const { to, text } = entry as { to?: unknown; text?: unknown };
  let canonical: string;
  const key = phoneOptions.turkish && typeof to === 'string' ? turkishMobileKeyOf(to) : -1;
  if (key >= 0) {
    canonical = canonicalOfKey(key, to as string);
  } else {
    try {
      canonical = normalizePhoneNumber(to, phoneOptionsOf(phoneOptions, `items[${index}].to`));
    } catch (error) {
      return invalid(to, index, error);
    }
  }
  if (typeof text === 'string') {
    try {
      // The field name is built only for an error (the checks are deterministic: the same
      // text fails again, with the item's own field in the error).
      phoneOptions.checkText(text, 'text');
    } catch {
      try {
        phoneOptions.checkText(text, `items[${index}].text`);
      } catch (error) {
        return skippedOutcome(canonical, index, 'invalid_text', asPackageError(error, 'internal'));
      }
    }
  } else {
    try {
      assertSmsText(text, { field: `items[${index}].text` });
    } catch (error) {
      return skippedOutcome(canonical, index, 'invalid_text', asPackageError(error, 'internal'));
    }
  }
  return { to: canonical, index, text: text as string };
}

function phoneOptionsOf(
  options: ReadOptions,
  field: string,
): { allowedCountries?: readonly string[]; field: string } {
  return options.allowedCountries
    ? { allowedCountries: options.allowedCountries, field }
    : { field };
}

/**
 * A number that could not be used: `country_not_allowed` when it is a valid mobile number of a
 * country outside `allowedCountries` (error `PHONE_COUNTRY_NOT_ALLOWED`), else `invalid_number`.
 */
function invalid(raw: unknown, index: number, error: unknown): RecipientOutcome {
  const to = typeof raw === 'string' ? raw : typeof raw === 'number' ? String(raw) : '';
  const typed = asPackageError(error, 'internal');
  const reason =
    typed.code === 'PHONE_COUNTRY_NOT_ALLOWED' ? 'country_not_allowed' : 'invalid_number';
  return skippedOutcome(to, index, reason, typed);
}
