import type { DeliveryStatus } from '../../transports/sms-transport.types.js';

// The records and outcomes of the store contract (OtpStore, otp.store.ts): what a store keeps of
// a challenge, the counters and lockout policy it applies, and what each of its atomic steps
// answers. Imported from otp.store.ts, which re-exports every name.

/**
 * How a challenge ended, kept in a small tombstone (no code hash, no binding digest) until
 * `retainUntil`, so `OtpService.status()` can answer from any instance.
 */
export type OtpChallengeEnd = 'verified' | 'cancelled';

/** The provider's delivery status of a challenge's last SMS (`otp.trackDelivery`). */
export interface OtpDeliveryRecord {
  readonly status: DeliveryStatus;
  /** The provider's raw status code. */
  readonly providerCode: string;
  /** The provider's message id the status is for. */
  readonly messageId: string;
  /** When it was read (service clock, epoch ms). */
  readonly at: number;
}

/**
 * A challenge as a store keeps it. It holds no code, only the code's HMAC; times are epoch
 * milliseconds of the service's clock (`otp.clock`).
 */
export interface OtpChallengeRecord {
  readonly challengeId: string;
  /** HMAC-SHA256 (hex) of challenge id ‖ code ‖ binding digest. */
  readonly codeHash: string;
  /** HMAC (hex) of the canonical binding (subject + bound values), to hash a resent code. */
  readonly bindingDigest: string;
  /** Canonical phone number (`905321234567`). */
  readonly phone: string;
  readonly purpose: string;
  readonly subject?: string;
  /** The SMS text split where the code goes (`text.join(code)`); holds no code. */
  readonly text: readonly string[];
  readonly createdAt: number;
  /** The code is accepted strictly before this instant. */
  readonly expiresAt: number;
  /** `resend()` is allowed from this instant. */
  readonly resendAvailableAt: number;
  /** The store may forget the challenge from this instant (until then it answers `expired`/`locked`). */
  readonly retainUntil: number;
  /** Codes presented so far (wrong ones, and purpose/subject/binding mismatches). */
  readonly attempts: number;
  /** Attempts allowed; the challenge is locked when `attempts >= maxAttempts`. */
  readonly maxAttempts: number;
  /** Resends so far. */
  readonly resends: number;
  /**
   * Key of the account this challenge counts against for `otp.lockout` (a keyed digest of the
   * subject, else of the phone; no personal data). Absent when the lockout is off.
   */
  readonly lockoutKey?: string;
  /**
   * Set once the challenge has ended (tombstone): `codeHash` and `bindingDigest` are then
   * empty, and every attempt or resend answers `not_found`.
   */
  readonly state?: OtpChallengeEnd;
  /** When it ended (with `state`). */
  readonly endedAt?: number;
  /** When its current code was sent (the last send or resend); `createdAt` when absent. */
  readonly sentAt?: number;
  /** The last delivery status read for its current SMS (`otp.trackDelivery`). */
  readonly delivery?: OtpDeliveryRecord;
  /**
   * The per-phone send counters a new `send()` to this phone hits, so that a locked challenge
   * can tell, in the same step, when a new code will really be sent. Absent: not known.
   */
  readonly sendLimits?: readonly OtpRateLimitHit[];
}

/**
 * `otp.lockout` as a store applies it: consecutive failed verifications are counted per
 * account (`OtpChallengeRecord.lockoutKey`) across challenges; `maxFailures` of them within
 * `windowMs` lock the account for `lockMs` (every send and verification is refused); a right
 * code resets the count. Counted in the same atomic step as the attempt.
 */
export interface OtpLockoutPolicy {
  readonly maxFailures: number;
  readonly windowMs: number;
  readonly lockMs: number;
}

/**
 * One sliding-window counter to hit: at most `limit` hits within any `windowMs`.
 * `key` is already free of personal data (a keyed digest).
 */
export interface OtpRateLimitHit {
  /**
   * What the counter limits, reported back when it refuses: `phone`, `ip`, `global`
   * (`otp.globalLimits`) or `key` (an `otp.limitKeys` cap, named by `cap`).
   */
  readonly scope: 'phone' | 'ip' | 'global' | 'key';
  /** The cap's name, reported back when it refuses (the `otp.limitKeys` name). */
  readonly cap?: string;
  /** Counter key, unique per scope, identifier and window. */
  readonly key: string;
  readonly limit: number;
  readonly windowMs: number;
}

/** Outcome of hitting a set of counters: all are counted, or none is. */
export type OtpRateLimitOutcome =
  | { readonly allowed: true }
  | {
      readonly allowed: false;
      /** The counter that refuses longest. */
      readonly scope: OtpRateLimitHit['scope'];
      /** Its `cap` name, when it has one. */
      readonly cap?: string;
      /** Milliseconds until that counter lets one more through (> 0). */
      readonly retryAfterMs: number;
    };

