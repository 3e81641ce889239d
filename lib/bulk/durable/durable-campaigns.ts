import { randomUUID } from 'node:crypto';
import type { Logger } from '@nestjs/common';
import type { ConnectionOptions, Job, Queue, Worker } from 'bullmq';
import type { Redis, RedisOptions } from 'ioredis';
import {
  BulkCampaignError,
  campaignInputFailed,
  countOf,
  describeCause,
} from '../../errors/bulk.errors.js';
import { CampaignKeyConflictError } from '../../errors/campaign.errors.js';
import { PostaGuverciniError } from '../../errors/posta-guvercini.error.js';
import { sanitizeCause } from '../../errors/redact.js';
import { SmsValidationError } from '../../errors/validation.error.js';
import { analyzeSmsText } from '../../message/sms-text.js';
import type { SmsTransport } from '../../transports/sms-transport.js';
import type { BatchResult, BatchSender } from '../batch-sender.js';
import { Campaign, type CampaignOperations } from '../campaign.js';
import type { CampaignReport } from '../campaign-report.js';
import { abortedOutcomes, failedOutcomes } from '../outcomes.js';
import type { ReadyRecipient, RecipientOutcome } from '../recipient-outcome.js';
import type { CampaignSettings } from '../campaign-rules.js';
import type { RunControl } from '../run-control.js';
import { CampaignTracker } from '../campaign-tracker.js';
import type { PipelineEvent } from '../recipient-pipeline.js';
import type { ResolvedDurableOptions } from '../resolve-bulk-options.js';
import {
  DurableCampaignStore,
  decodeOutcome,
  encodeOutcome,
  type StoredCampaign,
  type StoredOutcome,
} from './durable-campaign-store.js';
import { CampaignControlStore } from './campaign-keys.js';
import type { InputHash } from '../campaign-fingerprint.js';
import type { InputSummary } from '../campaign-keys.js';
import {
  type CampaignDeliveryReport,
  type CollectorSettings,
  DeliveryTally,
  type DeliveryProgress,
  PositionSet,
  type TrackedMessage,
  type UndeliveredRecipient,
} from '../delivery-collector.js';
import { loadDurableDependencies } from './load-durable-dependencies.js';
import { StatusBatcher } from '../status-batcher.js';

/** A batch job: campaign id, batch number, recipients as `[to, index]` or `[to, index, text]`. */
interface BatchJob {
  readonly c: string;
  readonly b: number;
  readonly r: ReadonlyArray<readonly [string, number] | readonly [string, number, string]>;
}

interface FollowState {
  /** Batches queued so far, and whether queueing is over; `undefined` = read it from Redis. */
  batches(): Promise<{ batches: number; enqueued: boolean }>;
  /** Set when following must stop early (sink failure). */
  error?: BulkCampaignError;
}

/**
 * Durable campaigns on BullMQ. The process that starts a campaign streams its input through
 * the same pipeline as in-process campaigns, but queues each batch as a job (`campaignId_n`)
 * instead of sending it; workers (in this process and/or others) send the batches; the
 * starting process follows the results in Redis and feeds `progress$`, `onRecipient` and the
 * report.
 *
 * Exactly-once, given a provider without idempotency keys:
 * 1. Before sending, a worker claims the batch atomically (`inflight|token|t0`); a batch
 *    already `done` is never sent again, whoever picks the job up.
 * 2. Right after the reply, one Lua script records the outcomes, marks the batch `done` and
 *    counts it — only if the worker still owns the batch. The window in which a crash loses a
 *    reply is the provider's processing time plus one Redis round trip.
 * 3. A batch found `inflight` belonged to a worker that died inside that window (or before
 *    sending). It is re-sent only on the bulk host (durable campaigns on `channel: 'otp'` are
 *    refused at validation: the OTP host has no duplicate check) and only while the bulk
 *    host's duplicate-content window is open:
 *    the host deletes a copy of a message it already accepted (status `-202`), so the
 *    recipient gets it once either way, and the status of the re-sent ids tells which copy is
 *    the live one (`-202` → the lost original: reported `sent` with `reason: 'recovered'`
 *    and no id). Past the window the batch is reported `failed` / `outcome_unknown` /
 *    `maybeSent: true` and never re-sent.
 * BullMQ moves the job of a dead worker back to the queue once its lock expires
 * (`lockDurationMs`) and a worker's stalled check notices (`stalledIntervalMs`).
 */
export class DurableCampaigns {
  private readonly timers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  private readonly campaigns = new Map<string, StoredCampaign>();
  private closed = false;
  private readonly control: CampaignControlStore;
  private DelayedError: (new (message?: string) => Error) | undefined;

