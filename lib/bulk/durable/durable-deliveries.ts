import type { ErrorCode } from '../../errors/error-code.js';
import type { Job } from 'bullmq';
import { PostaGuverciniError } from '../../errors/posta-guvercini.error.js';
import { SmsValidationError } from '../../errors/validation.error.js';
import {
  type CampaignDeliveryReport,
  type CollectorSettings,
  type DeliveryProgress,
  DeliveryTally,
  PositionSet,
  type TrackedMessage,
  type UndeliveredRecipient,
} from '../delivery-collector.js';
import type { DeliveriesJob, DurableContext } from './durable-context.js';

/**
 * `campaign.deliveries()` in durable mode: the collection is a BullMQ job (one round per run,
 * re-delayed between rounds, its state in Redis), so it survives restarts and moves between
 * workers; the asking process follows it from Redis.
 */
export class DurableDeliveries {
  constructor(private readonly ctx: DurableContext) {}

  private deliveryKey(
    campaignId: string,
    part: 'dlr' | 'dlr-final' | 'dlr-undelivered' | 'dlr-pending',
  ): string {
    return this.ctx.control.key(campaignId, part);
  }

  /**
   * Starts the campaign's delivery collection as a BullMQ job (one round per run, re-delayed
   * between rounds, its state in Redis: it survives restarts and moves between workers), or
   * joins the one already running. A finished collection that was not complete (deadline) is
   * started again with the new settings; a complete one is kept.
   */
  async start(campaignId: string, settings: CollectorSettings): Promise<void> {
    const key = this.deliveryKey(campaignId, 'dlr');
    const [done, complete] = await this.ctx.redis.hmget(key, 'done', 'complete');
    const fields = {
      until: String(settings.until.getTime()),
      interval: String(settings.intervalMs),
      maxInterval: String(settings.maxIntervalMs),
      concurrency: String(settings.concurrency),
      reportLimit: String(
        settings.reportLimit === Number.POSITIVE_INFINITY ? -1 : settings.reportLimit,
      ),
    };
    if (done === '1' && complete === '1') return;
    const created = await this.ctx.redis.hsetnx(key, 'startedAt', String(Date.now()));
    if (created || done === '1') {
      await this.ctx.redis
        .multi()
        .hset(key, { ...fields, done: '0' })
        .expire(key, this.ctx.options.retentionSeconds)
        .exec();
    }
    if (!created && done !== '1') return; // running: join it
    const { jobPrefix } = await this.ctx.control.controlFields(campaignId);
    await this.ctx.queue.add(
      'deliveries',
      { c: campaignId },
      {
        jobId: `${jobPrefix}.dlr.${Date.now()}`,
      },
    );
  }

  /** Worker side: one round of a delivery collection (see `startDeliveries`). */
  async process(job: Job<DeliveriesJob>, jobToken?: string): Promise<void> {
    const campaignId = job.data.c;
    const key = this.deliveryKey(campaignId, 'dlr');
    const raw = await this.ctx.redis.hgetall(key);
    if (!raw['startedAt'] || raw['done'] === '1') return;
    const limit = Number(raw['reportLimit']);
    const tally = storedTally(campaignId, limit < 0 ? Number.POSITIVE_INFINITY : limit, raw);
    tally.keptBefore = await this.ctx.redis.llen(this.deliveryKey(campaignId, 'dlr-undelivered'));
    tally.finalPositions = PositionSet.fromRedisBitmap(
      await this.ctx.redis.getBuffer(this.deliveryKey(campaignId, 'dlr-final')),
    );
    const meta = await this.ctx.store.get(campaignId);
    const until = new Date(Number(raw['until']));
    let error: PostaGuverciniError | undefined;
    try {
      await tally.round({
        channel: meta?.channel ?? 'bulk',
        transport: this.ctx.transport,
        messages: () => this.sentMessages(campaignId),
        concurrency: Number(raw['concurrency'] ?? 4),
      });
    } catch (caught) {
      if (!(caught instanceof SmsValidationError)) throw caught; // BullMQ tries the round again
      error = caught;
    }
    const finished = error !== undefined || tally.finished(until);
    const interval = Number(raw['interval']);
    const retention = this.ctx.options.retentionSeconds;
    const multi = this.ctx.redis.multi();
    for (const position of tally.newlyFinal)
      multi.setbit(this.deliveryKey(campaignId, 'dlr-final'), position, 1);
    for (const entry of tally.undelivered)
      multi.rpush(this.deliveryKey(campaignId, 'dlr-undelivered'), JSON.stringify(entry));
    multi.del(this.deliveryKey(campaignId, 'dlr-pending'));
    for (const entry of tally.stillPending)
      multi.rpush(this.deliveryKey(campaignId, 'dlr-pending'), JSON.stringify(entry));
    multi.hset(key, {
      messages: String(tally.total),
      untracked: String(tally.untracked),
      final: String(tally.finalCount),
      rounds: String(tally.rounds),
      requests: String(tally.requests),
      failedRequests: String(tally.failedRequests),
      truncated: tally.truncated ? '1' : '0',
      finalCounts: JSON.stringify(tally.finalCounts),
      roundCounts: JSON.stringify(tally.roundCounts),
      interval: String(Math.min(interval * 2, Number(raw['maxInterval']))),
      ...(finished
        ? {
            done: '1',
            complete: tally.finalCount >= tally.total ? '1' : '0',
            finishedAt: String(Date.now()),
          }
        : {}),
      ...(error ? { errorCode: error.code, errorMessage: error.message } : {}),
    });
    for (const part of ['dlr', 'dlr-final', 'dlr-undelivered', 'dlr-pending'] as const)
      multi.expire(this.deliveryKey(campaignId, part), retention);
    await multi.exec();
    if (!finished && this.ctx.DelayedError) {
      const wait = Math.max(1, Math.min(interval, until.getTime() - Date.now()));
      await job.moveToDelayed(Date.now() + wait, jobToken);
      throw new this.ctx.DelayedError();
    }
  }

