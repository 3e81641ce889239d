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

/** A challenge just locked: its last allowed wrong code was presented. */
export interface OtpLockedEvent {
  readonly challengeId: string;
  readonly purpose: string;
  readonly subject?: string;
  readonly maskedPhone: string;
  readonly at: Date;
}

/** A send or resend was refused by a limit. */
export interface OtpRateLimitedEvent {
  /** Which limit refused it. */
  readonly limit: 'phone' | 'ip' | 'resend_cooldown' | 'max_resends';
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
  'rate-limited': [OtpRateLimitedEvent];
  cancelled: [OtpCancelledEvent];
}

/** `otp.hooks`: callbacks for the same events. A hook that throws or rejects is logged, never fatal. */
export interface OtpHooks {
  readonly onSent?: (event: OtpSentEvent) => void | Promise<void>;
  readonly onVerified?: (event: OtpVerifiedEvent) => void | Promise<void>;
  readonly onFailed?: (event: OtpFailedEvent) => void | Promise<void>;
  readonly onLocked?: (event: OtpLockedEvent) => void | Promise<void>;
  readonly onRateLimited?: (event: OtpRateLimitedEvent) => void | Promise<void>;
  readonly onCancelled?: (event: OtpCancelledEvent) => void | Promise<void>;
}
