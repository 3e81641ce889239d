import type { Redis } from 'ioredis';
import type { RecipientOutcome } from '../recipient-outcome.js';
import {
  CLAIM_KEY,
  RENEW_LEASE,
  RESERVE_BATCH,
  COMMIT_BATCH,
  SETTLE_PENDING,
  MARK_READ,
  GATE,
  CANCEL,
  RESCHEDULE,
  RECORD_CANCELLED,
} from './control-scripts.js';
import { type CampaignKeyPart, type KeyClaim, keyClaimOf } from './key-claim.js';

export { campaignIdOfKey, type KeyClaim } from './key-claim.js';

/**
 * Redis side of campaign keys, the starter's lease, held (scheduled) campaigns and durable
 * cancel — every decision one Lua script (one round trip, atomic). All keys of a campaign
 * share the hash tag `{campaignId}`; a keyed campaign's id is derived from its key, so its key
 * record shares the tag too.
 *
 * Key record `…:{id}:key` (expires after `campaignKeyTtlSeconds`): `fp` options fingerprint,
 * `epoch` (job id prefix of this use of the key), `token`/`leaseUntil` the starter's lease,
 * `ckPos`/`ckHash` the input read when the last batch was queued, and once the input is read:
 * `read`, `count`, `digest`, `complete`.
 */