  private constructor(
    private readonly options: ResolvedDurableOptions,
    private readonly redis: Redis,
    private readonly store: DurableCampaignStore,
    private readonly queue: Queue,
    private worker: Worker | undefined,
    private readonly transport: SmsTransport,
    private readonly sender: BatchSender,
    private readonly logger: Logger,
    /** The Redis password of the connection, masked wherever a driver's text is shown. */
    private readonly secrets: readonly string[],
  ) {
    this.control = new CampaignControlStore(redis, options.prefix, options.retentionSeconds);
  }

  static async create(
    options: ResolvedDurableOptions,
    transport: SmsTransport,
    sender: BatchSender,
    logger: Logger,
    concurrency: number,
  ): Promise<DurableCampaigns> {
    const { Queue, Worker, Redis } = await loadDurableDependencies();
    const secrets = connectionSecrets(options.connection);
    const describe = (error: unknown): string => describeCause(error, secrets);
    const base: RedisOptions =
      typeof options.connection === 'string' ? {} : { ...options.connection };
    const redis =
      typeof options.connection === 'string'
        ? new Redis(options.connection, { lazyConnect: false })
        : new Redis(base);
    redis.on('error', (error: Error) => logger.warn(`Redis (bulk campaigns): ${describe(error)}`));
    const bullConnection: ConnectionOptions =
      typeof options.connection === 'string'
        ? { url: options.connection, maxRetriesPerRequest: null }
        : { ...options.connection, maxRetriesPerRequest: null };
    const queue = new Queue(options.queueName, {
      connection: bullConnection,
      prefix: options.prefix,
      defaultJobOptions: {
        // Processing is idempotent (claim/record), so a failed attempt may safely run again.
        attempts: 10,
        backoff: { type: 'exponential', delay: 1000 },
        removeOnComplete: true,
        removeOnFail: { age: options.retentionSeconds },
      },
    });
    queue.on('error', (error: Error) => logger.warn(`BullMQ queue: ${describe(error)}`));
    const store = new DurableCampaignStore(redis, options.prefix, options.retentionSeconds);
    const campaigns = new DurableCampaigns(
      options,
      redis,
      store,
      queue,
      undefined,
      transport,
      sender,
      logger,
      secrets,
    );
    if (options.worker) {
      campaigns.DelayedError = (
        (await import('bullmq')) as { DelayedError: new () => Error }
      ).DelayedError;
      const worker = new Worker(
        options.queueName,
        (job: Job<BatchJob>, token?: string) => campaigns.process(job, token),
        {
          connection: bullConnection,
          prefix: options.prefix,
          concurrency,
          lockDuration: options.lockDurationMs,
          stalledInterval: options.stalledIntervalMs,
          maxStalledCount: 100,
        },
      );
      worker.on('error', (error: Error) => logger.warn(`BullMQ worker: ${describe(error)}`));
      worker.on('failed', (job: Job<BatchJob> | undefined, error: Error) => {
        if (job)
          logger.error(
            `${job.name === 'deliveries' ? 'Delivery collection' : `Batch ${job.data.b}`} of campaign ${job.data.c} failed (attempt ${job.attemptsMade}): ${describe(error)}`,
          );
      });
      campaigns.worker = worker;
    }
    return campaigns;
  }

