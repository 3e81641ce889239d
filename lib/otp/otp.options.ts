import type { OtpGuardModuleOptions } from './guard/otp-guard.options.js';
import type { OtpHooks } from './otp.events.js';
import type { OtpMessageTemplate } from './otp-template.js';
import type { OtpStore } from './stores/otp.store.js';
import type { RedisOtpStoreOptions } from './stores/redis-otp.store.js';

/**
 * One sliding-window send limit: at most `limit` one-time passwords within any
 * `windowSeconds`-long period.
 */
export interface OtpRateLimitRule {
  /** How many sends the window allows (≥ 1). */
  readonly limit: number;
  /** Length of the sliding window, in seconds. */
  readonly windowSeconds: number;
}

/**
 * `otp.lockout`: a cumulative lock per account (the `subject` when given, else the phone
 * number), across challenges. NIST SP 800-63B §5.2.2 caps consecutive failed attempts per
 * account; without it every new challenge brings `maxAttempts` fresh guesses.
 */
export interface OtpLockoutOptions {
  /**
   * Consecutive wrong codes (across all the account's challenges, within `windowSeconds`) that
   * lock the account. A right code resets the count.
   * @default 10
   */
  readonly maxFailures?: number;
  /**
   * Sliding window, in seconds, the failures are counted in.
   * @default 86400
   */
  readonly windowSeconds?: number;
  /**
   * How long, in seconds, a locked account's sends and verifications are refused
   * (`OtpLockedError`, HTTP 429) unless `OtpService.unlock()` lifts the lock first.
   * @default 86400
   */
  readonly lockSeconds?: number;
}

/** `otp.store` in its Redis form: `{ type: 'redis', url }` or `{ type: 'redis', client }`. */
export interface RedisOtpStoreConfig extends RedisOtpStoreOptions {
  readonly type: 'redis';
}

/** Where challenges and counters live. */
export type OtpStoreOption = 'memory' | OtpStore | RedisOtpStoreConfig;

/** `otp` in the module options. Every field is optional except `secret` in production. */
export interface OtpModuleOptions {
  /**
   * Key of the HMAC-SHA256 that codes are stored under (the store never holds a code), at least
   * 32 bytes: a string (its UTF-8 bytes) or a `Buffer`. Generate one with
   * `openssl rand -base64 48` and keep it in your secret store. Every instance sharing a store
   * needs the same secret.
   *
   * Required with the wire transports. With the `memory` transport (development and tests) it
   * may be left out: a random secret is generated per process and a warning is logged on first
   * use (codes then do not survive a restart and cannot be shared between instances).
   */
  readonly secret?: string | Buffer;
  /**
   * Digits per code, 4 to 10.
   * @default 6
   */
  readonly codeLength?: number;
  /**
   * Lifetime of a code in seconds (the OTP host's own message validity is 3 minutes).
   * @default 180
   */
  readonly ttlSeconds?: number;
  /**
   * Wrong codes a challenge accepts before it locks (PSD2 RTS art. 4: at most 5).
   * A code presented with another purpose, subject or binding counts as a wrong code.
   * @default 5
   */
  readonly maxAttempts?: number;
  /**
   * Seconds after a send or resend before `resend()` may send a new code.
   * @default 30
   */
  readonly resendCooldownSeconds?: number;
  /**
   * How many times one challenge may be resent (each resend voids the previous code).
   * @default 3
   */
  readonly maxResends?: number;
  /**
   * Send caps per phone number (sliding windows; sends and resends both count). `[]` disables.
   * @default [{ limit: 5, windowSeconds: 600 }, { limit: 20, windowSeconds: 86400 }]
   */
  readonly phoneLimits?: readonly OtpRateLimitRule[];
  /**
   * Send caps per client IP, applied when `send()` is given an `ip` (IPv6 counts per /64).
   * `[]` disables.
   * @default [{ limit: 20, windowSeconds: 600 }]
   */
  readonly ipLimits?: readonly OtpRateLimitRule[];
  /**
   * Countries (ISO 3166 alpha-2) whose mobile numbers may receive codes, against SMS pumping.
   * @default ['TR']
   */
  readonly allowedCountries?: readonly string[];
  /**
   * SMS template of a challenge without binding: `{code}`, `{minutes}`, `{purpose}` (and any
   * bound value). Or a function of those values returning the text.
   * @default 'Doğrulama kodunuz: {code}. Kod {minutes} dakika geçerlidir. Bu kodu kimseyle paylaşmayın.'
   */
  readonly message?: OtpMessageTemplate;
  /**
   * SMS template of a challenge with a binding (`bind`), which should show what is confirmed.
   * Every placeholder must be given by the binding (or be `{code}`, `{minutes}`, `{purpose}`).
   * @default '{payee} için {amount} {currency} tutarındaki işleminizi onaylamak için doğrulama kodunuz: {code}. Bu kodu kimseyle paylaşmayın.'
   */
  readonly boundMessage?: OtpMessageTemplate;
  /**
   * Where challenges and counters live: `'memory'` (one process), `{ type: 'redis', url }` or
   * `{ type: 'redis', client }` (several instances; needs the optional peer `ioredis`), or your
   * own `OtpStore` instance.
   * @default 'memory'
   */
  readonly store?: OtpStoreOption;
  /**
   * Audit and metrics callbacks (`onSent`, `onVerified`, `onFailed`, `onLocked`, `onUnlocked`,
   * `onRateLimited`, `onCancelled`); the same events are emitted on `OtpService.events`. Payloads never hold a
   * code or the secret.
   */
  readonly hooks?: OtpHooks;
  /**
   * Current time in epoch milliseconds; replace it in tests to move time without sleeping.
   * @default Date.now
   */
  readonly clock?: () => number;
  /**
   * Cumulative lock per account across challenges; `false` turns it off (not recommended).
   * @default { maxFailures: 10, windowSeconds: 86400, lockSeconds: 86400 }
   */
  readonly lockout?: false | OtpLockoutOptions;
  /** Defaults of `OtpGuard` / `@RequireOtp()`. */
  readonly guard?: OtpGuardModuleOptions;
}
