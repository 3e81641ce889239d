import { createHash, type Hash } from 'node:crypto';
import { SmsValidationError } from '../errors/validation.error.js';
import type { RecipientSource } from './campaign-options.js';
import type { CampaignSettings } from './campaign-rules.js';

/**
 * What makes two requests with the same `campaignKey` "the same" (documented in
 * docs/campaigns.md):
 * - the options fingerprint: mode (1-N / N-N), `kind`, `channel`, `sendAt`, `validUntil`,
 *   the sender in effect and, for 1-N, the text. Not compared: `concurrency`, `reportLimit`,
 *   `onRecipient`, `consentFilter` (functions cannot be compared);
 * - the input hash: SHA-256 over the entries in order, as given (before normalisation, so
 *   `0532…` and `+90 532…` are different inputs): a 1-N entry is its string form, an N-N item
 *   its `to` and `text`.
 */
export function optionsFingerprint(
  oneToMany: boolean,
  settings: CampaignSettings,
  text: string | undefined,
): string {
  return createHash('sha256')
    .update(
      JSON.stringify([
        oneToMany ? '1-N' : 'N-N',
        settings.kind,
        settings.channel,
        settings.sendAt?.getTime() ?? null,
        settings.validUntil?.getTime() ?? null,
        settings.sender ?? null,
        text ?? null,
      ]),
    )
    .digest('hex');
}

/** A campaign key: 1 to 200 visible characters. */
export function checkCampaignKey(key: unknown): string {
  if (typeof key !== 'string' || key.length === 0 || key.length > 200 || /\s/.test(key)) {
    throw new SmsValidationError(
      'INVALID_CAMPAIGN_KEY',
      'campaignKey must be a string of 1 to 200 characters without spaces (e.g. an order or job id)',
      'campaignKey',
    );
  }
  return key;
}

/** A streaming SHA-256 of a campaign's input, with the digest of any prefix on request. */
export class InputHash {
  private readonly hash: Hash = createHash('sha256');
  /** Entries hashed so far. */
  count = 0;
  /** Position at which `prefixDigest` is taken (see `checkAt`). */
  private at = -1;
  private prefix: string | undefined;

  constructor(private readonly oneToMany: boolean) {}

  update(entry: unknown): void {
    let value: string;
    if (this.oneToMany) {
      value = typeof entry === 'string' ? entry : `\u0000${String(entry)}`;
    } else if (entry !== null && typeof entry === 'object') {
      const { to, text } = entry as { to?: unknown; text?: unknown };
      value = `${String(to)}\u0000${String(text)}`;
    } else {
      value = `\u0001${String(entry)}`;
    }
    this.hash.update(`${value.length}:${value}`);
    this.count++;
    if (this.count === this.at) this.prefix = this.digestSoFar();
  }

  /** The digest of the entries hashed so far (the hash goes on). */
  digestSoFar(): string {
    return this.hash.copy().digest('hex');
  }

  /** Takes the digest of the first `count` entries when the hash gets there. */
  checkAt(count: number): void {
    this.at = count;
    if (count === 0) this.prefix = this.digestSoFar();
  }

  /** The digest of the first `checkAt` entries, once they were hashed. */
  get prefixDigest(): string | undefined {
    return this.prefix;
  }
}

/**
 * The source with every entry passing through `hash` as it is read. Sync iterables stay sync
 * (the pipeline reads them without a promise per entry).
 */
export function hashedSource<T>(source: RecipientSource<T>, hash: InputHash): RecipientSource<T> {
  if (typeof (source as AsyncIterable<T>)[Symbol.asyncIterator] === 'function') {
    return (async function* () {
      for await (const entry of source as AsyncIterable<T>) {
        hash.update(entry);
        yield entry;
      }
    })();
  }
  return (function* () {
    for (const entry of source as Iterable<T>) {
      hash.update(entry);
      yield entry;
    }
  })();
}

/** Reads a whole source into `hash` (the caller compares digests). */
export async function hashAll<T>(source: RecipientSource<T>, hash: InputHash): Promise<void> {
  if (typeof (source as AsyncIterable<T>)[Symbol.asyncIterator] === 'function') {
    for await (const entry of source as AsyncIterable<T>) hash.update(entry);
  } else {
    for (const entry of source as Iterable<T>) hash.update(entry);
  }
}
