import { CampaignKeyConflictError } from '../errors/campaign.errors.js';
import { Campaign } from './campaign.js';
import type { RecipientSource } from './campaign-options.js';
import type { CampaignReport } from './campaign-report.js';
import { hashAll, hashedSource, InputHash } from './campaign-fingerprint.js';

/** What a campaign read of its input: entries, their hash, and whether it read all of them. */
export interface InputSummary {
  readonly count: number;
  readonly digest: string;
  readonly complete: boolean;
}

/**
 * The source wrapped so that its entries are hashed as the campaign reads them; `summary`
 * resolves when reading ends (input exhausted, cancelled or failed).
 */
export function summarisedSource<T>(
  source: RecipientSource<T>,
  oneToMany: boolean,
): { source: RecipientSource<T>; hash: InputHash; summary: Promise<InputSummary>; end(): void } {
  const hash = new InputHash(oneToMany);
  let resolve!: (summary: InputSummary) => void;
  const summary = new Promise<InputSummary>((r) => (resolve = r));
  let ended = false;
  const end = (complete: boolean): void => {
    if (ended) return;
    ended = true;
    resolve({ count: hash.count, digest: hash.digestSoFar(), complete });
  };
  const hashed = hashedSource(source, hash);
  const wrapped =
    Symbol.asyncIterator in hashed
      ? (async function* () {
          let complete = false;
          try {
            yield* hashed as AsyncIterable<T>;
            complete = true;
          } finally {
            end(complete);
          }
        })()
      : (function* () {
          let complete = false;
          try {
            yield* hashed as Iterable<T>;
            complete = true;
          } finally {
            end(complete);
          }
        })();
  return { source: wrapped, hash, summary, end: () => end(false) };
}

/**
 * Compares a new request's input with what the campaign holding the key read: the same
 * entries in the same order (for a campaign that stopped early, the same first entries).
 * Throws `CampaignKeyConflictError` (`input`) otherwise.
 */
export async function assertSameInput<T>(
  source: RecipientSource<T>,
  oneToMany: boolean,
  first: InputSummary,
  conflict: () => CampaignKeyConflictError,
): Promise<void> {
  const hash = new InputHash(oneToMany);
  hash.checkAt(first.count);
  await hashAll(source, hash);
  const same = first.complete
    ? hash.count === first.count && hash.digestSoFar() === first.digest
    : hash.prefixDigest === first.digest;
  if (!same) throw conflict();
}

interface KeyEntry {
  readonly fingerprint: string;
  readonly campaign: Campaign;
  readonly input: Promise<InputSummary>;
  readonly expiresAt: number;
}

/**
 * In-process campaign keys: key → the campaign that holds it, for `campaignKeyTtlSeconds`.
 * Lost when the process ends (durable mode keeps them in Redis).
 */
export class InMemoryCampaignKeys {
  private readonly entries = new Map<string, KeyEntry>();

  constructor(private readonly ttlMs: number) {}

  get(key: string): KeyEntry | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  set(key: string, entry: Omit<KeyEntry, 'expiresAt'>): void {
    const now = Date.now();
    if (this.entries.size >= 1_000) {
      for (const [k, e] of this.entries) if (e.expiresAt <= now) this.entries.delete(k);
    }
    this.entries.set(key, { ...entry, expiresAt: now + this.ttlMs });
  }
}

/**
 * `done` of a repeated request: the existing campaign's report once the new request proved to
 * be the same one; `CampaignKeyConflictError` otherwise (nothing of it is sent).
 */
export async function repeatedRequest<T>(params: {
  readonly key: string;
  readonly existingId: string;
  readonly sameOptions: boolean;
  readonly source: RecipientSource<T>;
  readonly oneToMany: boolean;
  readonly first: () => Promise<InputSummary>;
  readonly existing: () => Promise<CampaignReport>;
}): Promise<CampaignReport> {
  const conflict = (reason: 'options' | 'input') =>
    new CampaignKeyConflictError(params.key, params.existingId, reason);
  if (!params.sameOptions) throw conflict('options');
  await assertSameInput(params.source, params.oneToMany, await params.first(), () =>
    conflict('input'),
  );
  return params.existing();
}

/** In process: the handle of a request whose `campaignKey` is already taken. */
export function repeatedHandle(
  key: string,
  existing: { fingerprint: string; campaign: Campaign; input: Promise<InputSummary> },
  fingerprint: string,
  source: RecipientSource<unknown>,
  oneToMany: boolean,
): Campaign {
  const campaign = existing.campaign;
  const verified = (async () => {
    if (existing.fingerprint !== fingerprint)
      throw new CampaignKeyConflictError(key, campaign.id, 'options');
    await assertSameInput(
      source,
      oneToMany,
      await existing.input,
      () => new CampaignKeyConflictError(key, campaign.id, 'input'),
    );
  })();
  verified.catch(() => undefined);
  return new Campaign(
    campaign.id,
    campaign.progress$,
    verified.then(() => campaign.done),
    () => void verified.then(() => campaign.cancel()).catch(() => undefined),
    () => campaign.progress,
    {
      key,
      cancel: () => verified.then(() => campaign.cancel()),
      reschedule: (date) => verified.then(() => campaign.reschedule(date)),
      deliveries: (options) => campaign.deliveries(options),
    },
  );
}
