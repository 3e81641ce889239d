import { ReplaySubject } from 'rxjs';
import { PostaGuverciniError } from '../errors/posta-guvercini.error.js';
import { SmsValidationError } from '../errors/validation.error.js';
import { MAX_RECIPIENTS_PER_REQUEST } from '../posta-guvercini.constants.js';
import { StatusBatcher } from './status-batcher.js';
import type { SmsTransport } from '../transports/sms-transport.js';
import {
  type CampaignDeliveryReport,
  type CollectorSettings,
  DELIVERY_STATUSES,
  DeliveryCollection,
  type DeliveryProgress,
  emptyCounts,
  type TrackedMessage,
  type TrackedMessages,
  type UndeliveredRecipient,
} from './delivery-types.js';
import { PositionSet } from './position-set.js';

export {
  DELIVERY_STATUSES,
  DeliveryCollection,
  emptyCounts,
  resolveDeliveryOptions,
} from './delivery-types.js';
export type {
  CampaignDeliveryReport,
  CollectorSettings,
  DeliveryCounts,
  DeliveryOptions,
  DeliveryProgress,
  TrackedMessage,
  TrackedMessages,
  UndeliveredRecipient,
} from './delivery-types.js';
export { PositionSet } from './position-set.js';
import type {
  DeliveryReport,
  DeliveryStatus,
  SmsChannel,
} from '../transports/sms-transport.types.js';

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