/** Outcome of `OtpStore.create`: a send limit or the account lockout may refuse it. */
export type OtpCreateOutcome =
  | OtpRateLimitOutcome
  | {
      readonly allowed: false;
      /** The account (`record.lockoutKey`) is locked by `otp.lockout`. */
      readonly locked: true;
      /** Milliseconds until the lock ends (> 0). */
      readonly retryAfterMs: number;
    };

/** What a store says about a challenge after an attempt; enough for the result and the events. */
export interface OtpChallengeSummary {
  readonly phone: string;
  readonly purpose: string;
  readonly subject?: string;
}

/** The code presented at verification, hashed by the service. */
export interface OtpAttemptCandidate {
  /** HMAC of challenge id ‖ presented code ‖ digest of the presented binding. */
  readonly codeHash: string;
  /** The purpose presented; when given, a challenge of another purpose fails like a wrong code. */
  readonly purpose?: string;
  /**
   * The canonical phone number presented (`905321234567`), or `''` for a value that is no
   * phone number; when given, a challenge sent to another number fails like a wrong code.
   */
  readonly phone?: string;
  /**
   * Counters a new send from this request would hit besides the challenge's `sendLimits` (the
   * client IP's): read, never counted, only to answer `locked` with `newCodeInMs`.
   */
  readonly newCodeLimits?: readonly OtpRateLimitHit[];
}

/** Outcome of `OtpStore.attempt`. */
export type OtpAttemptOutcome =
  /** The code matched: the challenge is used up (deleted). */
  | { readonly status: 'valid'; readonly challenge: OtpChallengeSummary }
  /** The code was evaluated and did not match; counted. `attemptsLeft: 0` → the challenge is now locked. */
  | {
      readonly status: 'invalid';
      readonly attemptsLeft: number;
      readonly challenge: OtpChallengeSummary;
      /**
       * Set when this failure reached `lockout.maxFailures`: the account is locked from now on,
       * for this many milliseconds.
       */
      readonly accountLockedMs?: number;
    }
  /** The challenge's account is locked (`otp.lockout`); not evaluated, not counted. */
  | {
      readonly status: 'account_locked';
      readonly retryAfterMs: number;
      readonly challenge: OtpChallengeSummary;
    }
  /** Locked before this attempt; not evaluated. */
  | {
      readonly status: 'locked';
      /** Milliseconds the locked challenge is still remembered. */
      readonly retryAfterMs: number;
      readonly challenge: OtpChallengeSummary;
      /**
       * Milliseconds until a new `send()` for the challenge's phone and account would be
       * allowed (its `sendLimits`, the candidate's `newCodeLimits`, the account lock); 0: now.
       * Absent when the store cannot tell.
       */
      readonly newCodeInMs?: number;
    }
  /** Past `expiresAt`; not evaluated. */
  | { readonly status: 'expired'; readonly challenge: OtpChallengeSummary }
  /** Unknown, used, cancelled or forgotten. */
  | { readonly status: 'not_found' };

/** The new code of a resend. */
export interface OtpReplacement {
  readonly codeHash: string;
  readonly expiresAt: number;
  readonly resendAvailableAt: number;
  readonly retainUntil: number;
}

/** Limits checked, in the same atomic step, before a resend replaces the code. */
export interface OtpReplacePolicy {
  readonly maxResends: number;
  readonly limits: readonly OtpRateLimitHit[];
  /** Unique id of this send, recorded in the counters. */
  readonly hitId: string;
  /** When set, a resend for a locked account (`record.lockoutKey`) is refused. */
  readonly lockout?: OtpLockoutPolicy;
}

/** Outcome of `OtpStore.replace`. */
export type OtpReplaceOutcome =
  | {
      readonly status: 'replaced';
      readonly attempts: number;
      readonly maxAttempts: number;
      readonly resends: number;
    }
  | { readonly status: 'not_found' }
  | {
      readonly status: 'locked';
      readonly retryAfterMs: number;
      /** Milliseconds until a new `send()` to the phone would pass `policy.limits`; 0: now. */
      readonly newCodeInMs?: number;
    }
  | { readonly status: 'cooldown'; readonly retryAfterMs: number }
  | { readonly status: 'max_resends' }
  | { readonly status: 'account_locked'; readonly retryAfterMs: number }
  | {
      readonly status: 'rate_limited';
      readonly scope: OtpRateLimitHit['scope'];
      readonly cap?: string;
      readonly retryAfterMs: number;
    };
