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
import { PostaGuverciniError } from '../../errors/posta-guvercini.error.js';
import { sanitizeCause } from '../../errors/redact.js';
import { SmsValidationError } from '../../errors/validation.error.js';
import { analyzeSmsText } from '../../message/sms-text.js';
import type { SmsTransport } from '../../transports/sms-transport.js';
import type { BatchResult, BatchSender } from '../batch-sender.js';
import { Campaign } from '../campaign.js';
import { abortedOutcomes, type CampaignReport, type RecipientOutcome } from '../campaign-report.js';
import type { CampaignSettings } from '../campaign-rules.js';
import type { RunControl } from '../run-control.js';
import { CampaignTracker } from '../campaign-tracker.js';
import type { PipelineEvent, ReadyRecipient } from '../recipient-pipeline.js';
import type { ResolvedDurableOptions } from '../resolve-bulk-options.js';
import { DurableCampaignStore, type StoredCampaign } from './durable-campaign-store.js';
import { loadDurableDependencies } from './load-durable-dependencies.js';

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
  ) {}

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
      const worker = new Worker(options.queueName, (job: Job<BatchJob>) => campaigns.process(job), {
        connection: bullConnection,
        prefix: options.prefix,
        concurrency,
        lockDuration: options.lockDurationMs,
        stalledInterval: options.stalledIntervalMs,
        maxStalledCount: 100,
      });
      worker.on('error', (error: Error) => logger.warn(`BullMQ worker: ${describe(error)}`));
      worker.on('failed', (job: Job<BatchJob> | undefined, error: Error) => {
        if (job)
          logger.error(
            `Batch ${job.data.b} of campaign ${job.data.c} failed (attempt ${job.attemptsMade}): ${describe(error)}`,
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
  }): Promise<CampaignReport> {
    const { campaignId, settings, text, pipeline, tracker, control } = params;
    try {
      await this.store.create(campaignId, settings, text);
    } catch (error) {
      await pipeline.return();
      throw new BulkCampaignError(
        'CAMPAIGN_QUEUE_FAILED',
        `Campaign ${campaignId} could not be created in Redis; nothing was read or sent: ${this.describe(error)}`,
        tracker.finish(),
        { cause: this.safe(error) },
      );
    }
    let batches = 0;
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
          const data: BatchJob = {
            c: campaignId,
            b: batches,
            r: event.recipients.map((r) =>
              r.text === undefined ? [r.to, r.index] : [r.to, r.index, r.text],
            ),
          };
          await this.queue.add('batch', data, { jobId: `${campaignId}_${batches}` });
          batches++;
          await this.store.batchQueued(campaignId);
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
    } catch (error) {
      queueError = error;
    }
    enqueued = true;
    if (queueError !== undefined) {
      state.error ??= new BulkCampaignError(
        'CAMPAIGN_QUEUE_FAILED',
        `Queueing campaign ${campaignId} in Redis failed after ${countOf(batches, 'batch', 'batches')} (those are still sent by the workers): ${this.describe(queueError)}`,
        tracker.report(),
        { cause: this.safe(queueError) },
      );
    }
    await following;
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
  ): Promise<Campaign> {
    let meta: StoredCampaign | undefined;
    try {
      meta = await this.store.get(campaignId);
    } catch (error) {
      throw new PostaGuverciniError(
        'CAMPAIGN_STORE_UNAVAILABLE',
        `Campaign ${campaignId} could not be read from Redis: ${this.describe(error)}`,
        { cause: this.safe(error) },
      );
    }
    if (!meta) {
      throw new SmsValidationError(
        'CAMPAIGN_NOT_FOUND',
        `No durable campaign ${campaignId} in Redis (wrong id, another prefix, or expired)`,
        'campaignId',
      );
    }
    const tracker = new CampaignTracker({
      campaignId,
      kind: meta.kind,
      channel: meta.channel,
      reportLimit: options.reportLimit,
      ...(meta.total !== undefined ? { total: meta.total } : {}),
      ...(options.onRecipient ? { onRecipient: options.onRecipient } : {}),
    });
    if (meta.cancelled) tracker.markCancelled();
    const state: FollowState = {
      batches: async () => {
        const current = await this.store.get(campaignId);
        if (current?.total !== undefined) tracker.setTotal(current.total);
        return { batches: current?.batches ?? 0, enqueued: current?.enqueued ?? true };
      },
    };
    const done = (async () => {
      for await (const outcomes of this.store.settled(campaignId))
        await this.recordOrStop(tracker, state, outcomes);
      await this.follow(campaignId, tracker, state);
      if (state.error) throw withReport(state.error, tracker.finish());
      return tracker.finish();
    })().catch((error: unknown) => {
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
    );
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
  private async process(job: Job<BatchJob>): Promise<void> {
    const { c: campaignId, b: batch } = job.data;
    const campaign = await this.campaign(campaignId);
    if (!campaign) {
      this.logger.error(
        `Batch ${batch} of campaign ${campaignId}: the campaign is no longer in Redis (expired?); not sent`,
      );
      return;
    }
    const recipients: ReadyRecipient[] = job.data.r.map((entry) =>
      entry.length === 3
        ? { to: entry[0], index: entry[1], text: entry[2] }
        : { to: entry[0], index: entry[1] },
    );
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
        outcomes: recipients.map((r) => ({
          to: r.to,
          index: r.index,
          status: 'failed',
          reason: 'outcome_unknown',
          error,
          maybeSent: true,
        })),
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
        const reports = await this.transport.status({ channel: campaign.channel, messageIds: ids });
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
