import type { Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { SmsChannel } from '../../transports/sms-transport.types.js';
import { InMemoryTransport } from '../../transports/in-memory.transport.js';
import { BatchSender } from '../batch-sender.js';
import type { RecipientOutcome } from '../campaign-report.js';
import type { ResolvedDurableOptions } from '../resolve-bulk-options.js';
import { DurableCampaignStore } from './durable-campaign-store.js';
import { DurableCampaigns } from './durable-campaigns.js';

/**
 * Crash recovery against the real local Redis: a batch left `inflight` by a worker that died
 * (claimed, never recorded) is picked up again by a live worker.
 */
const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';

const silent = { log() {}, warn() {}, error() {}, debug() {}, verbose() {} } as unknown as Logger;

describe('DurableCampaigns crash recovery', () => {
  const prefix = `pg-durable-spec-${process.pid}-${Date.now().toString(36)}`;
  let redis: Redis;
  let queue: Queue;
  let campaigns: DurableCampaigns | undefined;

  beforeAll(() => {
    redis = new Redis(REDIS_URL);
    queue = new Queue('bulk-sms', {
      connection: { url: REDIS_URL, maxRetriesPerRequest: null },
      prefix,
    });
  });

  afterEach(async () => {
    await campaigns?.close();
    campaigns = undefined;
  });

  afterAll(async () => {
    await queue.close();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
    await redis.quit();
  });

  /** Leaves batch 0 of a new campaign `inflight` as a dead worker would, then lets a live worker at it. */
  async function recoverInflightBatch(
    channel: SmsChannel,
  ): Promise<{ transport: InMemoryTransport; outcomes: RecipientOutcome[] }> {
    const options: ResolvedDurableOptions = {
      connection: REDIS_URL,
      prefix,
      queueName: 'bulk-sms',
      worker: true,
      lockDurationMs: 15_000,
      stalledIntervalMs: 5_000,
      pollIntervalMs: 20,
      providerDuplicateWindowMs: 60_000,
      retentionSeconds: 600,
      reconcileMarginMs: 1_000,
    };
    const transport = new InMemoryTransport();
    const sender = new BatchSender(transport, { maxRetries: 0, initialDelayMs: 1, maxDelayMs: 1 });
    const store = new DurableCampaignStore(redis, prefix, options.retentionSeconds);
    const campaignId = `campaign-${channel}`;
    await store.create(campaignId, { kind: 'informational', channel }, 'Hesabınıza giriş yapıldı');
    expect(await store.claim(campaignId, 0, 'dead-worker')).toEqual({ state: 'new' });
    await queue.add(
      'batch',
      {
        c: campaignId,
        b: 0,
        r: [
          ['905321234567', 0],
          ['905321234568', 1],
        ],
      },
      { jobId: `${campaignId}_0` },
    );
    campaigns = await DurableCampaigns.create(options, transport, sender, silent, 1);
    for (;;) {
      const chunk = await store.completedSince(campaignId, 0);
      if (chunk.count > 0) return { transport, outcomes: chunk.outcomes };
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  it("never re-sends an in-flight batch on channel 'otp' (no duplicate check there): outcome unknown", async () => {
    const { transport, outcomes } = await recoverInflightBatch('otp');
    expect(transport.outbox).toHaveLength(0);
    expect(outcomes).toEqual([
      expect.objectContaining({
        to: '905321234567',
        status: 'failed',
        reason: 'outcome_unknown',
        maybeSent: true,
      }),
      expect.objectContaining({
        to: '905321234568',
        status: 'failed',
        reason: 'outcome_unknown',
        maybeSent: true,
      }),
    ]);
  }, 30_000);

  it('masks credentials of Redis URLs in the log lines of Redis, BullMQ queue and worker errors', async () => {
    const lines: string[] = [];
    const capture = (line: unknown) => void lines.push(String(line));
    const logger = { log: capture, warn: capture, error: capture } as unknown as Logger;
    const options: ResolvedDurableOptions = {
      connection: REDIS_URL,
      prefix,
      queueName: 'bulk-sms-logs',
      worker: true,
      lockDurationMs: 15_000,
      stalledIntervalMs: 5_000,
      pollIntervalMs: 20,
      providerDuplicateWindowMs: 60_000,
      retentionSeconds: 600,
      reconcileMarginMs: 1_000,
    };
    const transport = new InMemoryTransport();
    const sender = new BatchSender(transport, { maxRetries: 0, initialDelayMs: 1, maxDelayMs: 1 });
    campaigns = await DurableCampaigns.create(options, transport, sender, logger, 1);
    // The emitters are internal; their 'error'/'failed' events are what the drivers raise.
    const inner = campaigns as unknown as Record<'redis' | 'queue' | 'worker', NodeJS.EventEmitter>;
    const leak = () => new Error('connect to redis://app:s3cret-pw@10.0.0.5:6379 failed');
    inner.redis.emit('error', leak());
    inner.queue.emit('error', leak());
    inner.worker.emit('error', leak());
    inner.worker.emit('failed', { data: { b: 0, c: 'c1' }, attemptsMade: 1 }, leak());
    expect(lines).toHaveLength(4);
    for (const line of lines) {
      expect(line).toContain('redis://***@10.0.0.5:6379');
      expect(line).not.toContain('s3cret-pw');
    }
  }, 30_000);

  it("re-sends an in-flight batch on channel 'bulk' inside the duplicate window", async () => {
    const { transport, outcomes } = await recoverInflightBatch('bulk');
    expect(transport.outbox.map((m) => m.to)).toEqual(['905321234567', '905321234568']);
    expect(outcomes.map((o) => o.status)).toEqual(['sent', 'sent']);
  }, 30_000);
});
