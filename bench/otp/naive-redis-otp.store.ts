// The baseline: a Redis OTP store written the usual way — read the challenge (GET), compare in
// the application, then count the miss (INCR) or consume the hit (DEL), each a separate
// command; send limits as INCR + EXPIRE fixed windows. It plugs into the same OtpService as
// RedisOtpStore, so the two differ only in how they talk to Redis. Correct one request at a
// time; racy under concurrency (check-then-act).
import type { Redis } from 'ioredis';
import { otpHashesEqual } from '../../lib/otp/otp-code.js';
import {
  type OtpAttemptCandidate,
  type OtpAttemptOutcome,
  type OtpChallengeRecord,
  type OtpRateLimitHit,
  type OtpRateLimitOutcome,
  type OtpReplaceOutcome,
  OtpStore,
} from '../../lib/otp/stores/otp.store.js';

export class NaiveRedisOtpStore extends OtpStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {
    super();
  }

  private key(id: string): string {
    return `${this.prefix}c:${id}`;
  }

  async create(
    record: OtpChallengeRecord,
    limits: readonly OtpRateLimitHit[],
    now: number,
  ): Promise<OtpRateLimitOutcome> {
    const refused = await this.hit(limits, record.challengeId, now);
    if (!refused.allowed) return refused;
    await this.redis.hset(this.key(record.challengeId), {
      h: record.codeHash,
      p: record.phone,
      u: record.purpose,
      e: record.expiresAt,
      k: record.retainUntil,
      a: 0,
      m: record.maxAttempts,
      ...(record.subject === undefined ? {} : { s: record.subject }),
    });
    await this.redis.pexpire(this.key(record.challengeId), record.retainUntil - now);
    return { allowed: true };
  }

  async attempt(
    challengeId: string,
    candidate: OtpAttemptCandidate,
    now: number,
  ): Promise<OtpAttemptOutcome> {
    const key = this.key(challengeId);
    const [hash, phone, purpose, subject, expiresAt, retainUntil, attempts, max] =
      await this.redis.hmget(key, 'h', 'p', 'u', 's', 'e', 'k', 'a', 'm'); // GET
    if (hash === null || hash === undefined || now >= Number(retainUntil))
      return { status: 'not_found' };
    const challenge = {
      phone: phone!,
      purpose: purpose!,
      ...(subject === null || subject === undefined ? {} : { subject }),
    };
    if (Number(attempts) >= Number(max))
      return { status: 'locked', retryAfterMs: Number(retainUntil) - now, challenge };
    if (now >= Number(expiresAt)) return { status: 'expired', challenge };
    const match =
      otpHashesEqual(hash, candidate.codeHash) &&
      (candidate.purpose === undefined || candidate.purpose === purpose); // compare
    if (match) {
      await this.redis.del(key); // DEL
      return { status: 'valid', challenge };
    }
    const counted = await this.redis.hincrby(key, 'a', 1); // INCR
    return { status: 'invalid', attemptsLeft: Math.max(0, Number(max) - counted), challenge };
  }

  async replace(): Promise<OtpReplaceOutcome> {
    throw new Error('not used by the benchmark');
  }

  async get(): Promise<OtpChallengeRecord | undefined> {
    throw new Error('not used by the benchmark');
  }

  async delete(challengeId: string): Promise<boolean> {
    return (await this.redis.del(this.key(challengeId))) > 0;
  }

  async hit(
    limits: readonly OtpRateLimitHit[],
    _hitId: string,
    now: number,
  ): Promise<OtpRateLimitOutcome> {
    for (const limit of limits) {
      const window = Math.floor(now / limit.windowMs);
      const key = `${this.prefix}l:${limit.key}:${window}`;
      const count = await this.redis.incr(key);
      if (count === 1) await this.redis.pexpire(key, limit.windowMs);
      if (count > limit.limit)
        return {
          allowed: false,
          scope: limit.scope,
          retryAfterMs: (window + 1) * limit.windowMs - now,
        };
    }
    return { allowed: true };
  }
}