  /** Starts a campaign: queues its batches and follows their results. */
  async run(params: {
    readonly campaignId: string;
    readonly settings: CampaignSettings;
    readonly text: string | undefined;
    readonly pipeline: AsyncGenerator<PipelineEvent, void, undefined>;
    readonly tracker: CampaignTracker;
    readonly control: RunControl;
    /** Held in the queue until this time (ms), see `bulk.holdScheduledOverSeconds`. */
    readonly holdUntil?: number;
    /** A keyed campaign: queueing is fenced by the starter's lease. */
    readonly keyed?: KeyedRun;
  }): Promise<CampaignReport> {
    const { campaignId, settings, text, pipeline, tracker, control, keyed } = params;
    const jobPrefix = keyed ? `${campaignId}.${keyed.epoch}` : campaignId;
    try {
      // (A resumed campaign whose meta never got written — its starter died at once — starts afresh.)
      if (!keyed?.resume || !(await this.store.get(campaignId))) {
        await this.store.create(campaignId, settings, text);
        await this.control.setFields(campaignId, {
          jobPrefix,
          ...(params.holdUntil !== undefined ? { holdUntil: String(params.holdUntil) } : {}),
        });
      }
    } catch (error) {
      await pipeline.return();
      throw new BulkCampaignError(
        'CAMPAIGN_QUEUE_FAILED',
        `Campaign ${campaignId} could not be created in Redis; nothing was read or sent: ${this.describe(error)}`,
        tracker.finish(),
        { cause: this.safe(error) },
      );
    }
    let batches = keyed?.resume?.batches ?? 0;
    let enqueued = false;
    let inputError: unknown;
    let inputFailed = false;
    const state: FollowState = { batches: async () => ({ batches, enqueued }) };
    const following = this.follow(campaignId, tracker, state);
    const settle = async (outcomes: RecipientOutcome[]): Promise<void> => {
      await this.store.addSettled(campaignId, outcomes);
      await this.recordOrStop(tracker, state, outcomes);
      if (state.error)
        control.cancel(
          new PostaGuverciniError(
            'CAMPAIGN_STOPPED',
            'Not sent: the campaign stopped because its onRecipient callback threw',
          ),
        );
    };
    let queueError: unknown;
    try {
      for await (const event of pipeline) {
        if (this.closed)
          control.cancel(
            new PostaGuverciniError(
              'CAMPAIGN_STOPPED',
              'Not sent: the application shut down while the campaign was being queued',
            ),
          );
        if (event.type === 'settled') {
          await settle(event.outcomes);
        } else if (event.type === 'batch') {
          if (control.stopReason) {
            await settle(abortedOutcomes(event.recipients, control.stopReason));
            continue;
          }
          if (await this.control.controlFields(campaignId).then((f) => f.cancelRequested)) {
            control.cancel();
            await settle(abortedOutcomes(event.recipients, control.stopReason!));
            continue;
          }
          const r = event.recipients.map((r): BatchJob['r'][number] =>
            r.text === undefined ? [r.to, r.index] : [r.to, r.index, r.text],
          );
          const delay =
            params.holdUntil !== undefined ? Math.max(0, params.holdUntil - Date.now()) : 0;
          if (keyed) {
            const n = await this.control.reserveBatch(campaignId, keyed.token, keyed.leaseMs);
            if (n < 0) throw new Error('another process took over this campaign (lease lost)');
            await this.queue.add(
              'batch',
              { c: campaignId, b: n, r },
              { jobId: `${jobPrefix}_${n}`, ...(delay > 0 ? { delay } : {}) },
            );
            if (
              !(await this.control.commitBatch(
                campaignId,
                keyed.token,
                n,
                keyed.hash.count,
                keyed.hash.digestSoFar(),
              ))
            )
              throw new Error('another process took over this campaign (lease lost)');
            batches = n + 1;
          } else {
            const data: BatchJob = { c: campaignId, b: batches, r };
            await this.queue.add('batch', data, {
              jobId: `${jobPrefix}_${batches}`,
              ...(delay > 0 ? { delay } : {}),
            });
            batches++;
            await this.store.batchQueued(campaignId);
          }
        } else {
          tracker.setTotal(event.total);
          if ('error' in event) {
            inputFailed = true;
            inputError = event.error;
          }
        }
      }
      if (control.cancelled) tracker.markCancelled();
      await this.store.markEnqueued(campaignId, tracker.report().total, control.cancelled);
      if (keyed) await this.control.markRead(campaignId, keyed.token, await keyed.summary);
    } catch (error) {
      queueError = error;
    }
    keyed?.stopLease();
    enqueued = true;
    // A resumed run whose input is not the one the campaign read: nothing of it was queued.
    if (queueError instanceof CampaignKeyConflictError) throw queueError;
    if (queueError !== undefined) {
      state.error ??= new BulkCampaignError(
        'CAMPAIGN_QUEUE_FAILED',
        `Queueing campaign ${campaignId} in Redis failed after ${countOf(batches, 'batch', 'batches')} (those are still sent by the workers): ${this.describe(queueError)}`,
        tracker.report(),
        { cause: this.safe(queueError) },
      );
    }
    await following;
    if ((await this.control.controlFields(campaignId).catch(() => undefined))?.cancelRequested)
      tracker.markCancelled();
    if (state.error) throw withReport(state.error, tracker.finish());
    if (inputFailed) {
      throw campaignInputFailed(tracker.progress.processed, inputError, tracker.finish());
    }
    return tracker.finish();
  }

  /** A handle on an existing campaign, its report rebuilt from Redis. */
  async attach(
    campaignId: string,
    options: {
      reportLimit: number;
      onRecipient?: (outcome: RecipientOutcome) => void | Promise<void>;
    },
    operations: CampaignOperations = {},
  ): Promise<Campaign> {
    const meta = await this.meta(campaignId);
    if (!meta) {
      throw new SmsValidationError(
        'CAMPAIGN_NOT_FOUND',
        `No durable campaign ${campaignId} in Redis (wrong id, another prefix, or expired)`,
        'campaignId',
      );
    }
    const { holdUntil } = await this.control.controlFields(campaignId);
    const sendAt = meta.settings.sendAt;
    const tracker = new CampaignTracker({
      campaignId,
      kind: meta.kind,
      channel: meta.channel,
      reportLimit: options.reportLimit,
      ...(sendAt
        ? {
            schedule: {
              sendAt,
              heldBy: holdUntil !== undefined ? ('queue' as const) : ('provider' as const),
              cancellable: holdUntil !== undefined,
            },
          }
        : {}),
      ...(meta.total !== undefined ? { total: meta.total } : {}),
      ...(options.onRecipient ? { onRecipient: options.onRecipient } : {}),
    });
    const done = this.followInto(campaignId, tracker).catch((error: unknown) => {
      tracker.finish();
      throw error;
    });
    done.catch(() => undefined);
    return new Campaign(
      campaignId,
      tracker.progress$,
      done,
      () => undefined,
      () => tracker.progress,
      operations,
    );
  }

