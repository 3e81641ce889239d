import { otpHashesEqual } from '../otp-code.js';
import {
  type OtpAttemptCandidate,
  type OtpAttemptOutcome,
  type OtpChallengeEnd,
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

// One cohesive job over ~300 lines: the whole store contract in one process's memory (challenges,
// counters, account lockout, expiry), mirroring the Lua scripts of the Redis store step by step.

interface MutableChallenge extends Omit<
  OtpChallengeRecord,
  | 'attempts'
  | 'resends'
  | 'codeHash'
  | 'bindingDigest'
  | 'expiresAt'
  | 'resendAvailableAt'
  | 'retainUntil'
  | 'state'
  | 'endedAt'
  | 'sentAt'
  | 'delivery'
> {
  codeHash: string;
  bindingDigest: string;
  state?: OtpChallengeEnd;
  endedAt?: number;
  sentAt: number;
  delivery?: OtpDeliveryRecord;
  expiresAt: number;
  resendAvailableAt: number;
  retainUntil: number;
  attempts: number;
  resends: number;
}

/** The longest lockout window allowed (`otp.lockout.windowSeconds` ≤ 31 days). */
const MAX_WINDOW_MS = 31 * 86_400_000;

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
  /** Counter key → its window and hit timestamps, oldest first. */
  private readonly counters = new Map<
    string,
    { readonly windowMs: number; readonly hits: number[] }
  >();
  /** Account lockout key → its recent failures (oldest first) and the end of its lock. */
  private readonly accounts = new Map<string, { failures: number[]; lockedUntil: number }>();
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
    const lockedMs = lockout === undefined ? 0 : this.lockedFor(record.lockoutKey, now);
    if (lockedMs > 0) return { allowed: false, locked: true, retryAfterMs: lockedMs };
    const outcome = this.checkLimits(limits, now);
    if (!outcome.allowed) return outcome;
    if (this.challenges.has(record.challengeId)) {
      throw new Error(`Challenge id collision: ${record.challengeId}`);
    }
    this.addHits(limits, now);
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
    const lockedMs = this.lockedFor(accountKey, now);
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
              newCodeInMs: this.waitFor(
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
      this.end(challenge, 'verified', now);
      if (accountKey !== undefined) this.accounts.delete(accountKey);
      return { status: 'valid', challenge: summary };
    }
    challenge.attempts += 1;
    const accountLockedMs =
      accountKey === undefined || lockout === undefined
        ? undefined
        : this.countFailure(accountKey, lockout, now);
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
    const lockedMs = policy.lockout === undefined ? 0 : this.lockedFor(challenge.lockoutKey, now);
    if (lockedMs > 0) return { status: 'account_locked', retryAfterMs: lockedMs };
    if (challenge.attempts >= challenge.maxAttempts) {
      return {
        status: 'locked',
        retryAfterMs: Math.max(1, challenge.retainUntil - now),
        newCodeInMs: this.waitFor(policy.limits, now),
      };
    }
    if (now < challenge.resendAvailableAt) {
      return { status: 'cooldown', retryAfterMs: challenge.resendAvailableAt - now };
    }
    if (challenge.resends >= policy.maxResends) return { status: 'max_resends' };
    const limited = this.checkLimits(policy.limits, now);
    if (!limited.allowed)
      return {
        status: 'rate_limited',
        scope: limited.scope,
        ...(limited.cap === undefined ? {} : { cap: limited.cap }),
        retryAfterMs: limited.retryAfterMs,
      };
    this.addHits(policy.limits, now);
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
    this.end(challenge, 'cancelled', now);
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

  /** Turns a challenge into a tombstone: no code hash, no binding digest, how and when it ended. */
  private end(challenge: MutableChallenge, state: OtpChallengeEnd, now: number): void {
    challenge.codeHash = '';
    challenge.bindingDigest = '';
    challenge.state = state;
    challenge.endedAt = now;
  }

  async hit(
    limits: readonly OtpRateLimitHit[],
    _hitId: string,
    now: number,
  ): Promise<OtpRateLimitOutcome> {
    this.sweep(now);
    const outcome = this.checkLimits(limits, now);
    if (outcome.allowed) this.addHits(limits, now);
    return outcome;
  }

  override async unlock(lockoutKeys: readonly string[], now: number): Promise<boolean> {
    let wasLocked = false;
    for (const key of lockoutKeys) {
      if (this.lockedFor(key, now) > 0) wasLocked = true;
      this.accounts.delete(key);
    }
    return wasLocked;
  }

  override async sendWait(
    limits: readonly OtpRateLimitHit[],
    lockoutKey: string | undefined,
    now: number,
  ): Promise<number> {
    const limited = this.checkLimits(limits, now);
    return Math.max(limited.allowed ? 0 : limited.retryAfterMs, this.lockedFor(lockoutKey, now));
  }

  /** Forgets everything (for tests). */
  clear(): void {
    this.challenges.clear();
    this.counters.clear();
    this.accounts.clear();
  }

  /** Milliseconds until `limits` let one more through (0: now); counts nothing. */
  private waitFor(limits: readonly OtpRateLimitHit[], now: number): number {
    const limited = this.checkLimits(limits, now);
    return limited.allowed ? 0 : limited.retryAfterMs;
  }

  /** Milliseconds the account stays locked (0: not locked). */
  private lockedFor(key: string | undefined, now: number): number {
    if (key === undefined) return 0;
    const account = this.accounts.get(key);
    return account === undefined ? 0 : Math.max(0, account.lockedUntil - now);
  }

  /** Counts one failure (sliding window); returns the lock's length when this one locks. */
  private countFailure(key: string, policy: OtpLockoutPolicy, now: number): number | undefined {
    let account = this.accounts.get(key);
    if (account === undefined) {
      account = { failures: [], lockedUntil: 0 };
      this.accounts.set(key, account);
    }
    const floor = now - policy.windowMs;
    account.failures = account.failures.filter((at) => at > floor);
    account.failures.push(now);
    if (account.failures.length < policy.maxFailures) return undefined;
    account.failures = [];
    account.lockedUntil = now + policy.lockMs;
    return policy.lockMs;
  }

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

  /** Sliding windows: hits in (now - window, now]. Refuses with the longest wait. */
  private checkLimits(limits: readonly OtpRateLimitHit[], now: number): OtpRateLimitOutcome {
    let refused:
      { scope: OtpRateLimitHit['scope']; cap?: string; retryAfterMs: number } | undefined;
    for (const limit of limits) {
      const hits = this.prune(limit.key, now - limit.windowMs);
      if (hits.length >= limit.limit) {
        const wait = hits[hits.length - limit.limit]! + limit.windowMs - now;
        if (refused === undefined || wait > refused.retryAfterMs)
          refused = {
            scope: limit.scope,
            ...(limit.cap === undefined ? {} : { cap: limit.cap }),
            retryAfterMs: wait,
          };
      }
    }
    return refused === undefined ? { allowed: true } : { allowed: false, ...refused };
  }

  private addHits(limits: readonly OtpRateLimitHit[], now: number): void {
    for (const limit of limits) {
      const counter = this.counters.get(limit.key);
      if (counter === undefined)
        this.counters.set(limit.key, { windowMs: limit.windowMs, hits: [now] });
      else counter.hits.push(now);
    }
  }

  /** Drops hits at or before `floor` and returns what is left (the stored array). */
  private prune(key: string, floor: number): number[] {
    const hits = this.counters.get(key)?.hits;
    if (hits === undefined) return [];
    let drop = 0;
    while (drop < hits.length && hits[drop]! <= floor) drop++;
    if (drop > 0) hits.splice(0, drop);
    return hits;
  }

  /** Amortised clean-up of forgotten challenges and idle counters, no timer involved. */
  private sweep(now: number): void {
    if (now - this.lastSweep < this.sweepIntervalMs) return;
    this.lastSweep = now;
    for (const [id, challenge] of this.challenges) {
      if (now >= challenge.retainUntil) this.challenges.delete(id);
    }
    for (const [key, { windowMs, hits }] of this.counters) {
      if (hits.length === 0 || hits[hits.length - 1]! <= now - windowMs) this.counters.delete(key);
    }
    for (const [key, account] of this.accounts) {
      // Failures older than a day and a lock that is over are of no use any more (windows
      // are at most 31 days; a long window keeps its entry until it is over).
      if (account.lockedUntil <= now && account.failures.every((at) => at <= now - MAX_WINDOW_MS))
        this.accounts.delete(key);
    }
  }
}

function summarize(challenge: MutableChallenge): OtpChallengeSummary {
  return {
    phone: challenge.phone,
    purpose: challenge.purpose,
    ...(challenge.subject === undefined ? {} : { subject: challenge.subject }),
  };
}
