import type { Logger } from '@nestjs/common';
import type { ConnectionOptions, Queue } from 'bullmq';
import type { Redis, RedisOptions } from 'ioredis';
import { BulkCampaignError, describeCause } from '../../errors/bulk.errors.js';
import { PostaGuverciniError } from '../../errors/posta-guvercini.error.js';
import { sanitizeCause } from '../../errors/redact.js';
import type { SmsTransport } from '../../transports/sms-transport.js';
import type { BatchSender } from '../batch-sender.js';
import type { CampaignReport } from '../campaign-report.js';
import type { ReadyRecipient, RecipientOutcome } from '../recipient-outcome.js';
import type { ResolvedDurableOptions } from '../resolve-bulk-options.js';
import { CampaignControlStore } from './campaign-keys.js';
import {
  DurableCampaignStore,
  encodeOutcome,
  type StoredCampaign,
} from './durable-campaign-store.js';
import { loadDurableDependencies } from './load-durable-dependencies.js';

/** A batch job: campaign id, batch number, recipients as `[to, index]` or `[to, index, text]`. */
export interface BatchJob {
  readonly c: string;
  readonly b: number;
  readonly r: ReadonlyArray<readonly [string, number] | readonly [string, number, string]>;
}

/** A delivery collection job: the campaign id. */
export interface DeliveriesJob {
  readonly c: string;
}

/**
 * What the durable producer, worker, follower and delivery collector share: the Redis client
 * and the BullMQ queue (created here, closed by `close()`), the two stores, the transport and
 * batch sender, the logger with the connection's secrets masked, and the shutdown switch.
 */
export class DurableContext {
  closed = false;
  /** BullMQ's `DelayedError` (set when this process runs a worker). */
  DelayedError: (new (message?: string) => Error) | undefined;
  readonly control: CampaignControlStore;
  readonly store: DurableCampaignStore;
  private readonly timers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  private readonly campaigns = new Map<string, StoredCampaign>();

  private constructor(
    readonly options: ResolvedDurableOptions,
    readonly redis: Redis,
    readonly queue: Queue,
    /** The connection BullMQ workers of this process open. */
    readonly bullConnection: ConnectionOptions,
    readonly transport: SmsTransport,
    readonly sender: BatchSender,
    readonly logger: Logger,
    /** The Redis password of the connection, masked wherever a driver's text is shown. */
    private readonly secrets: readonly string[],
  ) {
    this.control = new CampaignControlStore(redis, options.prefix, options.retentionSeconds);
    this.store = new DurableCampaignStore(redis, options.prefix, options.retentionSeconds);
  }

  /** Opens the Redis connection and the queue (the optional peers are loaded here). */
  static async connect(
    options: ResolvedDurableOptions,
    transport: SmsTransport,
    sender: BatchSender,
    logger: Logger,
  ): Promise<DurableContext> {
    const { Queue, Redis } = await loadDurableDependencies();
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
    return new DurableContext(
      options,
      redis,
      queue,
      bullConnection,
      transport,
      sender,
      logger,
      secrets,
    );
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

  /** A driver's error message with the Redis credentials masked, for logs and messages. */
  describe(error: unknown): string {
    return describeCause(error, this.secrets);
  }

  /** A driver's error as an error cause: sanitised, the Redis credentials masked. */
  safe(error: unknown): unknown {
    return sanitizeCause(error, this.secrets);
  }

  async campaign(campaignId: string): Promise<StoredCampaign | undefined> {
    const cached = this.campaigns.get(campaignId);
    if (cached) return cached;
    const loaded = await this.store.get(campaignId);
    if (loaded) {
      if (this.campaigns.size >= 100) this.campaigns.delete(this.campaigns.keys().next().value!);
      this.campaigns.set(campaignId, loaded);
    }
    return loaded;
  }

  sleep(ms: number): Promise<void> {
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

  /** Drops a cached campaign meta (its settings changed, e.g. rescheduled). */
  forget(campaignId: string): void {
    this.campaigns.delete(campaignId);
  }

  /** Stops following and wakes every sleeper (before the worker is closed). */
  stop(): void {
    this.closed = true;
    for (const entry of this.timers) {
      clearTimeout(entry.timer);
      entry.resolve();
    }
    this.timers.clear();
  }

  /** Closes the queue and the Redis connection (after `stop()` and the worker). */
  async close(): Promise<void> {
    this.stop();
    await this.queue.close();
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

export function recipientsOf(data: BatchJob): ReadyRecipient[] {
  return data.r.map((entry) =>
    entry.length === 3
      ? { to: entry[0], index: entry[1], text: entry[2] }
      : { to: entry[0], index: entry[1] },
  );
}

export function cancelledError(): PostaGuverciniError {
  return new PostaGuverciniError('CAMPAIGN_CANCELLED', 'Not sent: the campaign was cancelled');
}

export function encodeBatch(outcomes: readonly RecipientOutcome[]): string {
  return JSON.stringify({ r: 0, c: 0, o: outcomes.map(encodeOutcome) });
}

export function withReport(error: BulkCampaignError, report: CampaignReport): BulkCampaignError {
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