  /**
   * Feeds `tracker` from Redis: the outcomes decided without sending, then every completed
   * batch until the campaign is done; resolves with the report.
   */
  async followInto(campaignId: string, tracker: CampaignTracker): Promise<CampaignReport> {
    const meta = await this.store.get(campaignId);
    if (meta?.cancelled) tracker.markCancelled();
    const state: FollowState = {
      batches: async () => {
        const current = await this.store.get(campaignId);
        if (current?.total !== undefined) tracker.setTotal(current.total);
        // A cancelled campaign is over once its queued batches are: its starting process
        // stops queueing (or is gone, e.g. it died while reading).
        const { cancelRequested } = await this.control.controlFields(campaignId);
        return {
          batches: current?.batches ?? 0,
          enqueued: (current?.enqueued ?? true) || cancelRequested,
        };
      },
    };
    for await (const outcomes of this.store.settled(campaignId))
      await this.recordOrStop(tracker, state, outcomes);
    await this.follow(campaignId, tracker, state);
    if ((await this.control.controlFields(campaignId)).cancelRequested) tracker.markCancelled();
    if (state.error) throw withReport(state.error, tracker.finish());
    return tracker.finish();
  }

  /**
   * The stored meta of a campaign (`undefined` when it is not in Redis); a Redis failure is
   * `CAMPAIGN_STORE_UNAVAILABLE` with a sanitised cause.
   */
  async meta(campaignId: string): Promise<StoredCampaign | undefined> {
    try {
      return await this.store.get(campaignId);
    } catch (error) {
      throw new PostaGuverciniError(
        'CAMPAIGN_STORE_UNAVAILABLE',
        `Campaign ${campaignId} could not be read from Redis: ${this.describe(error)}`,
        { cause: this.safe(error) },
      );
    }
  }

  /** Key claims, leases, holds and cancels (see `CampaignControlStore`). */
  get controlStore(): CampaignControlStore {
    return this.control;
  }

  /**
   * Durable cancel (from any instance): refused for a held campaign that started; otherwise
   * marks the campaign cancelled (the starter stops reading, workers send no batch they have
   * not claimed) and removes every batch still waiting in the queue at once, recording its
   * recipients `aborted` / `CAMPAIGN_CANCELLED`.
   */
  async cancel(campaignId: string): Promise<'ok' | 'started' | 'finished' | 'gone'> {
    const answer = await this.control.cancel(campaignId);
    if (answer !== 'ok') return answer;
    const { batches, jobPrefix } = await this.control.controlFields(campaignId);
    const error = cancelledError();
    for (let n = 0; n < batches; n++) {
      const job = (await this.queue.getJob(`${jobPrefix}_${n}`)) as Job<BatchJob> | undefined;
      if (!job) continue;
      await job.remove().catch(() => undefined); // locked by a worker: its gate sees the cancel
      await this.control.recordCancelled(
        campaignId,
        n,
        abortedOutcomes(recipientsOf(job.data), error),
        encodeBatch,
      );
    }
    return 'ok';
  }

  /** Moves a held campaign's send time; see `Campaign.reschedule`. */
  async reschedule(
    campaignId: string,
    sendAt: Date,
  ): Promise<'ok' | 'started' | 'not_held' | 'cancelled' | 'gone'> {
    const answer = await this.control.reschedule(campaignId, sendAt);
    if (answer !== 'ok') return answer;
    this.campaigns.delete(campaignId);
    const { batches, jobPrefix } = await this.control.controlFields(campaignId);
    for (let n = 0; n < batches; n++) {
      const job = await this.queue.getJob(`${jobPrefix}_${n}`);
      // A job no longer delayed is re-delayed by the worker's gate.
      await job?.changeDelay(Math.max(1, sendAt.getTime() - Date.now())).catch(() => undefined);
    }
    return 'ok';
  }

