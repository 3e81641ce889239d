import { otpHashesEqual } from '../otp-code.js';
import {
  type OtpAttemptCandidate,
  type OtpAttemptOutcome,
  type OtpChallengeRecord,
  type OtpRateLimitHit,
  type OtpRateLimitOutcome,
  type OtpReplacement,
  type OtpReplaceOutcome,
  type OtpReplacePolicy,
  OtpStore,
} from './otp.store.js';

interface MutableChallenge extends Omit<
  OtpChallengeRecord,
  'attempts' | 'resends' | 'codeHash' | 'expiresAt' | 'resendAvailableAt' | 'retainUntil'
> {
  codeHash: string;
  expiresAt: number;
  resendAvailableAt: number;
  retainUntil: number;
  attempts: number;
  resends: number;
}

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
  private readonly sweepIntervalMs: number;
  private lastSweep = Number.NEGATIVE_INFINITY;

  constructor(options: MemoryOtpStoreOptions = {}) {
    super();
    this.sweepIntervalMs = options.sweepIntervalMs ?? 60_000;
  }

  /** Challenges currently held (including expired ones not yet swept). For tests and metrics. */
  get size(): number {
    return this.challenges.size;
  }

  async create(
    record: OtpChallengeRecord,
    limits: readonly OtpRateLimitHit[],
    now: number,
  ): Promise<OtpRateLimitOutcome> {
    this.sweep(now);
    const outcome = this.checkLimits(limits, now);
    if (!outcome.allowed) return outcome;
    if (this.challenges.has(record.challengeId)) {
      throw new Error(`Challenge id collision: ${record.challengeId}`);
    }
    this.addHits(limits, now);
    this.challenges.set(record.challengeId, { ...record, text: [...record.text] });
    return outcome;
  }

  async attempt(
    challengeId: string,
    candidate: OtpAttemptCandidate,
    now: number,
  ): Promise<OtpAttemptOutcome> {
    const challenge = this.live(challengeId, now);
    if (challenge === undefined) return { status: 'not_found' };
    const summary = summarize(challenge);
    if (challenge.attempts >= challenge.maxAttempts) {
      return {
        status: 'locked',
        retryAfterMs: Math.max(1, challenge.retainUntil - now),
        challenge: summary,
      };
    }
    if (now >= challenge.expiresAt) return { status: 'expired', challenge: summary };
    challenge.attempts += 1;
    // Every comparison always runs; the hash comparison is constant-time.
    const hashMatches = otpHashesEqual(challenge.codeHash, candidate.codeHash);
    const purposeMatches =
      candidate.purpose === undefined || candidate.purpose === challenge.purpose;
    const phoneMatches = candidate.phone === undefined || candidate.phone === challenge.phone;
    if (hashMatches && purposeMatches && phoneMatches) {
      this.challenges.delete(challengeId);
      return { status: 'valid', challenge: summary };
    }
    return {
      status: 'invalid',
      attemptsLeft: challenge.maxAttempts - challenge.attempts,
      challenge: summary,
    };
  }

  async replace(
    challengeId: string,
    replacement: OtpReplacement,
    policy: OtpReplacePolicy,
    now: number,
  ): Promise<OtpReplaceOutcome> {
    const challenge = this.live(challengeId, now);
    if (challenge === undefined) return { status: 'not_found' };
    if (challenge.attempts >= challenge.maxAttempts) {
      return { status: 'locked', retryAfterMs: Math.max(1, challenge.retainUntil - now) };
    }
    if (now < challenge.resendAvailableAt) {
      return { status: 'cooldown', retryAfterMs: challenge.resendAvailableAt - now };
    }
    if (challenge.resends >= policy.maxResends) return { status: 'max_resends' };
    const limited = this.checkLimits(policy.limits, now);
    if (!limited.allowed)
      return { status: 'rate_limited', scope: limited.scope, retryAfterMs: limited.retryAfterMs };
    this.addHits(policy.limits, now);
    challenge.codeHash = replacement.codeHash;
    challenge.expiresAt = replacement.expiresAt;
    challenge.resendAvailableAt = replacement.resendAvailableAt;
    challenge.retainUntil = replacement.retainUntil;
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

  /** Forgets everything (for tests). */
  clear(): void {
    this.challenges.clear();
    this.counters.clear();
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
    let refused: { scope: OtpRateLimitHit['scope']; retryAfterMs: number } | undefined;
    for (const limit of limits) {
      const hits = this.prune(limit.key, now - limit.windowMs);
      if (hits.length >= limit.limit) {
        const wait = hits[hits.length - limit.limit]! + limit.windowMs - now;
        if (refused === undefined || wait > refused.retryAfterMs)
          refused = { scope: limit.scope, retryAfterMs: wait };
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
  }
}

function summarize(challenge: MutableChallenge): {
  phone: string;
  purpose: string;
  subject?: string;
} {
  return {
    phone: challenge.phone,
    purpose: challenge.purpose,
    ...(challenge.subject === undefined ? {} : { subject: challenge.subject }),
  };
}
