import { InvalidOptionsError } from '../../errors/validation.error.js';
import { checkIntegerOption as integer, rejectUnknownOptions } from '../../errors/option-checks.js';
import type { OtpPurposeProfile } from '../otp.options.js';
import { DEFAULT_OTP_BOUND_MESSAGE, DEFAULT_OTP_MESSAGE } from '../otp-template.js';
import { rules, sender, template } from './otp-option-checks.js';
import type { ResolvedOtpProfile } from './resolved-otp-options.js';

// The purpose profiles: the module-level profile and each `otp.purposes` entry over it.

const KNOWN_PROFILE_OPTIONS: Record<keyof OtpPurposeProfile, true> = {
  codeLength: true,
  ttlSeconds: true,
  maxAttempts: true,
  resendCooldownSeconds: true,
  maxResends: true,
  message: true,
  boundMessage: true,
  sender: true,
  phoneLimits: true,
};

export function profile(
  given: OtpPurposeProfile,
  path: string,
  fallback: ResolvedOtpProfile,
): ResolvedOtpProfile {
  return Object.freeze({
    codeLength: integer(given.codeLength, `${path}.codeLength`, fallback.codeLength, 4, 10),
    ttlSeconds: integer(given.ttlSeconds, `${path}.ttlSeconds`, fallback.ttlSeconds, 10, 3600),
    maxAttempts: integer(given.maxAttempts, `${path}.maxAttempts`, fallback.maxAttempts, 1, 10),
    resendCooldownSeconds: integer(
      given.resendCooldownSeconds,
      `${path}.resendCooldownSeconds`,
      fallback.resendCooldownSeconds,
      0,
      3600,
    ),
    maxResends: integer(given.maxResends, `${path}.maxResends`, fallback.maxResends, 0, 10),
    message:
      given.message === undefined
        ? fallback.message
        : template(given.message, `${path}.message`, DEFAULT_OTP_MESSAGE),
    boundMessage:
      given.boundMessage === undefined
        ? fallback.boundMessage
        : template(given.boundMessage, `${path}.boundMessage`, DEFAULT_OTP_BOUND_MESSAGE),
    sender: given.sender === undefined ? fallback.sender : sender(given.sender, `${path}.sender`),
    phoneLimits: rules(given.phoneLimits, `${path}.phoneLimits`, fallback.phoneLimits),
  });
}

export function purposes(
  value: unknown,
  defaults: ResolvedOtpProfile,
): ReadonlyMap<string, ResolvedOtpProfile> {
  const map = new Map<string, ResolvedOtpProfile>();
  if (value === undefined) return map;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidOptionsError(
      'otp.purposes',
      "expected an object of profiles, e.g. { '3ds': { maxAttempts: 4, ttlSeconds: 120 } }",
    );
  }
  for (const [purpose, given] of Object.entries(value as Record<string, unknown>)) {
    const path = `otp.purposes.${purpose}`;
    // eslint-disable-next-line no-control-regex
    if (purpose.trim() === '' || purpose.length > 100 || /[\u0000-\u001f\u007f]/.test(purpose)) {
      throw new InvalidOptionsError(path, 'a purpose is 1 to 100 printable characters');
    }
    if (given === null || typeof given !== 'object' || Array.isArray(given)) {
      throw new InvalidOptionsError(path, 'expected a profile object');
    }
    rejectUnknownOptions(given, KNOWN_PROFILE_OPTIONS, path);
    map.set(purpose, profile(given, path, defaults));
  }
  return map;
}