  /**
   * Before a keyed campaign is resumed: settles a batch its dead starter reserved, finds the
   * input positions already queued (the resumed run skips them), and removes the outcomes
   * decided without sending (the resumed run decides them again for every other position).
   */
  async prepareResume(campaignId: string): Promise<{ batches: number; queued: PositionSet }> {
    const fields = await this.control.controlFields(campaignId);
    if (fields.pending !== undefined) {
      const job = await this.queue.getJob(`${fields.jobPrefix}_${fields.pending}`);
      if (job) {
        await this.control.setFields(campaignId, { batches: String(fields.pending + 1) });
        await this.redis.hdel(this.control.key(campaignId, 'meta'), 'pending');
      } else {
        await this.control.settlePending(campaignId, fields.pending);
      }
    }
    const { batches, jobPrefix } = await this.control.controlFields(campaignId);
    const queued = new PositionSet();
    for (let n = 0; n < batches; n++) {
      let positions = await this.control.resultPositions(campaignId, n);
      if (!positions) {
        const job = (await this.queue.getJob(`${jobPrefix}_${n}`)) as Job<BatchJob> | undefined;
        positions = job
          ? job.data.r.map((entry) => entry[1])
          : await this.control.resultPositions(campaignId, n); // completed meanwhile
      }
      for (const position of positions ?? []) queued.add(position);
    }
    await this.control.resetSettled(campaignId, (chunk) =>
      (JSON.parse(chunk) as StoredOutcome[]).map(decodeOutcome),
    );
    return { batches, queued };
  }

  private deliveryKey(
    campaignId: string,
    part: 'dlr' | 'dlr-final' | 'dlr-undelivered' | 'dlr-pending',
  ): string {
    return this.control.key(campaignId, part);
  }

  /**
   * Starts the campaign's delivery collection as a BullMQ job (one round per run, re-delayed
   * between rounds, its state in Redis: it survives restarts and moves between workers), or
   * joins the one already running. A finished collection that was not complete (deadline) is
   * started again with the new settings; a complete one is kept.
   */
  async startDeliveries(campaignId: string, settings: CollectorSettings): Promise<void> {
    const key = this.deliveryKey(campaignId, 'dlr');
    const [done, complete] = await this.redis.hmget(key, 'done', 'complete');
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
    const created = await this.redis.hsetnx(key, 'startedAt', String(Date.now()));
    if (created || done === '1') {
      await this.redis
        .multi()
        .hset(key, { ...fields, done: '0' })
        .expire(key, this.options.retentionSeconds)
        .exec();
    }
    if (!created && done !== '1') return; // running: join it
    const { jobPrefix } = await this.control.controlFields(campaignId);
    await this.queue.add(
      'deliveries',
      { c: campaignId },
      {
        jobId: `${jobPrefix}.dlr.${Date.now()}`,
      },
    );
  }

  /** Worker side: one round of a delivery collection (see `startDeliveries`). */
  private async processDeliveries(job: Job<DeliveriesJob>, jobToken?: string): Promise<void> {
    const campaignId = job.data.c;
    const key = this.deliveryKey(campaignId, 'dlr');
    const raw = await this.redis.hgetall(key);
    if (!raw['startedAt'] || raw['done'] === '1') return;
    const limit = Number(raw['reportLimit']);
    const tally = new DeliveryTally(campaignId, limit < 0 ? Number.POSITIVE_INFINITY : limit);
    tally.total = Number(raw['messages'] ?? 0);
    tally.untracked = Number(raw['untracked'] ?? 0);
    tally.finalCount = Number(raw['final'] ?? 0);
    tally.rounds = Number(raw['rounds'] ?? 0);
    tally.requests = Number(raw['requests'] ?? 0);
    tally.failedRequests = Number(raw['failedRequests'] ?? 0);
    tally.truncated = raw['truncated'] === '1';
    if (raw['finalCounts']) Object.assign(tally.finalCounts, JSON.parse(raw['finalCounts']));
    tally.keptBefore = await this.redis.llen(this.deliveryKey(campaignId, 'dlr-undelivered'));
    tally.finalPositions = PositionSet.fromRedisBitmap(
      await this.redis.getBuffer(this.deliveryKey(campaignId, 'dlr-final')),
    );
    const meta = await this.store.get(campaignId);
    const until = new Date(Number(raw['until']));
    let error: PostaGuverciniError | undefined;
    try {
      await tally.round({
        channel: meta?.channel ?? 'bulk',
        transport: this.transport,
        messages: () => this.sentMessages(campaignId),
        concurrency: Number(raw['concurrency'] ?? 4),
      });
    } catch (caught) {
      if (!(caught instanceof SmsValidationError)) throw caught; // BullMQ tries the round again
      error = caught;
    }
    const finished = error !== undefined || tally.finished(until);
    const interval = Number(raw['interval']);
    const retention = this.options.retentionSeconds;
    const multi = this.redis.multi();
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
    if (!finished && this.DelayedError) {
      const wait = Math.max(1, Math.min(interval, until.getTime() - Date.now()));
      await job.moveToDelayed(Date.now() + wait, jobToken);
      throw new this.DelayedError();
    }
  }

