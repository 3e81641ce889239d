import type { Redis } from 'ioredis';
import type { PostaGuverciniError } from '../../errors/posta-guvercini.error.js';
import type { SmsChannel } from '../../transports/sms-transport.types.js';
import type { CampaignKind } from '../campaign-options.js';
import type { RecipientOutcome } from '../recipient-outcome.js';
import { decodeOutcome, encodeOutcome, type StoredOutcome } from './stored-outcome.js';

export { decodeOutcome, encodeOutcome, type StoredOutcome } from './stored-outcome.js';
import type { CampaignSettings } from '../campaign-rules.js';

/**
 * Claims a batch for sending. A batch's state is absent (never started), `inflight|token|t0`
 * (a worker marked it before sending, at t0) or `done` (its outcomes are recorded).
 * Returns `{'new'}`, `{'done'}`, or `{'inflight', t0}` when an earlier attempt died between
 * marking and recording — the caller then owns the batch (the token is replaced) and must
 * reconcile instead of sending blindly.
 */
const CLAIM_SCRIPT = `
local v = redis.call('HGET', KEYS[1], ARGV[1])
if not v then
  redis.call('HSET', KEYS[1], ARGV[1], 'inflight|' .. ARGV[2] .. '|' .. ARGV[3])
  redis.call('EXPIRE', KEYS[1], ARGV[4])
  return {'new'}
end
if v == 'done' then return {'done'} end
local started = string.match(v, '^inflight|[^|]*|(%d+)$') or ARGV[3]
redis.call('HSET', KEYS[1], ARGV[1], 'inflight|' .. ARGV[2] .. '|' .. started)
return {'inflight', started}
`;

/**
 * Records a batch's outcomes in one atomic step, only if the caller still owns the batch:
 * state → done, outcomes stored, batch appended to the completion list, counters increased.
 * Returns 1 when recorded, 0 when it was already done, -1 when another worker took it over.
 */
const RECORD_SCRIPT = `
local v = redis.call('HGET', KEYS[1], ARGV[1])
if v == 'done' then return 0 end
if not v or string.match(v, '^inflight|([^|]*)|') ~= ARGV[2] then return -1 end
redis.call('HSET', KEYS[1], ARGV[1], 'done')
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
redis.call('RPUSH', KEYS[3], ARGV[1])
redis.call('HINCRBY', KEYS[4], 'sent', ARGV[4])
redis.call('HINCRBY', KEYS[4], 'failed', ARGV[5])
redis.call('HINCRBY', KEYS[4], 'requests', ARGV[6])
redis.call('HINCRBY', KEYS[4], 'credits', ARGV[7])
redis.call('HINCRBY', KEYS[4], 'batchesDone', 1)
for i = 1, 4 do redis.call('EXPIRE', KEYS[i], ARGV[8]) end
return 1
`;

/** A campaign's meta data as stored in Redis. */
export interface StoredCampaign {
  readonly kind: CampaignKind;
  readonly channel: SmsChannel;
  readonly settings: CampaignSettings;
  /** The 1-N text; absent for N-N (texts travel with each batch). */
  readonly text?: string;
  /** Batches queued so far. */
  readonly batches: number;
  /** Whether every batch has been queued (the input is exhausted). */
  readonly enqueued: boolean;
  readonly total?: number;
  readonly batchesDone: number;
  readonly sent: number;
  readonly failed: number;
  readonly skipped: number;
  readonly cancelled: boolean;
  /** Code of a fatal provider error that stops the campaign's remaining batches. */
  readonly abortedCode?: string;
  readonly abortedMessage?: string;
  readonly createdAt: Date;
  /** The span active when the campaign was started (lib/telemetry/trace-carrier.ts). */
  readonly traceParent?: string;
}

export type ClaimResult =
  { readonly state: 'new' | 'done' } | { readonly state: 'inflight'; readonly startedAt: number };

/**
 * The durable campaign state in Redis (beside BullMQ's own keys, under the same prefix).
 * Every key of a campaign shares the hash tag `{campaignId}`, so the scripts work on Redis
 * Cluster too. Keys expire `retentionSeconds` after their last change.
 */
