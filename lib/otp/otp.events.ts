import type { DeliveryStatus } from '../transports/sms-transport.types.js';

/**
 * Audit and metrics events of `OtpService`. Emitted on `OtpService.events` and passed to the
 * `otp.hooks` callbacks. No payload ever holds a code, a code hash or the secret; phone numbers
 * appear only masked (`+90 532 *** ** 67`).
 */

/**
 * What every lifecycle event carries. `challengeId`, `purpose` and `maskedPhone` are set
 * whenever the event concerns a known challenge (they are absent only where no challenge is
 * known: an id that was never issued, a send refused before a challenge existed, `unlock()`).
 */
export interface OtpEventBase {
  /** The challenge the event concerns. */
  readonly challengeId?: string;
  /** The challenge's purpose. */
  readonly purpose?: string;
  /** The challenge's subject (user or customer id), when it has one. */
  readonly subject?: string;
  /** The phone, masked (`+90 532 *** ** 67`). */
  readonly maskedPhone?: string;
  /** When it happened (the service's clock). */
  readonly at: Date;
}

/** `sent` (every code sent: `send()` and `resend()`) and `resent` (`resend()` only). */
export interface OtpSentEvent extends OtpEventBase {
  readonly challengeId: string;
  readonly purpose: string;
  readonly maskedPhone: string;
  readonly expiresAt: Date;
  /** `true` for `resend()`. */
  readonly resend: boolean;
  /** The provider's message id, when it gave one (none for a test number). */
  readonly messageId?: string;
}

/** `delivered` / `undelivered`: `otp.trackDelivery` read a final status from the provider. */
export interface OtpDeliveryEvent extends OtpEventBase {
  readonly challengeId: string;
  readonly purpose: string;
  readonly maskedPhone: string;
  readonly messageId: string;
  /** The package's delivery status (`delivered`, `undelivered`, `expired`, `rejected`, …). */
  readonly status: DeliveryStatus;
  /** The provider's raw status code (`400`, `412`, …). */
  readonly providerCode: string;
}

/** `verified`: a code was accepted (the challenge is used up). */
export interface OtpVerifiedEvent extends OtpEventBase {
  readonly challengeId: string;
  readonly purpose: string;
  readonly maskedPhone: string;
}

/** `failed`: a verification was refused. */
export interface OtpFailedEvent extends OtpEventBase {
  /** `''` for an id this service never issues (malformed). */
  readonly challengeId: string;
  /** `invalid`: wrong code or another purpose/subject/binding (counted); the rest are not counted. */
  readonly reason: 'invalid' | 'expired' | 'locked' | 'not_found';
  readonly attemptsLeft: number;
}

/**
 * `locked`: something just locked. `scope: 'challenge'` (or absent, as before `otp.lockout`
 * existed): a challenge, its last allowed wrong code was presented. `scope: 'account'`: the
 * account (the `subject`, else the phone) reached `otp.lockout.maxFailures` consecutive wrong
 * codes; its sends and verifications are refused until `lockedUntil` or `OtpService.unlock()`.
 */
export interface OtpLockedEvent extends OtpEventBase {
  readonly scope?: 'challenge' | 'account';
  /** The challenge whose wrong code locked it. */
  readonly challengeId: string;
  readonly purpose: string;
  readonly maskedPhone: string;
  /** With `scope: 'account'`: when the lock ends (unless lifted earlier). */
  readonly lockedUntil?: Date;
}

/** `unlocked`: `OtpService.unlock()` lifted an account's lock (or cleared its failures). No challenge. */
export interface OtpUnlockedEvent extends OtpEventBase {
  /** Whether the account was locked (else only its count of failures was cleared). */
  readonly wasLocked: boolean;
}

/** Which cap refused a send or resend. */
export type OtpRateLimitedLimit =
  'phone' | 'ip' | 'global' | 'key' | 'resend_cooldown' | 'max_resends' | 'account_locked';

/** `rateLimited` (also emitted as `rate-limited`): a send or resend was refused by a limit. */
export interface OtpRateLimitedEvent extends OtpEventBase {
  /** Which limit refused it (`account_locked`: `otp.lockout`; `key`: an `otp.limitKeys` cap). */
  readonly limit: OtpRateLimitedLimit;
  /** The cap's name: `phone`, `ip`, `global`, or the `otp.limitKeys` name. */
  readonly cap?: string;
  readonly retryAfterSeconds?: number;
  /** The client IP given to `send()`, when the IP limit refused it. */
  readonly ip?: string;
}

/** `cancelled`: a challenge was cancelled with `cancel()`. */
export interface OtpCancelledEvent extends OtpEventBase {
  readonly challengeId: string;
  readonly purpose: string;
  readonly maskedPhone: string;
}

/** `expired`: a code was presented for a challenge past its expiry (with `failed`, reason `expired`). */
export interface OtpExpiredEvent extends OtpEventBase {
  readonly challengeId: string;
  readonly purpose: string;
  readonly maskedPhone: string;
}

/** `testNumberUsed`: an `otp.testNumbers` number was sent a challenge (no SMS) or verified. */
export interface OtpTestNumberUsedEvent extends OtpEventBase {
  readonly challengeId: string;
  readonly purpose: string;
  readonly maskedPhone: string;
  readonly action: 'send' | 'resend' | 'verify';
}

/** Event name → listener arguments, for `OtpService.events` (a typed `EventEmitter`). */
export interface OtpEventMap {
  sent: [OtpSentEvent];
  resent: [OtpSentEvent];
  delivered: [OtpDeliveryEvent];
  undelivered: [OtpDeliveryEvent];
  verified: [OtpVerifiedEvent];
  failed: [OtpFailedEvent];
  locked: [OtpLockedEvent];
  unlocked: [OtpUnlockedEvent];
  cancelled: [OtpCancelledEvent];
  expired: [OtpExpiredEvent];
  rateLimited: [OtpRateLimitedEvent];
  /** The same as `rateLimited` (its first name, kept). */
  'rate-limited': [OtpRateLimitedEvent];
  testNumberUsed: [OtpTestNumberUsedEvent];
}

/**
 * `otp.hooks`: callbacks for the same events. A hook that throws or rejects is logged, never
 * fatal.
 */
export interface OtpHooks {
  readonly onSent?: (event: OtpSentEvent) => void | Promise<void>;
  readonly onResent?: (event: OtpSentEvent) => void | Promise<void>;
  readonly onDelivered?: (event: OtpDeliveryEvent) => void | Promise<void>;
  readonly onUndelivered?: (event: OtpDeliveryEvent) => void | Promise<void>;
  readonly onVerified?: (event: OtpVerifiedEvent) => void | Promise<void>;
  readonly onFailed?: (event: OtpFailedEvent) => void | Promise<void>;
  readonly onLocked?: (event: OtpLockedEvent) => void | Promise<void>;
  readonly onUnlocked?: (event: OtpUnlockedEvent) => void | Promise<void>;
  readonly onCancelled?: (event: OtpCancelledEvent) => void | Promise<void>;
  readonly onExpired?: (event: OtpExpiredEvent) => void | Promise<void>;
  readonly onRateLimited?: (event: OtpRateLimitedEvent) => void | Promise<void>;
  readonly onTestNumberUsed?: (event: OtpTestNumberUsedEvent) => void | Promise<void>;
}