  /** Follows a delivery collection job from Redis; `done` resolves with its report. */
  followDeliveries(
    campaignId: string,
    onProgress: (progress: DeliveryProgress) => void,
  ): Promise<CampaignDeliveryReport> {
    const key = this.deliveryKey(campaignId, 'dlr');
    return (async () => {
      let rounds = -1;
      for (;;) {
        if (this.closed) {
          throw new PostaGuverciniError(
            'DELIVERIES_STOPPED',
            `The service shut down while following the delivery collection of campaign ${campaignId}; it goes on in the workers: call deliveries() again after the restart`,
          );
        }
        const raw = await this.redis.hgetall(key);
        const tally = new DeliveryTally(campaignId, 0);
        tally.total = Number(raw['messages'] ?? 0);
        tally.untracked = Number(raw['untracked'] ?? 0);
        tally.finalCount = Number(raw['final'] ?? 0);
        tally.rounds = Number(raw['rounds'] ?? 0);
        tally.requests = Number(raw['requests'] ?? 0);
        tally.failedRequests = Number(raw['failedRequests'] ?? 0);
        tally.truncated = raw['truncated'] === '1';
        if (raw['finalCounts']) Object.assign(tally.finalCounts, JSON.parse(raw['finalCounts']));
        if (raw['roundCounts']) Object.assign(tally.roundCounts, JSON.parse(raw['roundCounts']));
        const done = raw['done'] === '1';
        if (tally.rounds !== rounds || done) {
          rounds = tally.rounds;
          onProgress(tally.snapshot(done));
        }
        if (done) {
          if (raw['errorCode'])
            throw new PostaGuverciniError(raw['errorCode'], raw['errorMessage'] ?? '');
          const limit = Number(raw['reportLimit']);
          const max = limit < 0 ? -1 : limit - 1;
          const parse = (list: string[]) => list.map((e) => JSON.parse(e) as UndeliveredRecipient);
          const undelivered = parse(
            await this.redis.lrange(this.deliveryKey(campaignId, 'dlr-undelivered'), 0, max),
          );
          if (limit < 0 || undelivered.length < limit) {
            const room = limit < 0 ? -1 : limit - undelivered.length - 1;
            undelivered.push(
              ...parse(
                await this.redis.lrange(this.deliveryKey(campaignId, 'dlr-pending'), 0, room),
              ),
            );
          }
          const report = tally.report(new Date(Number(raw['startedAt'])), undelivered);
          return { ...report, finishedAt: new Date(Number(raw['finishedAt'])) };
        }
        await this.sleep(this.options.pollIntervalMs);
      }
    })();
  }