export class DurableCampaignStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly retentionSeconds: number,
  ) {}

  key(campaignId: string, part: 'meta' | 'state' | 'results' | 'done' | 'settled'): string {
    return `${this.prefix}:bulk-campaign:{${campaignId}}:${part}`;
  }

  async create(
    campaignId: string,
    settings: CampaignSettings,
    text: string | undefined,
    traceParent?: string,
  ): Promise<void> {
    const meta = this.key(campaignId, 'meta');
    await this.redis
      .multi()
      .hset(meta, {
        kind: settings.kind,
        channel: settings.channel,
        ...(settings.sendAt ? { sendAt: String(settings.sendAt.getTime()) } : {}),
        ...(settings.validUntil ? { validUntil: String(settings.validUntil.getTime()) } : {}),
        ...(settings.sender !== undefined ? { sender: settings.sender } : {}),
        ...(text !== undefined ? { text } : {}),
        ...(traceParent !== undefined ? { traceParent } : {}),
        batches: '0',
        enqueued: '0',
        batchesDone: '0',
        sent: '0',
        failed: '0',
        skipped: '0',
        requests: '0',
        credits: '0',
        createdAt: String(Date.now()),
      })
      .expire(meta, this.retentionSeconds)
      .exec();
  }

  async get(campaignId: string): Promise<StoredCampaign | undefined> {
    const raw = await this.redis.hgetall(this.key(campaignId, 'meta'));
    if (raw['kind'] === undefined) return undefined;
    const settings: CampaignSettings = {
      kind: raw['kind'] as CampaignKind,
      channel: raw['channel'] as SmsChannel,
      ...(raw['sendAt'] ? { sendAt: new Date(Number(raw['sendAt'])) } : {}),
      ...(raw['validUntil'] ? { validUntil: new Date(Number(raw['validUntil'])) } : {}),
      ...(raw['sender'] !== undefined ? { sender: raw['sender'] } : {}),
    };
    return {
      kind: settings.kind,
      channel: settings.channel,
      settings,
      ...(raw['text'] !== undefined ? { text: raw['text'] } : {}),
      batches: Number(raw['batches']),
      enqueued: raw['enqueued'] === '1',
      ...(raw['total'] !== undefined ? { total: Number(raw['total']) } : {}),
      batchesDone: Number(raw['batchesDone']),
      sent: Number(raw['sent']),
      failed: Number(raw['failed']),
      skipped: Number(raw['skipped']),
      cancelled: raw['cancelled'] === '1',
      ...(raw['abortedCode'] !== undefined
        ? { abortedCode: raw['abortedCode'], abortedMessage: raw['abortedMessage'] ?? '' }
        : {}),
      createdAt: new Date(Number(raw['createdAt'])),
      ...(raw['traceParent'] !== undefined ? { traceParent: raw['traceParent'] } : {}),
    };
  }

  /** Counts a queued batch. */
  async batchQueued(campaignId: string): Promise<void> {
    await this.redis.hincrby(this.key(campaignId, 'meta'), 'batches', 1);
  }

  /** Keeps outcomes decided without sending (skipped, filter failures) for `attach()`. */
  async addSettled(campaignId: string, outcomes: readonly RecipientOutcome[]): Promise<void> {
    const skipped = outcomes.filter((o) => o.status === 'skipped').length;
    const settled = this.key(campaignId, 'settled');
    const meta = this.key(campaignId, 'meta');
    await this.redis
      .multi()
      .rpush(settled, JSON.stringify(outcomes.map(encodeOutcome)))
      .hincrby(meta, 'skipped', skipped)
      .hincrby(meta, 'failed', outcomes.length - skipped)
      .expire(settled, this.retentionSeconds)
      .exec();
  }

  async markEnqueued(campaignId: string, total: number, cancelled: boolean): Promise<void> {
    await this.redis.hset(this.key(campaignId, 'meta'), {
      enqueued: '1',
      total: String(total),
      cancelled: cancelled ? '1' : '0',
    });
  }

  async markAborted(campaignId: string, error: PostaGuverciniError): Promise<void> {
    await this.redis.hsetnx(this.key(campaignId, 'meta'), 'abortedCode', error.code);
    await this.redis.hsetnx(this.key(campaignId, 'meta'), 'abortedMessage', error.message);
  }

  async claim(campaignId: string, batch: number, token: string): Promise<ClaimResult> {
    const result = (await this.redis.eval(
      CLAIM_SCRIPT,
      1,
      this.key(campaignId, 'state'),
      String(batch),
      token,
      String(Date.now()),
      String(this.retentionSeconds),
    )) as string[];
    if (result[0] === 'inflight') return { state: 'inflight', startedAt: Number(result[1]) };
    return { state: result[0] === 'done' ? 'done' : 'new' };
  }

  /** Records a batch's outcomes atomically if `token` still owns it (see `RECORD_SCRIPT`). */
  async record(
    campaignId: string,
    batch: number,
    token: string,
    outcomes: readonly RecipientOutcome[],
    requests: number,
    credits: number,
  ): Promise<1 | 0 | -1> {
    const sent = outcomes.filter((o) => o.status === 'sent').length;
    const payload = JSON.stringify({ r: requests, c: credits, o: outcomes.map(encodeOutcome) });
    return (await this.redis.eval(
      RECORD_SCRIPT,
      4,
      this.key(campaignId, 'state'),
      this.key(campaignId, 'results'),
      this.key(campaignId, 'done'),
      this.key(campaignId, 'meta'),
      String(batch),
      token,
      payload,
      String(sent),
      String(outcomes.length - sent),
      String(requests),
      String(credits),
      String(this.retentionSeconds),
    )) as 1 | 0 | -1;
  }

  /** Batches completed after position `cursor` of the completion list, with their outcomes. */
  async completedSince(
    campaignId: string,
    cursor: number,
  ): Promise<{ outcomes: RecipientOutcome[]; requests: number; credits: number; count: number }> {
    const indexes = await this.redis.lrange(this.key(campaignId, 'done'), cursor, cursor + 99);
    if (indexes.length === 0) return { outcomes: [], requests: 0, credits: 0, count: 0 };
    const payloads = await this.redis.hmget(this.key(campaignId, 'results'), ...indexes);
    const outcomes: RecipientOutcome[] = [];
    let requests = 0;
    let credits = 0;
    for (const payload of payloads) {
      if (payload === null) continue;
      const parsed = JSON.parse(payload) as { r: number; c: number; o: StoredOutcome[] };
      requests += parsed.r;
      credits += parsed.c;
      for (const stored of parsed.o) outcomes.push(decodeOutcome(stored));
    }
    return { outcomes, requests, credits, count: indexes.length };
  }

  /** Outcomes decided without sending, in chunks (for `attach()`). */
  async *settled(campaignId: string): AsyncGenerator<RecipientOutcome[]> {
    const key = this.key(campaignId, 'settled');
    for (let at = 0; ; at += 50) {
      const chunks = await this.redis.lrange(key, at, at + 49);
      for (const chunk of chunks) yield (JSON.parse(chunk) as StoredOutcome[]).map(decodeOutcome);
      if (chunks.length < 50) return;
    }
  }
}
