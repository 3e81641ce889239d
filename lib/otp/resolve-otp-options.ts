import { randomBytes } from 'node:crypto';
import { checkIntegerOption as integer, rejectUnknownOptions } from '../errors/option-checks.js';
import { InvalidOptionsError } from '../errors/validation.error.js';
import type { OtpModuleOptions } from './otp.options.js';
import { DEFAULT_OTP_BOUND_MESSAGE, DEFAULT_OTP_MESSAGE } from './otp-template.js';
import { clock, countries, hooks, rules, toSecret } from './options/otp-option-checks.js';
import {
  bindLimits,
  limitKeys,
  lockout,
  testNumbers,
  textExtras,
  trackDelivery,
} from './options/otp-operation-options.js';
import { profile, purposes } from './options/otp-profiles.js';
import { checkTemplateSegments } from './options/otp-template-check.js';
import {
  MIN_OTP_SECRET_BYTES,
  OTP_DEFAULTS,
  type ResolvedOtpOptions,
  SECRET_REQUIRED,
} from './options/resolved-otp-options.js';

export {
  DEFAULT_BIND_LIMIT,
  MIN_OTP_SECRET_BYTES,
  OTP_DEFAULTS,
  SECRET_REQUIRED,
  otpProfileOf,
} from './options/resolved-otp-options.js';
export type {
  ResolvedDeliveryTracking,
  ResolvedOtpLimitKey,
  ResolvedOtpOptions,
  ResolvedOtpProfile,
} from './options/resolved-otp-options.js';

/** What `resolveOtpOptions` needs: the `otp` block as given, and one fact about the transport. */
export interface OtpOptionsInput {
  /** The module's `otp` option, as the app gave it (`undefined`: no `otp` block). */
  readonly otp?: OtpModuleOptions | undefined;
  /**
   * Whether the module's transport is the in-memory one: then a missing `otp.secret` is
   * generated per process (the module's provider computes it from `transport`).
   */
  readonly transportIsInMemory: boolean;
}

/**
 * Every `otp` option, so a misspelt one (`maxAttemps`) stops the app instead of leaving the
 * default silently in force. Typed against `OtpModuleOptions`: adding an option there without
 * listing it here fails to compile.
 */
const KNOWN_OTP_OPTIONS: Record<keyof OtpModuleOptions, true> = {
  secret: true,
  codeLength: true,
  ttlSeconds: true,
  maxAttempts: true,
  resendCooldownSeconds: true,
  maxResends: true,
  phoneLimits: true,
  ipLimits: true,
  allowedCountries: true,
  message: true,
  boundMessage: true,
  store: true,
  hooks: true,
  clock: true,
  lockout: true,
  guard: true,
  purposes: true,
  trackDelivery: true,
  maxSegments: true,
  bindLimits: true,
  webOtpDomain: true,
  androidAppHash: true,
  testNumbers: true,
  allowTestNumbersInProduction: true,
  globalLimits: true,
  limitKeys: true,
};

/**
 * Validates `otp` once, at start-up (the module's `OTP_RESOLVED_OPTIONS` provider), and applies
 * the defaults. Throws `InvalidOptionsError`
 * naming the option (`otp.secret`, `otp.ttlSeconds`, …) and what is allowed, also for an
 * option that does not exist (`otp.maxAttemps`).
 *
 * The secret: required and ≥ 32 bytes whenever it is given, and whenever an `otp` block is
 * given with a wire transport. With the `memory` transport a missing secret is generated per
 * process. With no `otp` block at all and a wire transport (a bulk-only app), OTP stays
 * unconfigured and `OtpService` refuses to work, naming `otp.secret`.
 */
export function resolveOtpOptions(input: OtpOptionsInput): ResolvedOtpOptions {
  const given: unknown = input.otp;
  if (
    given !== undefined &&
    (given === null || typeof given !== 'object' || Array.isArray(given))
  ) {
    throw new InvalidOptionsError('otp', 'expected an object');
  }
  const otp = (given ?? {}) as OtpModuleOptions;
  rejectUnknownOptions(otp, KNOWN_OTP_OPTIONS, 'otp');

  let secret: Buffer | undefined;
  let generatedSecret = false;
  if (otp.secret !== undefined) {
    secret = toSecret(otp.secret);
  } else if (input.transportIsInMemory) {
    secret = randomBytes(MIN_OTP_SECRET_BYTES);
    generatedSecret = true;
  } else if (given !== undefined) {
    throw new InvalidOptionsError('otp.secret', SECRET_REQUIRED);
  }

  const defaultProfile = profile(otp, 'otp', {
    codeLength: OTP_DEFAULTS.codeLength,
    ttlSeconds: OTP_DEFAULTS.ttlSeconds,
    maxAttempts: OTP_DEFAULTS.maxAttempts,
    resendCooldownSeconds: OTP_DEFAULTS.resendCooldownSeconds,
    maxResends: OTP_DEFAULTS.maxResends,
    message: DEFAULT_OTP_MESSAGE,
    boundMessage: DEFAULT_OTP_BOUND_MESSAGE,
    sender: undefined,
    phoneLimits: OTP_DEFAULTS.phoneLimits,
  });
  const allowedCountries = countries(otp.allowedCountries);
  const resolved: ResolvedOtpOptions = {
    secret,
    generatedSecret,
    ...defaultProfile,
    ipLimits: rules(otp.ipLimits, 'otp.ipLimits', OTP_DEFAULTS.ipLimits),
    allowedCountries,
    hooks: hooks(otp.hooks),
    clock: clock(otp.clock),
    lockout: lockout(otp.lockout),
    defaultProfile,
    purposes: purposes(otp.purposes, defaultProfile),
    trackDelivery: trackDelivery(otp.trackDelivery),
    maxSegments: integer(otp.maxSegments, 'otp.maxSegments', OTP_DEFAULTS.maxSegments, 1, 10),
    bindLimits: bindLimits(otp.bindLimits),
    textExtras: textExtras(otp.webOtpDomain, otp.androidAppHash),
    testNumbers: testNumbers(otp.testNumbers, otp.allowTestNumbersInProduction, allowedCountries),
    globalLimits: rules(otp.globalLimits, 'otp.globalLimits', []),
    limitKeys: limitKeys(otp.limitKeys),
  };
  checkTemplateSegments(resolved, otp.guard?.message);
  return resolved;
}
