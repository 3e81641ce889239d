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

/**
 * `otp.purposes[purpose]`: what differs for one purpose (`'3ds'`, `'login'`, …) from the module
 * defaults. A field left out takes the module's value (`otp.codeLength`, …). `send()`,
 * `resend()`, `status()` and `@RequireOtp({ purpose })` pick the profile up by the purpose.
 */
export interface OtpPurposeProfile {
  /** Digits per code, 4 to 10. */
  readonly codeLength?: number;
  /** Lifetime of a code in seconds (10 to 3600). */
  readonly ttlSeconds?: number;
  /** Wrong codes a challenge of this purpose accepts before it locks (1 to 10). */
  readonly maxAttempts?: number;
  /** Seconds after a send or resend before `resend()` may send a new code. */
  readonly resendCooldownSeconds?: number;
  /** How many times one challenge may be resent. */
  readonly maxResends?: number;
  /** SMS template without binding (measured at start-up, see `otp.maxSegments`). */
  readonly message?: OtpMessageTemplate;
  /** SMS template with a binding (measured at start-up, see `otp.maxSegments`). */
  readonly boundMessage?: OtpMessageTemplate;
  /** Originator (sender title, at most 11 characters) of this purpose's SMS. */
  readonly sender?: string;
  /** Send caps per phone number for this purpose (replace `otp.phoneLimits`; `[]` disables). */
  readonly phoneLimits?: readonly OtpRateLimitRule[];
}

/**
 * `otp.trackDelivery` in its object form: when to poll the provider's delivery status of a
 * challenge's SMS. Polls start `initialDelayMs` after the send and back off by `factor` up to
 * `maxDelayMs`, until a final status or the challenge's expiry.
 */
export interface OtpDeliveryTrackingOptions {
  /**
   * Milliseconds from the send to the first poll.
   * @default 2000
   */
  readonly initialDelayMs?: number;
  /**
   * Longest wait between two polls, in milliseconds.
   * @default 30000
   */
  readonly maxDelayMs?: number;
  /**
   * Back-off factor between polls (1 to 10).
   * @default 2
   */
  readonly factor?: number;
}

/** One `otp.testNumbers` entry: this phone gets no SMS and `code` verifies its challenges. */
export interface OtpTestNumber {
  /** The number, in any common form. */
  readonly phone: string;
  /** The fixed code (digits only, 4 to 10, the length of the purpose's `codeLength`). */
  readonly code: string;
}

/**
 * What an `otp.limitKeys` key function is given: the send request, with the canonical phone
 * (`905321234567`) and the purpose in force. `httpRequest` is the Express/Fastify request when
 * `@RequireOtp()` sends the challenge (or whatever the caller passed to `send()`).
 */
export interface OtpLimitKeyInput {
  readonly phone: string;
  readonly purpose: string;
  readonly subject?: string;
  readonly ip?: string;
  readonly bind?: Readonly<Record<string, string>>;
  readonly httpRequest?: unknown;
}

/**
 * `otp.limitKeys` entry: an extra named send cap whose counter is chosen by `key` (customer
 * number, device id, number prefix…). `key` returning `undefined`, `null` or `''` skips the
 * cap for that send. Counted in the same atomic store step as every other cap; a refusal names
 * the cap (`OtpRateLimitError.cap === name`).
 */
export interface OtpLimitKey {
  /** Name of the cap (letters, digits, `_`, `-`, `.`; at most 40). */
  readonly name: string;
  readonly key: (request: OtpLimitKeyInput) => string | number | undefined | null;
  /** Sliding windows, as in `otp.phoneLimits`. */
  readonly limits: readonly OtpRateLimitRule[];
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
   * Measured at start-up against `otp.maxSegments` (GSM-7 Turkish by default: one segment).
   * @default 'Dogrulama kodunuz: {code}. Kod {minutes} dakika gecerlidir. Bu kodu kimseyle paylasmayin.'
   */
  readonly message?: OtpMessageTemplate;
  /**
   * SMS template of a challenge with a binding (`bind`), which should show what is confirmed.
   * Every placeholder must be given by the binding (or be `{code}`, `{minutes}`, `{purpose}`).
   * Measured at start-up with every bound value at its `otp.bindLimits` length.
   * @default '{payee} icin {amount} {currency} tutarli islem onay kodunuz: {code}. Kimseyle paylasmayin.'
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
   * Audit and metrics callbacks (`onSent`, `onResent`, `onDelivered`, `onUndelivered`,
   * `onVerified`, `onFailed`, `onLocked`, `onUnlocked`, `onCancelled`, `onExpired`,
   * `onRateLimited`, `onTestNumberUsed`); the same events are emitted on `OtpService.events`.
   * Payloads never hold a code or the secret. A hook that throws or rejects is logged.
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
  /**
   * A profile per purpose: `{ '3ds': { maxAttempts: 4, ttlSeconds: 120 }, login: { codeLength: 6 } }`.
   * Unknown fields stop start-up.
   */
  readonly purposes?: Readonly<Record<string, OtpPurposeProfile>>;
  /**
   * Poll the provider's delivery status of every challenge's SMS (from the instance that sent
   * it) until a final status or expiry; `OtpService.status()` shows it and `delivered` /
   * `undelivered` events fire. Polling stops on application shutdown.
   * @default false
   */
  readonly trackDelivery?: boolean | OtpDeliveryTrackingOptions;
  /**
   * Segments (SMS parts) a code's SMS may cost. Every configured template is measured at
   * start-up for its worst case (longest code, bound values at their `otp.bindLimits`, the
   * WebOTP and SMS Retriever lines); start-up fails when one exceeds this.
   * @default 1
   */
  readonly maxSegments?: number;
  /**
   * Longest allowed length (characters) of each bound value; a longer one is refused at send
   * (`INVALID_OTP_BINDING`). A bound value not listed here may be at most 40 characters.
   * @default { amount: 16, currency: 3, payee: 40 }
   */
  readonly bindLimits?: Readonly<Record<string, number>>;
  /**
   * WebOTP (origin-bound code): the SMS ends with the line `@<domain> #<code>`, so a browser on
   * that site can offer the code (`navigator.credentials.get({ otp })`).
   */
  readonly webOtpDomain?: string;
  /** Android SMS Retriever: the app's 11-character hash, added on its own line. */
  readonly androidAppHash?: string;
  /**
   * Numbers for app-store reviewers and load tests: no SMS is sent, the fixed code verifies,
   * `testNumberUsed` fires on every use. Attempts, lockout, send caps and expiry still apply.
   * Refused at start-up when `NODE_ENV=production` unless `allowTestNumbersInProduction`.
   */
  readonly testNumbers?: readonly OtpTestNumber[];
  /** Allows `otp.testNumbers` with `NODE_ENV=production`. @default false */
  readonly allowTestNumbersInProduction?: boolean;
  /**
   * App-wide caps on codes sent (sends and resends), against SMS-pumping spikes. Same shape as
   * `phoneLimits`. @default [] (none)
   */
  readonly globalLimits?: readonly OtpRateLimitRule[];
  /** Extra named send caps keyed by a function of the send request. @default [] */
  readonly limitKeys?: readonly OtpLimitKey[];
}