/** The Redis operations of keys, leases, holds and cancels. */
export class CampaignControlStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly retentionSeconds: number,
  ) {}

  key(campaignId: string, part: CampaignKeyPart): string {
    return `${this.prefix}:bulk-campaign:{${campaignId}}:${part}`;
  }

  async claimKey(
    campaignId: string,
    fingerprint: string,
    token: string,
    leaseMs: number,
    ttlSeconds: number,
    epoch: string,
  ): Promise<KeyClaim> {
    const r = (await this.redis.eval(
      CLAIM_KEY,
      10,
      this.key(campaignId, 'key'),
      this.key(campaignId, 'meta'),
      this.key(campaignId, 'state'),
      this.key(campaignId, 'results'),
      this.key(campaignId, 'done'),
      this.key(campaignId, 'settled'),
      this.key(campaignId, 'dlr'),
      this.key(campaignId, 'dlr-final'),
      this.key(campaignId, 'dlr-undelivered'),
      this.key(campaignId, 'dlr-pending'),
      fingerprint,
      token,
      String(leaseMs),
      String(ttlSeconds),
      epoch,
    )) as string[];
    return keyClaimOf(r);
  }

  async renewLease(campaignId: string, token: string, leaseMs: number): Promise<boolean> {
    return (
      (await this.redis.eval(
        RENEW_LEASE,
        1,
        this.key(campaignId, 'key'),
        token,
        String(leaseMs),
      )) === 1
    );
  }

  async reserveBatch(campaignId: string, token: string, leaseMs: number): Promise<number> {
    return (await this.redis.eval(
      RESERVE_BATCH,
      2,
      this.key(campaignId, 'key'),
      this.key(campaignId, 'meta'),
      token,
      String(leaseMs),
    )) as number;
  }

  async commitBatch(
    campaignId: string,
    token: string,
    batch: number,
    ckPos: number,
    ckHash: string,
  ): Promise<boolean> {
    return (
      (await this.redis.eval(
        COMMIT_BATCH,
        2,
        this.key(campaignId, 'key'),
        this.key(campaignId, 'meta'),
        token,
        String(batch),
        String(ckPos),
        ckHash,
      )) === 1
    );
  }

  async settlePending(campaignId: string, batch: number): Promise<'adopted' | 'voided'> {
    return (await this.redis.eval(
      SETTLE_PENDING,
      4,
      this.key(campaignId, 'meta'),
      this.key(campaignId, 'state'),
      this.key(campaignId, 'results'),
      this.key(campaignId, 'done'),
      String(batch),
      String(this.retentionSeconds),
    )) as 'adopted' | 'voided';
  }

  async markRead(
    campaignId: string,
    token: string,
    summary: { count: number; digest: string; complete: boolean },
  ): Promise<void> {
    await this.redis.eval(
      MARK_READ,
      1,
      this.key(campaignId, 'key'),
      token,
      String(summary.count),
      summary.digest,
      summary.complete ? '1' : '0',
    );
  }

  async gate(
    campaignId: string,
  ): Promise<
    { state: 'go' | 'go-held' | 'cancelled' | 'gone' } | { state: 'early'; holdUntil: number }
  > {
    const r = (await this.redis.eval(GATE, 1, this.key(campaignId, 'meta'), '1000')) as string[];
    if (r[0] === 'early') return { state: 'early', holdUntil: Number(r[1]) };
    return { state: r[0] as 'go' | 'go-held' | 'cancelled' | 'gone' };
  }

  async cancel(campaignId: string): Promise<'ok' | 'started' | 'finished' | 'gone'> {
    return (await this.redis.eval(CANCEL, 1, this.key(campaignId, 'meta'))) as
      'ok' | 'started' | 'finished' | 'gone';
  }

  async reschedule(
    campaignId: string,
    sendAt: Date,
  ): Promise<'ok' | 'started' | 'not_held' | 'cancelled' | 'gone'> {
    return (await this.redis.eval(
      RESCHEDULE,
      1,
      this.key(campaignId, 'meta'),
      String(sendAt.getTime()),
    )) as 'ok' | 'started' | 'not_held' | 'cancelled' | 'gone';
  }

  /** `payload` is the stored form of the outcomes (see `DurableCampaignStore.record`). */
  async recordCancelled(
    campaignId: string,
    batch: number,
    outcomes: readonly RecipientOutcome[],
    encode: (outcomes: readonly RecipientOutcome[]) => string,
  ): Promise<boolean> {
    return (
      (await this.redis.eval(
        RECORD_CANCELLED,
        4,
        this.key(campaignId, 'state'),
        this.key(campaignId, 'results'),
        this.key(campaignId, 'done'),
        this.key(campaignId, 'meta'),
        String(batch),
        encode(outcomes),
        String(outcomes.length),
        String(this.retentionSeconds),
      )) === 1
    );
  }

  /** Meta fields this layer adds (`holdUntil`, `cancelRequested`, `started`, `pending`, `jobPrefix`). */
  async controlFields(campaignId: string): Promise<{
    holdUntil?: number;
    cancelRequested: boolean;
    started: boolean;
    pending?: number;
    jobPrefix: string;
    batches: number;
    enqueued: boolean;
    sendAt?: number;
  }> {
    const [holdUntil, cancelRequested, started, pending, jobPrefix, batches, enqueued, sendAt] =
      await this.redis.hmget(
        this.key(campaignId, 'meta'),
        'holdUntil',
        'cancelRequested',
        'started',
        'pending',
        'jobPrefix',
        'batches',
        'enqueued',
        'sendAt',
      );
    return {
      ...(holdUntil ? { holdUntil: Number(holdUntil) } : {}),
      cancelRequested: cancelRequested === '1',
      started: started === '1',
      ...(pending !== null && pending !== undefined ? { pending: Number(pending) } : {}),
      jobPrefix: jobPrefix ?? campaignId,
      batches: Number(batches ?? 0),
      enqueued: enqueued === '1',
      ...(sendAt ? { sendAt: Number(sendAt) } : {}),
    };
  }

  async setFields(campaignId: string, fields: Record<string, string>): Promise<void> {
    await this.redis.hset(this.key(campaignId, 'meta'), fields);
  }

  /** Outcomes decided without sending, as stored by the first starter: removed before a resume. */
  async resetSettled(
    campaignId: string,
    decode: (chunk: string) => readonly RecipientOutcome[],
  ): Promise<void> {
    const key = this.key(campaignId, 'settled');
    let skipped = 0;
    let failed = 0;
    for (let at = 0; ; at += 100) {
      const chunks = await this.redis.lrange(key, at, at + 99);
      for (const chunk of chunks)
        for (const outcome of decode(chunk)) {
          if (outcome.status === 'skipped') skipped++;
          else failed++;
        }
      if (chunks.length < 100) break;
    }
    await this.redis
      .multi()
      .del(key)
      .hincrby(this.key(campaignId, 'meta'), 'skipped', -skipped)
      .hincrby(this.key(campaignId, 'meta'), 'failed', -failed)
      .exec();
  }

  /** Input positions of the recipients in batch `batch`'s stored results, if recorded. */
  async resultPositions(campaignId: string, batch: number): Promise<number[] | undefined> {
    const payload = await this.redis.hget(this.key(campaignId, 'results'), String(batch));
    if (payload === null) return undefined;
    const parsed = JSON.parse(payload) as { o: Array<[string, number]> };
    return parsed.o.map((o) => o[1]);
  }
}
