import type { OtpHooks } from '../otp.events.js';
import type { OtpLimitKey, OtpRateLimitRule } from '../otp.options.js';
import type { OtpLockoutPolicy } from '../stores/otp.store.js';
import type { OtpMessageTemplate, OtpTextExtras } from '../otp-template.js';

/** The settings of one purpose: the module defaults with its `otp.purposes` entry applied. */
export interface ResolvedOtpProfile {
  readonly codeLength: number;
  readonly ttlSeconds: number;
  readonly maxAttempts: number;
  readonly resendCooldownSeconds: number;
  readonly maxResends: number;
  readonly message: OtpMessageTemplate;
  readonly boundMessage: OtpMessageTemplate;
  readonly sender: string | undefined;
  readonly phoneLimits: readonly OtpRateLimitRule[];
}

/** `otp.trackDelivery` resolved (milliseconds). */
export interface ResolvedDeliveryTracking {
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  readonly factor: number;
}

/** `otp.limitKeys` entry, checked. */
export interface ResolvedOtpLimitKey {
  readonly name: string;
  readonly key: OtpLimitKey['key'];
  readonly limits: readonly OtpRateLimitRule[];
}

/** `otp` options with every default applied. */
export interface ResolvedOtpOptions {
  /** The HMAC key; `undefined` when OTP is not configured (no secret and a wire transport). */
  readonly secret: Buffer | undefined;
  /** Whether `secret` was generated for this process (memory transport, no `otp.secret`). */
  readonly generatedSecret: boolean;
  readonly codeLength: number;
  readonly ttlSeconds: number;
  readonly maxAttempts: number;
  readonly resendCooldownSeconds: number;
  readonly maxResends: number;
  readonly phoneLimits: readonly OtpRateLimitRule[];
  readonly ipLimits: readonly OtpRateLimitRule[];
  readonly allowedCountries: readonly string[];
  readonly message: OtpMessageTemplate;
  readonly boundMessage: OtpMessageTemplate;
  readonly hooks: OtpHooks;
  readonly clock: () => number;
  /** `otp.lockout` in milliseconds; `undefined` when turned off. */
  readonly lockout: OtpLockoutPolicy | undefined;
  /** The module-level profile (purposes without an `otp.purposes` entry). */
  readonly defaultProfile: ResolvedOtpProfile;
  /** `otp.purposes`, each with the defaults applied. */
  readonly purposes: ReadonlyMap<string, ResolvedOtpProfile>;
  readonly trackDelivery: ResolvedDeliveryTracking | undefined;
  readonly maxSegments: number;
  /** Longest length of each bound value (`*`: any value not listed). */
  readonly bindLimits: Readonly<Record<string, number>>;
  readonly textExtras: OtpTextExtras;
  /** Canonical phone → fixed code. */
  readonly testNumbers: ReadonlyMap<string, string>;
  readonly globalLimits: readonly OtpRateLimitRule[];
  readonly limitKeys: readonly ResolvedOtpLimitKey[];
}

export const OTP_DEFAULTS = Object.freeze({
  codeLength: 6,
  ttlSeconds: 180,
  maxAttempts: 5,
  resendCooldownSeconds: 30,
  maxResends: 3,
  phoneLimits: Object.freeze([
    Object.freeze({ limit: 5, windowSeconds: 600 }),
    Object.freeze({ limit: 20, windowSeconds: 86_400 }),
  ]),
  ipLimits: Object.freeze([Object.freeze({ limit: 20, windowSeconds: 600 })]),
  allowedCountries: Object.freeze(['TR']),
  lockout: Object.freeze({ maxFailures: 10, windowSeconds: 86_400, lockSeconds: 86_400 }),
  maxSegments: 1,
  bindLimits: Object.freeze({ amount: 16, currency: 3, payee: 40 }),
  trackDelivery: Object.freeze({ initialDelayMs: 2000, maxDelayMs: 30_000, factor: 2 }),
});

/** Longest length of a bound value that `otp.bindLimits` does not list. */
export const DEFAULT_BIND_LIMIT = 40;

/** Minimum length of `otp.secret` in bytes (the HMAC-SHA256 block-size guidance: ≥ hash size). */
export const MIN_OTP_SECRET_BYTES = 32;

export const SECRET_REQUIRED = `required: a random secret of at least ${MIN_OTP_SECRET_BYTES} bytes (codes are stored only as its HMAC), e.g. from \`openssl rand -base64 48\`; every instance sharing a store needs the same one`;

/** The profile of a purpose: its `otp.purposes` entry over the module defaults. */
export function otpProfileOf(options: ResolvedOtpOptions, purpose: string): ResolvedOtpProfile {
  return options.purposes.get(purpose) ?? options.defaultProfile;
}
