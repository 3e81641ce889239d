import type { OtpLockoutPolicy, OtpRateLimitHit, OtpRateLimitOutcome } from './otp-store.types.js';

// The counters of MemoryOtpStore (memory-otp.store.ts): send and verification caps as sliding
// windows of hit timestamps, and the account lockout (recent failures, end of the lock), with
// their amortised clean-up. The store calls them inside its own synchronous steps.

/** The longest lockout window allowed (`otp.lockout.windowSeconds` ≤ 31 days). */
const MAX_WINDOW_MS = 31 * 86_400_000;

/** Sliding-window counters and account lockouts in this process's memory. */
export class MemoryOtpCounters {
  /** Counter key → its window and hit timestamps, oldest first. */
  private readonly counters = new Map<
    string,
    { readonly windowMs: number; readonly hits: number[] }
  >();
  /** Account lockout key → its recent failures (oldest first) and the end of its lock. */
  private readonly accounts = new Map<string, { failures: number[]; lockedUntil: number }>();

  /** Sliding windows: hits in (now - window, now]. Refuses with the longest wait. */
  check(limits: readonly OtpRateLimitHit[], now: number): OtpRateLimitOutcome {
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

  /** Counts one hit on each of `limits` (after `check()` allowed them). */
  add(limits: readonly OtpRateLimitHit[], now: number): void {
    for (const limit of limits) {
      const counter = this.counters.get(limit.key);
      if (counter === undefined)
        this.counters.set(limit.key, { windowMs: limit.windowMs, hits: [now] });
      else counter.hits.push(now);
    }
  }

  /** Milliseconds until `limits` let one more through (0: now); counts nothing. */
  waitFor(limits: readonly OtpRateLimitHit[], now: number): number {
    const limited = this.check(limits, now);
    return limited.allowed ? 0 : limited.retryAfterMs;
  }

  /** Milliseconds the account stays locked (0: not locked). */
  lockedFor(key: string | undefined, now: number): number {
    if (key === undefined) return 0;
    const account = this.accounts.get(key);
    return account === undefined ? 0 : Math.max(0, account.lockedUntil - now);
  }

  /** Counts one failure (sliding window); returns the lock's length when this one locks. */
  countFailure(key: string, policy: OtpLockoutPolicy, now: number): number | undefined {
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

  /** Forgets an account's failures and lock. */
  forgetAccount(key: string): void {
    this.accounts.delete(key);
  }

  /** Forgets every counter and account (for tests). */
  clear(): void {
    this.counters.clear();
    this.accounts.clear();
  }

  /** Amortised clean-up of idle counters and accounts with nothing left to remember. */
  sweep(now: number): void {
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

  /** Drops hits at or before `floor` and returns what is left (the stored array). */
  private prune(key: string, floor: number): number[] {
    const hits = this.counters.get(key)?.hits;
    if (hits === undefined) return [];
    let drop = 0;
    while (drop < hits.length && hits[drop]! <= floor) drop++;
    if (drop > 0) hits.splice(0, drop);
    return hits;
  }
}