  /** The campaign's accepted messages, batch by batch, from Redis (for `deliveries()`). */
  async *sentMessages(campaignId: string): AsyncGenerator<readonly TrackedMessage[]> {
    for (let cursor = 0; ;) {
      const chunk = await this.store.completedSince(campaignId, cursor);
      if (chunk.count === 0) return;
      cursor += chunk.count;
      yield chunk.outcomes.flatMap((o) =>
        o.status === 'sent'
          ? [{ to: o.to, index: o.index, ...(o.messageId ? { messageId: o.messageId } : {}) }]
          : [],
      );
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const entry of this.timers) {
      clearTimeout(entry.timer);
      entry.resolve();
    }
    this.timers.clear();
    await this.worker?.close();
    await this.queue.close();
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  /** Reads completed batches until every queued batch is done. */
  private async follow(
    campaignId: string,
    tracker: CampaignTracker,
    state: FollowState,
  ): Promise<void> {
    let cursor = 0;
    for (;;) {
      if (this.closed) {
        state.error ??= new BulkCampaignError(
          'CAMPAIGN_QUEUE_FAILED',
          `The service shut down while following campaign ${campaignId}; its batches are still sent by the workers: use attach('${campaignId}') after the restart`,
          tracker.report(),
        );
        return;
      }
      let count = 0;
      try {
        const chunk = await this.store.completedSince(campaignId, cursor);
        count = chunk.count;
        cursor += count;
        if (count > 0)
          await this.recordOrStop(tracker, state, chunk.outcomes, chunk.requests, chunk.credits);
        if (state.error) return;
        const { batches, enqueued } = await state.batches();
        if (enqueued && cursor >= batches) return;
      } catch (error) {
        // Redis hiccup: ioredis reconnects; keep following.
        this.logger.warn(`Following campaign ${campaignId}: ${this.describe(error)}`);
      }
      if (count < 100) await this.sleep(this.options.pollIntervalMs);
    }
  }

  private async recordOrStop(
    tracker: CampaignTracker,
    state: FollowState,
    outcomes: readonly RecipientOutcome[],
    requests = 0,
    credits = 0,
  ): Promise<void> {
    try {
      await tracker.record(outcomes, requests, credits);
    } catch (error) {
      state.error ??= new BulkCampaignError(
        'CAMPAIGN_SINK_FAILED',
        `The campaign's onRecipient callback threw, so this process stopped queueing and following it (batches already queued are still sent): ${this.describe(error)}`,
        tracker.report(),
        { cause: this.safe(error) },
      );
    }
  }

  /** Worker side: sends one batch exactly once (see the class comment). */
  private async process(job: Job<BatchJob>, jobToken?: string): Promise<void> {
    if (job.name === 'deliveries') return this.processDeliveries(job, jobToken);
    const { c: campaignId, b: batch } = job.data;
    const gate = await this.control.gate(campaignId);
    if (gate.state === 'early' && this.DelayedError) {
      // Rescheduled later while the job was already due: wait again.
      await job.moveToDelayed(gate.holdUntil, jobToken);
      throw new this.DelayedError();
    }
    if (gate.state === 'cancelled') {
      await this.control.recordCancelled(
        campaignId,
        batch,
        abortedOutcomes(recipientsOf(job.data), cancelledError()),
        encodeBatch,
      );
      return;
    }
    const loaded = await this.campaign(campaignId);
    // A held campaign is handed to the provider now, without the send time.
    const campaign =
      loaded && gate.state === 'go-held'
        ? { ...loaded, settings: withoutSendAt(loaded.settings) }
        : loaded;
    if (!campaign) {
      this.logger.error(
        `Batch ${batch} of campaign ${campaignId}: the campaign is no longer in Redis (expired?); not sent`,
      );
      return;
    }
    const recipients = recipientsOf(job.data);
    const token = randomUUID();
    const claim = await this.store.claim(campaignId, batch, token);
    if (claim.state === 'done') return;

    let result: BatchResult;
    if (claim.state === 'inflight') {
      result = await this.reconcile(campaign, recipients, claim.startedAt);
    } else {
      const fresh = await this.store.get(campaignId);
      result = fresh?.abortedCode
        ? {
            outcomes: abortedAfterFailure(recipients, fresh.abortedCode, fresh.abortedMessage),
            requests: 0,
            credits: 0,
          }
        : await this.sender.send(campaign.settings, campaign.text, recipients);
    }
    if (result.fatal) await this.store.markAborted(campaignId, result.fatal);
    const recorded = await this.store.record(
      campaignId,
      batch,
      token,
      result.outcomes,
      result.requests,
      result.credits,
    );
    if (recorded === -1) {
      this.logger.warn(
        `Batch ${batch} of campaign ${campaignId} was taken over by another worker; its outcome is recorded there`,
      );
    }
  }

  /** A batch whose earlier attempt died between claiming and recording. */
  private async reconcile(
    campaign: StoredCampaign,
    recipients: ReadyRecipient[],
    startedAt: number,
  ): Promise<BatchResult> {
    const window = this.options.providerDuplicateWindowMs;
    const elapsed = Date.now() - startedAt;
    // The OTP host has no duplicate check: a re-send would reach every recipient twice.
    // (Durable campaigns on 'otp' are refused up front; this guards campaigns stored earlier.)
    const noDuplicateCheck = campaign.channel === 'otp';
    if (noDuplicateCheck || window <= 0 || elapsed + this.options.reconcileMarginMs >= window) {
      const error = new PostaGuverciniError(
        'BATCH_OUTCOME_UNKNOWN',
        noDuplicateCheck
          ? `A worker stopped while this batch was with the OTP host ${Math.round(elapsed / 1000)} s ago; it may have been sent, and the OTP host has no duplicate check, so it is not sent again`
          : `A worker stopped while this batch was with the provider ${Math.round(elapsed / 1000)} s ago, past the provider's duplicate window; it may have been sent and is not sent again`,
      );
      return {
        outcomes: failedOutcomes(recipients, 'outcome_unknown', error, true),
        requests: 0,
        credits: 0,
      };
    }
    const resent = await this.sender.send(campaign.settings, campaign.text, recipients);
    const ids = resent.outcomes.flatMap((o) =>
      o.status === 'sent' && o.messageId ? [o.messageId] : [],
    );
    let codes: Map<string, string> | undefined;
    if (ids.length > 0) {
      try {
        const reports = await new StatusBatcher(this.transport, campaign.channel, 1).all(ids);
        codes = new Map(reports.map((r) => [r.messageId, r.providerCode]));
      } catch (error) {
        this.logger.warn(
          `Reconciling a re-sent batch: the status query failed (${this.describe(error)}); its ids are reported with reason 'recovered'`,
        );
      }
    }
    // What the lost attempt cost. A re-sent copy the provider deleted as a duplicate (-202)
    // proves that the dead worker's request reached the provider and that the provider accepted
    // (and charged) the original of that recipient. The reply with the charge was lost, so the
    // charge is the provider's price of the text: one credit per SMS segment (what the re-send
    // charged a fresh copy), and only when the API reports charges at all (HTTP, JSON).
    const reportsCharges =
      resent.credits > 0 ||
      resent.outcomes.some((o) => o.status === 'sent' && o.charge !== undefined);
    let duplicates = 0;
    let lostCredits = 0;
    const itemTexts = new Map(recipients.map((r) => [r.index, r.text]));
    const outcomes = resent.outcomes.map((outcome): RecipientOutcome => {
      if (outcome.status !== 'sent') return outcome;
      const code = outcome.messageId ? codes?.get(outcome.messageId) : undefined;
      if (code === '-202') {
        duplicates++;
        if (!reportsCharges) {
          return { to: outcome.to, index: outcome.index, status: 'sent', reason: 'recovered' };
        }
        const charge = analyzeSmsText(campaign.text ?? itemTexts.get(outcome.index) ?? '').segments;
        lostCredits += charge;
        return {
          to: outcome.to,
          index: outcome.index,
          status: 'sent',
          reason: 'recovered',
          charge,
        };
      }
      return codes === undefined ? { ...outcome, reason: 'recovered' } : outcome;
    });
    // The lost requests: the one request that carried the batch, or — where the API needs one
    // request per message (the HTTP API's N-N emulation) — one per duplicate.
    const perAttempt = resent.firstAttemptRequests ?? 0;
    const lostRequests =
      duplicates === 0 ? 0 : perAttempt >= recipients.length ? duplicates : perAttempt;
    return {
      ...resent,
      outcomes,
      requests: resent.requests + lostRequests,
      credits: resent.credits + lostCredits,
    };
  }

  /** A driver's error message with the Redis credentials masked, for logs and messages. */
  private describe(error: unknown): string {
    return describeCause(error, this.secrets);
  }

  /** A driver's error as an error cause: sanitised, the Redis credentials masked. */
  private safe(error: unknown): unknown {
    return sanitizeCause(error, this.secrets);
  }

  private async campaign(campaignId: string): Promise<StoredCampaign | undefined> {
    const cached = this.campaigns.get(campaignId);
    if (cached) return cached;
    const loaded = await this.store.get(campaignId);
    if (loaded) {
      if (this.campaigns.size >= 100) this.campaigns.delete(this.campaigns.keys().next().value!);
      this.campaigns.set(campaignId, loaded);
    }
    return loaded;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          this.timers.delete(entry);
          resolve();
        }, ms),
        resolve,
      };
      this.timers.add(entry);
    });
  }
}