  /** Follows a delivery collection job from Redis; `done` resolves with its report. */
  follow(
    campaignId: string,
    onProgress: (progress: DeliveryProgress) => void,
  ): Promise<CampaignDeliveryReport> {
    const key = this.deliveryKey(campaignId, 'dlr');
    return (async () => {
      let rounds = -1;
      for (;;) {
        if (this.ctx.closed) {
          throw new PostaGuverciniError(
            'DELIVERIES_STOPPED',
            `The service shut down while following the delivery collection of campaign ${campaignId}; it goes on in the workers: call deliveries() again after the restart`,
          );
        }
        const raw = await this.ctx.redis.hgetall(key);
        const tally = storedTally(campaignId, 0, raw);
        if (raw['roundCounts']) Object.assign(tally.roundCounts, JSON.parse(raw['roundCounts']));
        const done = raw['done'] === '1';
        if (tally.rounds !== rounds || done) {
          rounds = tally.rounds;
          onProgress(tally.snapshot(done));
        }
        if (done) {
          if (raw['errorCode'])
            throw new PostaGuverciniError(raw['errorCode'] as ErrorCode, raw['errorMessage'] ?? '');
          const limit = Number(raw['reportLimit']);
          const max = limit < 0 ? -1 : limit - 1;
          const parse = (list: string[]) => list.map((e) => JSON.parse(e) as UndeliveredRecipient);
          const undelivered = parse(
            await this.ctx.redis.lrange(this.deliveryKey(campaignId, 'dlr-undelivered'), 0, max),
          );
          if (limit < 0 || undelivered.length < limit) {
            const room = limit < 0 ? -1 : limit - undelivered.length - 1;
            undelivered.push(
              ...parse(
                await this.ctx.redis.lrange(this.deliveryKey(campaignId, 'dlr-pending'), 0, room),
              ),
            );
          }
          const report = tally.report(new Date(Number(raw['startedAt'])), undelivered);
          return { ...report, finishedAt: new Date(Number(raw['finishedAt'])) };
        }
        await this.ctx.sleep(this.ctx.options.pollIntervalMs);
      }
    })();
  }

  /** The campaign's accepted messages, batch by batch, from Redis (for `deliveries()`). */
  async *sentMessages(campaignId: string): AsyncGenerator<readonly TrackedMessage[]> {
    for (let cursor = 0; ;) {
      const chunk = await this.ctx.store.completedSince(campaignId, cursor);
      if (chunk.count === 0) return;
      cursor += chunk.count;
      yield chunk.outcomes.flatMap((o) =>
        o.status === 'sent'
          ? [{ to: o.to, index: o.index, ...(o.messageId ? { messageId: o.messageId } : {}) }]
          : [],
      );
    }
  }
}

/** A tally with the counters a delivery collection saved in its Redis hash (`dlr`). */
function storedTally(
  campaignId: string,
  reportLimit: number,
  raw: Record<string, string>,
): DeliveryTally {
  const tally = new DeliveryTally(campaignId, reportLimit);
  tally.total = Number(raw['messages'] ?? 0);
  tally.untracked = Number(raw['untracked'] ?? 0);
  tally.finalCount = Number(raw['final'] ?? 0);
  tally.rounds = Number(raw['rounds'] ?? 0);
  tally.requests = Number(raw['requests'] ?? 0);
  tally.failedRequests = Number(raw['failedRequests'] ?? 0);
  tally.truncated = raw['truncated'] === '1';
  if (raw['finalCounts']) Object.assign(tally.finalCounts, JSON.parse(raw['finalCounts']));
  return tally;
}
