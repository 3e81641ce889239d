import { ReplaySubject, type Observable } from 'rxjs';
import { PostaGuverciniError } from '../errors/posta-guvercini.error.js';
import { SmsValidationError } from '../errors/validation.error.js';
import { MAX_RECIPIENTS_PER_REQUEST } from '../posta-guvercini.constants.js';
import { StatusBatcher } from './status-batcher.js';
import type { SmsTransport } from '../transports/sms-transport.js';
import type {
  DeliveryReport,
  DeliveryStatus,
  SmsChannel,
} from '../transports/sms-transport.types.js';

/** Options of `campaign.deliveries()`. */
export interface DeliveryOptions {
  /**
   * Deadline: polling stops when every message is final or at this time, whichever comes
   * first; messages still not final are reported with their last status (`final: false`).
   * @default 25 hours after the campaign's send time (validity is at most 24 h, after which the provider gives every message a final status)
   */
  readonly until?: Date;
  /**
   * Wait before the second round of status queries, in milliseconds; it doubles after every
   * round (back-off) up to `maxIntervalMs`.
   * @default 30000
   */
  readonly intervalMs?: number;
  /** Longest wait between two rounds, in milliseconds. @default 600000 (10 minutes) */
  readonly maxIntervalMs?: number;
  /** Status requests in flight at once (each ≤ 800 ids). @default the module option `bulk.concurrency` */
  readonly concurrency?: number;
  /** Non-delivered recipients kept in the report (counts are always exact). @default the module option `bulk.reportLimit` */
  readonly reportLimit?: number;
}

/** Counts per `DeliveryStatus` (every status present, 0 when none). */
export type DeliveryCounts = Readonly<Record<DeliveryStatus, number>>;

/** A progress snapshot of a delivery collection (`collection.progress$`). */
export interface DeliveryProgress {
  readonly campaignId: string;
  /** Accepted messages with a message id (the ones polled). */
  readonly messages: number;
  /** Messages whose status is final. */
  readonly final: number;
  /** `messages - final`. */
  readonly pending: number;
  /** Latest known status of every polled message (messages not queried yet count as `unknown`). */
  readonly counts: DeliveryCounts;
  /** Rounds of status queries done. */
  readonly rounds: number;
  /** The last snapshot has `done: true`. */
  readonly done: boolean;
}

/** A recipient whose message was not (yet) delivered. */
export interface UndeliveredRecipient {
  readonly to: string;
  /** Position of the recipient in the campaign's input. */
  readonly index: number;
  readonly messageId: string;
  readonly status: DeliveryStatus;
  /** Raw provider status code, empty when unknown. */
  readonly providerCode: string;
  readonly description: string;
  /** `false`: the deadline passed before the provider gave a final status. */
  readonly final: boolean;
}

/** The delivery report of a campaign (`collection.done`). */
export interface CampaignDeliveryReport {
  readonly campaignId: string;
  /** Accepted messages with a message id, all polled. */
  readonly messages: number;
  /** Sent but without a message id (`reason: 'recovered'` in durable mode): cannot be polled. */
  readonly untracked: number;
  /** Final status of every message, or the last one seen for messages still pending at the deadline. */
  readonly counts: DeliveryCounts;
  readonly delivered: number;
  readonly final: number;
  readonly pending: number;
  /** Whether every message reached a final status before the deadline. */
  readonly complete: boolean;
  /** Recipients not delivered (final failures, and those still pending at the deadline), up to `reportLimit`. */
  readonly undelivered: readonly UndeliveredRecipient[];
  readonly undeliveredTruncated: boolean;
  readonly rounds: number;
  /** Status requests made (calls of the transport's status, each ≤ 800 ids). */
  readonly requests: number;
  /** Status requests that failed (their ids were asked again in the next round). */
  readonly failedRequests: number;
  readonly startedAt: Date;
  readonly finishedAt: Date;
}

/**
 * A running delivery collection: `progress$` (replays the latest snapshot, completes) and
 * `done` (the report).
 */