/** A delivery collection job: the campaign id. */
interface DeliveriesJob {
  readonly c: string;
}

/** What a keyed run needs: the lease, the input hash, and for a resume what to skip. */
export interface KeyedRun {
  readonly token: string;
  readonly epoch: string;
  readonly leaseMs: number;
  readonly hash: InputHash;
  readonly summary: Promise<InputSummary>;
  readonly stopLease: () => void;
  readonly resume?: { readonly batches: number };
}

function recipientsOf(data: BatchJob): ReadyRecipient[] {
  return data.r.map((entry) =>
    entry.length === 3
      ? { to: entry[0], index: entry[1], text: entry[2] }
      : { to: entry[0], index: entry[1] },
  );
}

function cancelledError(): PostaGuverciniError {
  return new PostaGuverciniError('CAMPAIGN_CANCELLED', 'Not sent: the campaign was cancelled');
}

function encodeBatch(outcomes: readonly RecipientOutcome[]): string {
  return JSON.stringify({ r: 0, c: 0, o: outcomes.map(encodeOutcome) });
}

function withoutSendAt(settings: CampaignSettings): CampaignSettings {
  const { sendAt: _held, ...rest } = settings;
  return rest;
}

function abortedAfterFailure(
  recipients: readonly ReadyRecipient[],
  code: string,
  message: string | undefined,
): RecipientOutcome[] {
  const error = new PostaGuverciniError(
    code,
    `Not sent: an earlier batch of this campaign failed with ${code}: ${message ?? ''}`,
  );
  return abortedOutcomes(recipients, error);
}

function withReport(error: BulkCampaignError, report: CampaignReport): BulkCampaignError {
  return new BulkCampaignError(
    error.code as ConstructorParameters<typeof BulkCampaignError>[0],
    error.message,
    report,
    { cause: error.cause },
  );
}

/** The password of a Redis connection (URL or options), to mask in messages and causes. */
function connectionSecrets(connection: ResolvedDurableOptions['connection']): string[] {
  const secrets: string[] = [];
  if (typeof connection === 'string') {
    try {
      const url = new URL(connection);
      if (url.password) secrets.push(url.password, safeDecode(url.password));
    } catch {
      // Not a URL: ioredis will refuse it; nothing to mask.
    }
  } else {
    if (typeof connection.password === 'string') secrets.push(connection.password);
  }
  return secrets.filter((secret) => secret.length > 0);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
