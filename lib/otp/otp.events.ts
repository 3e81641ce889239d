/**
 * Audit and metrics events of `OtpService`. Emitted on `OtpService.events` and passed to the
 * `otp.hooks` callbacks. No payload ever holds a code, a code hash or the secret; phone numbers
 * appear only masked (`+90 532 *** ** 67`).
 */

/** A code was sent (`send()`) or resent (`resend()`). */
export interface OtpSentEvent {
  readonly challengeId: string;
  readonly purpose: string;
  readonly subject?: string;
  readonly maskedPhone: string;
  readonly expiresAt: Date;
  /** `true` for `resend()`. */
  readonly resend: boolean;
  /** The provider's message id, when it gave one. */
  readonly messageId?: string;
  readonly at: Date;
}

/** A code was accepted (the challenge is used up). */
export interface OtpVerifiedEvent {
  readonly challengeId: string;
  readonly purpose: string;
  readonly subject?: string;
  readonly maskedPhone: string;
  readonly at: Date;
}

/** A verification was refused. */
export interface OtpFailedEvent {
  readonly challengeId: string;
  /** `invalid`: wrong code or another purpose/subject/binding (counted); the rest are not counted. */
  readonly reason: 'invalid' | 'expired' | 'locked' | 'not_found';
  /** Known unless `reason` is `not_found`. */
  readonly purpose?: string;
  readonly subject?: string;
  readonly maskedPhone?: string;
  readonly attemptsLeft: number;
  readonly at: Date;
}

/**
 * Something just locked. `scope: 'challenge'` (or absent, as before `otp.lockout` existed): a
 * challenge, its last allowed wrong code was presented. `scope: 'account'`: the account (the
 * `subject`, else the phone) reached `otp.lockout.maxFailures` consecutive wrong codes; its
 * sends and verifications are refused until `lockedUntil` or `OtpService.unlock()`.
 */
export interface OtpLockedEvent {
  readonly scope?: 'challenge' | 'account';
  /** The challenge whose wrong code locked it. */
  readonly challengeId: string;
  readonly purpose: string;
  readonly subject?: string;
  readonly maskedPhone: string;
  /** With `scope: 'account'`: when the lock ends (unless lifted earlier). */
  readonly lockedUntil?: Date;
  readonly at: Date;
}

/** `OtpService.unlock()` lifted an account's lock (or cleared its failures). */
export interface OtpUnlockedEvent {
  readonly subject?: string;
  /** With `unlock({ phone })`: the phone, masked. */
  readonly maskedPhone?: string;
  /** Whether the account was locked (else only its count of failures was cleared). */
  readonly wasLocked: boolean;
  readonly at: Date;
}

/** A send or resend was refused by a limit. */
export interface OtpRateLimitedEvent {
  /** Which limit refused it (`account_locked`: `otp.lockout`). */
  readonly limit: 'phone' | 'ip' | 'resend_cooldown' | 'max_resends' | 'account_locked';
  readonly retryAfterSeconds?: number;
  readonly purpose?: string;
  readonly subject?: string;
  readonly maskedPhone?: string;
  /** The client IP given to `send()`, when the IP limit refused it. */
  readonly ip?: string;
  /** Set when a resend was refused. */
  readonly challengeId?: string;
  readonly at: Date;
}

/** A challenge was cancelled with `cancel()`. */
export interface OtpCancelledEvent {
  readonly challengeId: string;
  readonly at: Date;
}

/** Event name → listener arguments, for `OtpService.events` (a typed `EventEmitter`). */
export interface OtpEventMap {
  sent: [OtpSentEvent];
  verified: [OtpVerifiedEvent];
  failed: [OtpFailedEvent];
  locked: [OtpLockedEvent];
  unlocked: [OtpUnlockedEvent];
  'rate-limited': [OtpRateLimitedEvent];
  cancelled: [OtpCancelledEvent];
}

/** `otp.hooks`: callbacks for the same events. A hook that throws or rejects is logged, never fatal. */
export interface OtpHooks {
  readonly onSent?: (event: OtpSentEvent) => void | Promise<void>;
  readonly onVerified?: (event: OtpVerifiedEvent) => void | Promise<void>;
  readonly onFailed?: (event: OtpFailedEvent) => void | Promise<void>;
  readonly onLocked?: (event: OtpLockedEvent) => void | Promise<void>;
  readonly onUnlocked?: (event: OtpUnlockedEvent) => void | Promise<void>;
  readonly onRateLimited?: (event: OtpRateLimitedEvent) => void | Promise<void>;
  readonly onCancelled?: (event: OtpCancelledEvent) => void | Promise<void>;
}