export class DeliveryCollection {
  constructor(
    readonly campaignId: string,
    readonly progress$: Observable<DeliveryProgress>,
    readonly done: Promise<CampaignDeliveryReport>,
    private readonly current: () => DeliveryProgress,
  ) {}

  /** The latest progress snapshot. */
  get progress(): DeliveryProgress {
    return this.current();
  }
}

/** One accepted message to poll. */
export interface TrackedMessage {
  readonly to: string;
  readonly index: number;
  /** Absent when the message id is not known (`recovered`). */
  readonly messageId?: string;
}

/** Where the messages of a campaign come from: read again on every round, in chunks. */
export type TrackedMessages = () => AsyncIterable<readonly TrackedMessage[]>;

/** Resolved collection settings. */
export interface CollectorSettings {
  readonly until: Date;
  readonly intervalMs: number;
  readonly maxIntervalMs: number;
  readonly concurrency: number;
  readonly reportLimit: number;
}

export const DELIVERY_STATUSES: readonly DeliveryStatus[] = [
  'waiting_credit',
  'scheduled',
  'pending',
  'sent',
  'delivered',
  'undelivered',
  'expired',
  'rejected',
  'cancelled',
  'unknown',
];

export function emptyCounts(): Record<DeliveryStatus, number> {
  return Object.fromEntries(DELIVERY_STATUSES.map((s) => [s, 0])) as Record<DeliveryStatus, number>;
}

/** Checks `deliveries()` options; throws `SmsValidationError`. */
export function resolveDeliveryOptions(
  options: DeliveryOptions,
  defaults: { sendTime: Date; concurrency: number; reportLimit: number },
): CollectorSettings {
  if (options === null || typeof options !== 'object') {
    throw new SmsValidationError(
      'INVALID_DELIVERY_OPTIONS',
      'deliveries() expects { until?, intervalMs?, … }',
      'options',
    );
  }
  const until = options.until ?? new Date(defaults.sendTime.getTime() + 25 * 3600_000);
  if (!(until instanceof Date) || Number.isNaN(until.getTime())) {
    throw new SmsValidationError('INVALID_UNTIL', 'until must be a valid Date', 'until');
  }
  const int = (value: unknown, field: string, fallback: number, min: number, max: number) => {
    if (value === undefined) return fallback;
    if (
      typeof value !== 'number' ||
      !(value === Number.POSITIVE_INFINITY || Number.isInteger(value)) ||
      value < min ||
      value > max
    ) {
      throw new SmsValidationError(
        'INVALID_DELIVERY_OPTIONS',
        `${field} must be an integer from ${min} to ${max}`,
        field,
      );
    }
    return value;
  };
  const intervalMs = int(options.intervalMs, 'intervalMs', 30_000, 10, 86_400_000);
  return {
    until,
    intervalMs,
    maxIntervalMs: Math.max(
      intervalMs,
      int(options.maxIntervalMs, 'maxIntervalMs', 600_000, 10, 86_400_000),
    ),
    concurrency: int(options.concurrency, 'concurrency', defaults.concurrency, 1, 64),
    reportLimit: int(
      options.reportLimit,
      'reportLimit',
      defaults.reportLimit,
      0,
      Number.POSITIVE_INFINITY,
    ),
  };
}

/** A growable bit set of input positions (1 bit per recipient: 125 KB for a million). */
export class PositionSet {
  private bits = new Uint8Array(1024);

  has(position: number): boolean {
    const byte = position >>> 3;
    return byte < this.bits.length && (this.bits[byte]! & (1 << (position & 7))) !== 0;
  }

  /** From a Redis bitmap (`SETBIT` order: most significant bit first). */
  static fromRedisBitmap(bitmap: Buffer | null): PositionSet {
    const set = new PositionSet();
    if (!bitmap) return set;
    for (let i = 0; i < bitmap.length; i++) {
      const byte = bitmap[i]!;
      if (byte === 0) continue;
      for (let k = 0; k < 8; k++) if (byte & (0x80 >> k)) set.add(i * 8 + k);
    }
    return set;
  }

