import { InvalidOptionsError } from '../../errors/validation.error.js';
import type {
  OtpDeliveryRecord,
  OtpChallengeRecord,
  OtpLockoutPolicy,
  OtpRateLimitHit,
  OtpRateLimitOutcome,
  OtpCreateOutcome,
  OtpChallengeSummary,
  OtpAttemptCandidate,
  OtpAttemptOutcome,
  OtpReplacement,
  OtpReplacePolicy,
  OtpReplaceOutcome,
} from './otp-store.types.js';

// The store contract: the abstract class every OTP store implements. Its records and outcomes
// are in otp-store.types.ts, re-exported here (so `./stores/otp.store.js` still names them all).
export type * from './otp-store.types.js';

/**
 * The one place where OTP state lives: challenges and send counters. Every method is one
 * atomic step, so any number of service instances sharing a store stay correct under
 * concurrency (200 simultaneous guesses on one challenge evaluate exactly `maxAttempts`).
 *
 * Built in: `MemoryOtpStore` (one process, the default) and `RedisOtpStore` (many instances).
 * Extend this class to keep state elsewhere; a method that cannot reach its backend must
 * reject (the service turns any unexpected error into `OtpStoreUnavailableError` and fails
 * closed). `now` is always passed in, from the service's clock.
 */
export abstract class OtpStore {
  /**
   * Hits `limits` and, only if all allow it, stores `record`. Atomic: concurrent creates never
   * exceed a limit, and a refused create counts nowhere.
   */
  abstract create(
    record: OtpChallengeRecord,
    limits: readonly OtpRateLimitHit[],
    now: number,
    lockout?: OtpLockoutPolicy,
  ): Promise<OtpCreateOutcome>;

  /**
   * Compare + count + consume in one step: if the challenge exists, is not locked and not
   * expired, compares `candidate.codeHash` with the stored hash (and `candidate.purpose` and
   * `candidate.phone`, each when given, with the stored purpose and phone). On a match of all
   * of them the challenge is used up (single use; a right code is not counted as an attempt);
   * any mismatch is counted as one attempt and answered `invalid`, like a wrong code.
   *
   * With `lockout` (and a challenge with a `lockoutKey`): a locked account answers
   * `account_locked` before anything is evaluated; a mismatch also counts one failure for the
   * account (and locks it when `maxFailures` is reached); a match resets the account's count.
   */
  abstract attempt(
    challengeId: string,
    candidate: OtpAttemptCandidate,
    now: number,
    lockout?: OtpLockoutPolicy,
  ): Promise<OtpAttemptOutcome>;

  /**
   * Resend: if the challenge exists (expired is fine), is not locked, its cooldown is over,
   * it has resends left and the `policy.limits` allow it, replaces the code (the old one is
   * void from this step on) and the times, counts a resend and hits the limits. Atomic.
   * Attempts are not reset.
   */
  abstract replace(
    challengeId: string,
    replacement: OtpReplacement,
    policy: OtpReplacePolicy,
    now: number,
  ): Promise<OtpReplaceOutcome>;

  /** The challenge, or `undefined` when unknown or past `retainUntil`. */
  abstract get(challengeId: string, now: number): Promise<OtpChallengeRecord | undefined>;

  /** Forgets a challenge; `true` when it existed. */
  abstract delete(challengeId: string): Promise<boolean>;

  /**
   * Hits counters without a challenge (all or none), for limits of your own, e.g. verification
   * attempts per IP. `hitId` must be unique per hit.
   */
  abstract hit(
    limits: readonly OtpRateLimitHit[],
    hitId: string,
    now: number,
  ): Promise<OtpRateLimitOutcome>;

  /**
   * Whether this store implements `otp.lockout` (the `lockout` arguments, `unlock()` and
   * `sendWait()`). The built-in stores do; a store of your own that leaves this `false` must be
   * used with `otp.lockout: false` (the service refuses to start otherwise).
   */
  get supportsLockout(): boolean {
    return false;
  }

  /**
   * Lifts the lockout of the given accounts and forgets their failures. `true` when one of them
   * was locked.
   */
  async unlock(_lockoutKeys: readonly string[], _now: number): Promise<boolean> {
    throw new InvalidOptionsError(
      'otp.store',
      'this store does not implement otp.lockout (unlock); set otp.lockout: false or implement it',
    );
  }

  /**
   * Milliseconds until a send with `limits` for the account `lockoutKey` would be allowed (0:
   * now), without counting anything. `undefined` when the store cannot tell.
   */
  async sendWait(
    _limits: readonly OtpRateLimitHit[],
    _lockoutKey: string | undefined,
    _now: number,
  ): Promise<number | undefined> {
    return undefined;
  }

  /**
   * Ends a live challenge as cancelled (its code is refused from now on, as `not_found`) and
   * answers what it was; `undefined` when it is unknown or has already ended. The built-in
   * stores keep a tombstone for `OtpService.status()`; this default deletes the challenge.
   */
  async cancel(challengeId: string, now: number): Promise<OtpChallengeSummary | undefined> {
    const record = await this.get(challengeId, now);
    if (record === undefined || record.state !== undefined) return undefined;
    if (!(await this.delete(challengeId))) return undefined;
    return {
      phone: record.phone,
      purpose: record.purpose,
      ...(record.subject === undefined ? {} : { subject: record.subject }),
    };
  }

  /**
   * Records the delivery status of a challenge's SMS, only while the challenge is still known
   * and its send count is still `resends` (a later resend's SMS is tracked anew). `false` when
   * the status is stale (the challenge is forgotten, or was resent since): the service then
   * stops polling it. The built-in stores implement it; this default records nothing and
   * answers `true` (polling and the `delivered` / `undelivered` events go on; `status()` shows
   * `delivery: 'unknown'`).
   */
  async setDelivery(
    _challengeId: string,
    _resends: number,
    _delivery: OtpDeliveryRecord,
    _now: number,
  ): Promise<boolean> {
    return true;
  }

  /** Releases what the store opened (connections). Called on application shutdown. */
  async close(): Promise<void> {}

  /**
   * What `console.log` / `util.inspect` show of a store: its class only (a store may hold a
   * connection with a password, and holds challenges).
   */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `${this.constructor.name} ${JSON.stringify(this.toJSON())}`;
  }

  /** What `JSON.stringify` shows of a store: its class only. */
  toJSON(): Record<string, unknown> {
    return { store: this.constructor.name };
  }
}
