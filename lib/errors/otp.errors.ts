import { PostaGuverciniError } from './posta-guvercini.error.js';

/**
 * Base class of the errors `OtpService` throws. A wrong code is never an error (`verify()`
 * answers `{ valid: false, reason }`); these are for what the service cannot or will not do.
 * No message or field ever holds a code or the secret.
 */
export class OtpError extends PostaGuverciniError {
  override readonly name: string = 'OtpError';
}

/**
 * Which limit refused a send or a resend: `phone`, `ip`, `global` (`otp.globalLimits`), `key`
 * (an `otp.limitKeys` cap, named by `cap`) or `resend_cooldown`.
 */
export type OtpRateLimitKind = 'phone' | 'ip' | 'global' | 'key' | 'resend_cooldown';

/**
 * A send limit was reached: the per-phone or per-IP cap (`otp.phoneLimits`, `otp.ipLimits`),
 * the app-wide cap (`otp.globalLimits`), a named cap (`otp.limitKeys`) or the resend cooldown
 * (`otp.resendCooldownSeconds`). Nothing was sent. `cap` names the cap that refused. Retry
 * after `retryAfterSeconds` (answer HTTP 429 with `Retry-After`).
 */
export class OtpRateLimitError extends OtpError {
  override readonly name: string = 'OtpRateLimitError';

  constructor(
    /** Which limit was reached. */
    readonly limit: OtpRateLimitKind,
    /** Whole seconds (≥ 1) until the limit lets the next one-time password through. */
    readonly retryAfterSeconds: number,
    options?: { cause?: unknown; cap?: string },
  ) {
    super(
      'OTP_RATE_LIMITED',
      OtpRateLimitError.describe(limit, retryAfterSeconds, options?.cap),
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    this.cap = options?.cap ?? limit;
  }

  /**
   * The cap that refused: `phone`, `ip`, `global`, `resend_cooldown`, or the name of the
   * `otp.limitKeys` cap.
   */
  readonly cap: string;

  private static describe(limit: OtpRateLimitKind, seconds: number, cap?: string): string {
    switch (limit) {
      case 'global':
        return `Too many one-time passwords were sent by this application; try again in ${seconds} s (limit: otp.globalLimits).`;
      case 'key':
        return `Too many one-time passwords were requested for this ${cap ?? 'key'}; try again in ${seconds} s (limit: otp.limitKeys "${cap ?? ''}").`;
      case 'phone':
        return `Too many one-time passwords were sent to this phone number; try again in ${seconds} s (limit: otp.phoneLimits).`;
      case 'ip':
        return `Too many one-time passwords were requested from this IP address; try again in ${seconds} s (limit: otp.ipLimits).`;
      case 'resend_cooldown':
        return `A new code for this challenge can be requested in ${seconds} s (otp.resendCooldownSeconds).`;
    }
  }
}

/**
 * The challenge has been resent `otp.maxResends` times already. Start a new challenge with
 * `OtpService.send()` (subject to the per-phone caps).
 */
export class OtpResendLimitError extends OtpError {
  override readonly name: string = 'OtpResendLimitError';

  constructor(readonly maxResends: number) {
    super(
      'OTP_RESEND_LIMIT',
      `This challenge was already resent ${maxResends} times (otp.maxResends); start a new one with OtpService.send().`,
    );
  }
}

/** `resend()` named a challenge that does not exist (never did, used, cancelled or long expired). */
export class OtpChallengeNotFoundError extends OtpError {
  override readonly name: string = 'OtpChallengeNotFoundError';

  constructor() {
    super(
      'OTP_CHALLENGE_NOT_FOUND',
      'Unknown, used or cancelled one-time password challenge; start a new one with OtpService.send().',
    );
  }
}

/** `resend()` named a challenge locked after too many wrong codes; it cannot be revived. */
export class OtpChallengeLockedError extends OtpError {
  override readonly name: string = 'OtpChallengeLockedError';

  constructor(
    /**
     * Seconds until `OtpService.send()` will really accept a new code for this phone and
     * account (its send caps and `otp.lockout`); 0: now.
     */
    readonly retryAfterSeconds: number,
  ) {
    super(
      'OTP_CHALLENGE_LOCKED',
      'This one-time password challenge is locked after too many wrong codes (otp.maxAttempts); start a new one with OtpService.send().',
    );
  }
}

/**
 * The account (the `subject`, else the phone number) is locked by `otp.lockout`: too many
 * consecutive wrong codes across its challenges. Every send, resend and verification for it is
 * refused until `retryAfterSeconds` have passed, or until `OtpService.unlock()` lifts the lock
 * (support staff). Answer HTTP 429 with `Retry-After`.
 */
export class OtpLockedError extends OtpError {
  override readonly name: string = 'OtpLockedError';

  constructor(
    /** Whole seconds (≥ 1) until the lock ends. */
    readonly retryAfterSeconds: number,
  ) {
    super(
      'OTP_SUBJECT_LOCKED',
      `Too many wrong one-time passwords for this account (otp.lockout): sending and verifying codes is refused for ${retryAfterSeconds} s, or until OtpService.unlock() lifts the lock.`,
    );
  }
}

/**
 * The SMS of a new challenge may or may not have reached the provider (a timeout after the
 * request was written, a malformed reply, an HTTP 5xx other than 503): the challenge is kept,
 * valid and verifiable, because the user may receive the code. `challenge` is the challenge as
 * `send()` would have returned it; `cause` is the transport's error. Show the user the code
 * entry (the code may arrive) and allow a resend after the cooldown.
 */
export class OtpDeliveryUncertainError extends OtpError {
  override readonly name: string = 'OtpDeliveryUncertainError';
  /** The kept challenge's id (also `challenge.challengeId`). */
  readonly challengeId: string;

  constructor(
    readonly challenge: {
      readonly challengeId: string;
      readonly expiresAt: Date;
      readonly resendAvailableAt: Date;
      readonly maskedPhone: string;
      readonly attemptsLeft: number;
    },
    options?: { cause?: unknown },
  ) {
    super(
      'OTP_DELIVERY_UNCERTAIN',
      `The one-time password SMS to ${challenge.maskedPhone} may or may not have been sent (the provider's answer was lost); challenge ${challenge.challengeId} is kept and its code can be verified. Offer a resend after the cooldown.`,
      options,
    );
    this.challengeId = challenge.challengeId;
  }
}

/**
 * The OTP store (Redis, or your own) could not be reached or did not answer in time, so the
 * service cannot decide. Verification fails closed: nothing is accepted while this is thrown.
 * Answer HTTP 503 and retry later; the store recovers by itself when it is back.
 */
export class OtpStoreUnavailableError extends OtpError {
  override readonly name: string = 'OtpStoreUnavailableError';

  constructor(detail: string, options?: { cause?: unknown }) {
    super(
      'OTP_STORE_UNAVAILABLE',
      `The one-time password store is unavailable (${detail}); nothing was accepted. Check the store (otp.store) and retry.`,
      options,
    );
  }
}