  add(position: number): void {
    const byte = position >>> 3;
    if (byte >= this.bits.length) {
      const grown = new Uint8Array(Math.max(byte + 1, this.bits.length * 2));
      grown.set(this.bits);
      this.bits = grown;
    }
    this.bits[byte]! |= 1 << (position & 7);
  }
}

/**
 * The state of a delivery collection and one round of status queries. Each round reads the
 * messages again from `messages` (in memory or from Redis) and asks only for those not final
 * yet, in requests of at most 800 ids (`SmsTransport.status`; the HTTP API takes one id per
 * request, so its transport asks id by id at its own bounded concurrency), `concurrency`
 * requests at a time. A failed request's ids are asked again in the next round; a
 * `SmsValidationError` (the transport refuses status queries before any network call) ends
 * the collection with that error. Memory: a bit per recipient plus the kept recipients.
 */
export class DeliveryTally {
  finalPositions = new PositionSet();
  finalCounts = emptyCounts();
  roundCounts = emptyCounts();
  /** Final non-delivered recipients kept (durable mode: those found since the last save). */
  undelivered: UndeliveredRecipient[] = [];
  /** Kept before (durable mode: already stored). */
  keptBefore = 0;
  /** Not final in the last round (up to the report limit). */
  stillPending: UndeliveredRecipient[] = [];
  /** Positions that became final in the last round. */
  newlyFinal: number[] = [];
  truncated = false;
  total = 0;
  untracked = 0;
  finalCount = 0;
  rounds = 0;
  requests = 0;
  failedRequests = 0;

  constructor(
    readonly campaignId: string,
    readonly reportLimit: number,
  ) {}

  counts(): Record<DeliveryStatus, number> {
    const merged = emptyCounts();
    for (const status of DELIVERY_STATUSES)
      merged[status] = this.finalCounts[status] + this.roundCounts[status];
    return merged;
  }

  snapshot(done: boolean): DeliveryProgress {
    return {
      campaignId: this.campaignId,
      messages: this.total,
      final: this.finalCount,
      pending: this.total - this.finalCount,
      counts: this.counts(),
      rounds: this.rounds,
      done,
    };
  }

  /** Whether the collection is over: all final, or the deadline passed. */
  finished(until: Date): boolean {
    return this.finalCount >= this.total || until.getTime() <= Date.now();
  }

  report(startedAt: Date, undelivered: UndeliveredRecipient[]): CampaignDeliveryReport {
    const merged = this.counts();
    return {
      campaignId: this.campaignId,
      messages: this.total,
      untracked: this.untracked,
      counts: merged,
      delivered: merged.delivered,
      final: this.finalCount,
      pending: this.total - this.finalCount,
      complete: this.finalCount >= this.total,
      undelivered,
      undeliveredTruncated: this.truncated,
      rounds: this.rounds,
      requests: this.requests,
      failedRequests: this.failedRequests,
      startedAt,
      finishedAt: new Date(),
    };
  }

  private keep(list: UndeliveredRecipient[], entry: UndeliveredRecipient): void {
    if (
      this.keptBefore + this.undelivered.length + (list === this.undelivered ? 0 : list.length) <
      this.reportLimit
    )
      list.push(entry);
    else this.truncated = true;
  }

