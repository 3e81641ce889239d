import { otpHashesEqual } from '../otp-code.js';
import { type MutableChallenge, endChallenge, summarize } from './memory-otp.challenge.js';
import { MemoryOtpCounters } from './memory-otp.counters.js';
import {
  type OtpAttemptCandidate,
  type OtpAttemptOutcome,
  type OtpChallengeRecord,
  type OtpChallengeSummary,
  type OtpDeliveryRecord,
  type OtpCreateOutcome,
  type OtpLockoutPolicy,
  type OtpRateLimitHit,
  type OtpRateLimitOutcome,
  type OtpReplacement,
  type OtpReplaceOutcome,
  type OtpReplacePolicy,
  OtpStore,
} from './otp.store.js';

// The store contract in one process's memory: challenges, their expiry and tombstones, each
// step mirroring the Lua scripts of the Redis store. The stored challenge is in
// memory-otp.challenge.ts, the counters and account lockouts it hits in memory-otp.counters.ts.

export interface MemoryOtpStoreOptions {
  /**
   * Forgotten challenges and empty counters are swept at most this often (in the service
   * clock's milliseconds), during a normal operation: no timer is ever started.
   * @default 60000
   */
  readonly sweepIntervalMs?: number;
}

/**
 * Keeps challenges and counters in this process's memory: the default store, right for one
 * instance (and for tests). Every operation runs synchronously to completion, so each is
 * atomic. Expiry works by timestamps (`now` from the service's clock), with no timers; state is
 * lost on restart and not shared between instances — use `RedisOtpStore` for that.
 */
export class MemoryOtpStore extends OtpStore {
  private readonly challenges = new Map<string, MutableChallenge>();
  /** Send and verification caps, and account lockouts. */
  private readonly counters = new MemoryOtpCounters();
  private readonly sweepIntervalMs: number;
  private lastSweep = Number.NEGATIVE_INFINITY;

  constructor(options: MemoryOtpStoreOptions = {}) {
    super();
    this.sweepIntervalMs = options.sweepIntervalMs ?? 60_000;
  }

  /**
   * Challenges currently held, including expired ones not yet swept and the tombstones of
   * verified and cancelled ones (kept for `OtpService.status()` until their retention ends).
   * For tests and metrics.
   */
  get size(): number {
    return this.challenges.size;
  }

  override get supportsLockout(): boolean {
    return true;
  }

  async create(
    record: OtpChallengeRecord,
    limits: readonly OtpRateLimitHit[],
    now: number,
    lockout?: OtpLockoutPolicy,
  ): Promise<OtpCreateOutcome> {
    this.sweep(now);
    const lockedMs = lockout === undefined ? 0 : this.counters.lockedFor(record.lockoutKey, now);
    if (lockedMs > 0) return { allowed: false, locked: true, retryAfterMs: lockedMs };
    const outcome = this.counters.check(limits, now);
    if (!outcome.allowed) return outcome;
    if (this.challenges.has(record.challengeId)) {
      throw new Error(`Challenge id collision: ${record.challengeId}`);
    }
    this.counters.add(limits, now);
    this.challenges.set(record.challengeId, {
      ...record,
      text: [...record.text],
      sentAt: record.sentAt ?? record.createdAt,
    });
    return outcome;
  }

  async attempt(
    challengeId: string,
    candidate: OtpAttemptCandidate,
    now: number,
    lockout?: OtpLockoutPolicy,
  ): Promise<OtpAttemptOutcome> {
    const challenge = this.live(challengeId, now);
    if (challenge === undefined || challenge.state !== undefined) return { status: 'not_found' };
    const summary = summarize(challenge);
    const accountKey = lockout === undefined ? undefined : challenge.lockoutKey;
    const lockedMs = this.counters.lockedFor(accountKey, now);
    if (lockedMs > 0) {
      return { status: 'account_locked', retryAfterMs: lockedMs, challenge: summary };
    }
    if (challenge.attempts >= challenge.maxAttempts) {
      return {
        status: 'locked',
        retryAfterMs: Math.max(1, challenge.retainUntil - now),
        challenge: summary,
        ...(challenge.sendLimits === undefined
          ? {}
          : {
              newCodeInMs: this.counters.waitFor(
                [...challenge.sendLimits, ...(candidate.newCodeLimits ?? [])],
                now,
              ),
            }),
      };
    }
    if (now >= challenge.expiresAt) return { status: 'expired', challenge: summary };
    // Every comparison always runs; the hash comparison is constant-time.
    const hashMatches = otpHashesEqual(challenge.codeHash, candidate.codeHash);
    const purposeMatches =
      candidate.purpose === undefined || candidate.purpose === challenge.purpose;
    const phoneMatches = candidate.phone === undefined || candidate.phone === challenge.phone;
    if (hashMatches && purposeMatches && phoneMatches) {
      // A right code is not counted as an attempt (only misses are), as in the Redis store.
      endChallenge(challenge, 'verified', now);
      if (accountKey !== undefined) this.counters.forgetAccount(accountKey);
      return { status: 'valid', challenge: summary };
    }
    challenge.attempts += 1;
    const accountLockedMs =
      accountKey === undefined || lockout === undefined
        ? undefined
        : this.counters.countFailure(accountKey, lockout, now);
    return {
      status: 'invalid',
      attemptsLeft: challenge.maxAttempts - challenge.attempts,
      challenge: summary,
      ...(accountLockedMs === undefined ? {} : { accountLockedMs }),
    };
  }

  async replace(
    challengeId: string,
    replacement: OtpReplacement,
    policy: OtpReplacePolicy,
    now: number,
  ): Promise<OtpReplaceOutcome> {
    const challenge = this.live(challengeId, now);
    if (challenge === undefined || challenge.state !== undefined) return { status: 'not_found' };
    const lockedMs =
      policy.lockout === undefined ? 0 : this.counters.lockedFor(challenge.lockoutKey, now);
    if (lockedMs > 0) return { status: 'account_locked', retryAfterMs: lockedMs };
    if (challenge.attempts >= challenge.maxAttempts) {
      return {
        status: 'locked',
        retryAfterMs: Math.max(1, challenge.retainUntil - now),
        newCodeInMs: this.counters.waitFor(policy.limits, now),
      };
    }
    if (now < challenge.resendAvailableAt) {
      return { status: 'cooldown', retryAfterMs: challenge.resendAvailableAt - now };
    }
    if (challenge.resends >= policy.maxResends) return { status: 'max_resends' };
    const limited = this.counters.check(policy.limits, now);
    if (!limited.allowed)
      return {
        status: 'rate_limited',
        scope: limited.scope,
        ...(limited.cap === undefined ? {} : { cap: limited.cap }),
        retryAfterMs: limited.retryAfterMs,
      };
    this.counters.add(policy.limits, now);
    challenge.codeHash = replacement.codeHash;
    challenge.expiresAt = replacement.expiresAt;
    challenge.resendAvailableAt = replacement.resendAvailableAt;
    challenge.retainUntil = replacement.retainUntil;
    challenge.sentAt = now;
    delete challenge.delivery;
    challenge.resends += 1;
    return {
      status: 'replaced',
      attempts: challenge.attempts,
      maxAttempts: challenge.maxAttempts,
      resends: challenge.resends,
    };
  }

  async get(challengeId: string, now: number): Promise<OtpChallengeRecord | undefined> {
    const challenge = this.live(challengeId, now);
    return challenge === undefined ? undefined : { ...challenge, text: [...challenge.text] };
  }

  async delete(challengeId: string): Promise<boolean> {
    return this.challenges.delete(challengeId);
  }

  override async cancel(
    challengeId: string,
    now: number,
  ): Promise<OtpChallengeSummary | undefined> {
    const challenge = this.live(challengeId, now);
    if (challenge === undefined || challenge.state !== undefined) return undefined;
    endChallenge(challenge, 'cancelled', now);
    return summarize(challenge);
  }

  override async setDelivery(
    challengeId: string,
    resends: number,
    delivery: OtpDeliveryRecord,
    now: number,
  ): Promise<boolean> {
    const challenge = this.live(challengeId, now);
    if (challenge === undefined || challenge.resends !== resends) return false;
    challenge.delivery = { ...delivery };
    return true;
  }

  async hit(
    limits: readonly OtpRateLimitHit[],
    _hitId: string,
    now: number,
  ): Promise<OtpRateLimitOutcome> {
    this.sweep(now);
    const outcome = this.counters.check(limits, now);
    if (outcome.allowed) this.counters.add(limits, now);
    return outcome;
  }

  override async unlock(lockoutKeys: readonly string[], now: number): Promise<boolean> {
    let wasLocked = false;
    for (const key of lockoutKeys) {
      if (this.counters.lockedFor(key, now) > 0) wasLocked = true;
      this.counters.forgetAccount(key);
    }
    return wasLocked;
  }

  override async sendWait(
    limits: readonly OtpRateLimitHit[],
    lockoutKey: string | undefined,
    now: number,
  ): Promise<number> {
    const limited = this.counters.check(limits, now);
    return Math.max(
      limited.allowed ? 0 : limited.retryAfterMs,
      this.counters.lockedFor(lockoutKey, now),
    );
  }

  /** Forgets everything (for tests). */
  clear(): void {
    this.challenges.clear();
    this.counters.clear();
  }

  /** The challenge while it is retained (forgotten past `retainUntil`). */
  private live(challengeId: string, now: number): MutableChallenge | undefined {
    const challenge =
      typeof challengeId === 'string' ? this.challenges.get(challengeId) : undefined;
    if (challenge === undefined) return undefined;
    if (now >= challenge.retainUntil) {
      this.challenges.delete(challengeId);
      return undefined;
    }
    return challenge;
  }

  /** Amortised clean-up of forgotten challenges and idle counters, no timer involved. */
  private sweep(now: number): void {
    if (now - this.lastSweep < this.sweepIntervalMs) return;
    this.lastSweep = now;
    for (const [id, challenge] of this.challenges) {
      if (now >= challenge.retainUntil) this.challenges.delete(id);
    }
    this.counters.sweep(now);
  }
}