  async round(params: {
    readonly channel: SmsChannel;
    readonly transport: SmsTransport;
    readonly messages: TrackedMessages;
    readonly concurrency: number;
  }): Promise<void> {
    const { channel, transport, concurrency } = params;
    const first = this.rounds === 0;
    this.roundCounts = emptyCounts();
    this.stillPending = [];
    this.newlyFinal = [];
    const batcher = new StatusBatcher(transport, channel, concurrency);
    let fatal: SmsValidationError | undefined;
    let batch: TrackedMessage[] = [];

    const settle = (
      chunk: TrackedMessage[],
      reports: DeliveryReport[] | undefined,
      error: unknown,
    ) => {
      this.requests++;
      if (reports === undefined) {
        if (error instanceof SmsValidationError) fatal ??= error;
        this.failedRequests++;
        this.roundCounts.unknown += chunk.length;
        return;
      }
      const byId = new Map(reports.map((r) => [r.messageId, r]));
      for (const message of chunk) {
        const report = byId.get(message.messageId!);
        const status = report?.status ?? 'unknown';
        const entry: UndeliveredRecipient = {
          to: message.to,
          index: message.index,
          messageId: message.messageId!,
          status,
          providerCode: report?.providerCode ?? '',
          description: report?.description ?? 'no status in the reply',
          final: report?.final ?? false,
        };
        if (report?.final) {
          this.finalPositions.add(message.index);
          this.newlyFinal.push(message.index);
          this.finalCount++;
          this.finalCounts[status]++;
          if (status !== 'delivered') this.keep(this.undelivered, entry);
        } else {
          this.roundCounts[status]++;
          this.keep(this.stillPending, entry);
        }
      }
    };
    const dispatch = (chunk: TrackedMessage[]): Promise<void> =>
      batcher.submit(
        chunk.map((m) => m.messageId!),
        (reports, error) => settle(chunk, reports, error),
      );

    for await (const chunk of params.messages()) {
      for (const message of chunk) {
        if (first) {
          if (message.messageId === undefined || message.messageId === '') {
            this.untracked++;
            continue;
          }
          this.total++;
        }
        if (!message.messageId || this.finalPositions.has(message.index)) continue;
        batch.push(message);
        if (batch.length >= MAX_RECIPIENTS_PER_REQUEST) {
          await dispatch(batch);
          batch = [];
        }
      }
      if (fatal !== undefined) break;
    }
    if (batch.length > 0 && fatal === undefined) await dispatch(batch);
    await batcher.drain();
    this.rounds++;
    if (fatal !== undefined) throw fatal;
  }
}

/**
 * Polls the provider's status of a campaign's accepted messages (see `DeliveryTally`) until
 * every one is final or the deadline passes, waiting `intervalMs` between rounds, doubling up
 * to `maxIntervalMs`.
 */
export function collectDeliveries(params: {
  readonly campaignId: string;
  readonly channel: SmsChannel;
  readonly transport: SmsTransport;
  readonly messages: TrackedMessages;
  readonly settings: CollectorSettings;
  readonly signal?: AbortSignal;
}): DeliveryCollection {
  const { campaignId, settings } = params;
  const startedAt = new Date();
  const subject = new ReplaySubject<DeliveryProgress>(1);
  const tally = new DeliveryTally(campaignId, settings.reportLimit);
  let latest: DeliveryProgress = tally.snapshot(false);
  subject.next(latest);

  const done = (async (): Promise<CampaignDeliveryReport> => {
    let interval = settings.intervalMs;
    for (;;) {
      await tally.round({ ...params, concurrency: settings.concurrency });
      latest = tally.snapshot(false);
      subject.next(latest);
      const left = settings.until.getTime() - Date.now();
      if (tally.finished(settings.until) || params.signal?.aborted) break;
      await wait(Math.min(interval, left), params.signal);
      interval = Math.min(interval * 2, settings.maxIntervalMs);
    }
    const undelivered = [...tally.undelivered];
    for (const entry of tally.stillPending) {
      if (undelivered.length < settings.reportLimit) undelivered.push(entry);
      else tally.truncated = true;
    }
    return tally.report(startedAt, undelivered);
  })().then(
    (report) => {
      latest = tally.snapshot(true);
      subject.next(latest);
      subject.complete();
      return report;
    },
    (error: unknown) => {
      latest = tally.snapshot(true);
      subject.next(latest);
      subject.complete();
      throw error instanceof PostaGuverciniError
        ? error
        : new PostaGuverciniError('DELIVERIES_FAILED', String(error), { cause: error });
    },
  );
  done.catch(() => undefined);
  return new DeliveryCollection(campaignId, subject.asObservable(), done, () => latest);
}

function wait(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
