import { InvalidOptionsError, SmsValidationError } from '../../errors/validation.error.js';
import { checkIntegerOption as integer, rejectUnknownOptions } from '../../errors/option-checks.js';
import { normalizePhoneNumber } from '../../phone/phone-number.js';
import type { OtpDeliveryTrackingOptions, OtpLimitKey, OtpLockoutOptions } from '../otp.options.js';
import type { OtpLockoutPolicy } from '../stores/otp.store.js';
import type { OtpTextExtras } from '../otp-template.js';
import { rules } from './otp-option-checks.js';
import {
  DEFAULT_BIND_LIMIT,
  OTP_DEFAULTS,
  type ResolvedDeliveryTracking,
  type ResolvedOtpLimitKey,
} from './resolved-otp-options.js';

// The options of the OTP operations: account lockout, delivery tracking, bound-value lengths,
// WebOTP / SMS Retriever lines, test numbers and named caps.

const KNOWN_TRACKING_OPTIONS: Record<keyof OtpDeliveryTrackingOptions, true> = {
  initialDelayMs: true,
  maxDelayMs: true,
  factor: true,
};

export function trackDelivery(value: unknown): ResolvedDeliveryTracking | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) return OTP_DEFAULTS.trackDelivery;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidOptionsError(
      'otp.trackDelivery',
      'expected true, false or { initialDelayMs, maxDelayMs, factor }',
    );
  }
  rejectUnknownOptions(value, KNOWN_TRACKING_OPTIONS, 'otp.trackDelivery');
  const given = value as OtpDeliveryTrackingOptions;
  const defaults = OTP_DEFAULTS.trackDelivery;
  const initialDelayMs = integer(
    given.initialDelayMs,
    'otp.trackDelivery.initialDelayMs',
    defaults.initialDelayMs,
    1,
    600_000,
  );
  const maxDelayMs = integer(
    given.maxDelayMs,
    'otp.trackDelivery.maxDelayMs',
    Math.max(defaults.maxDelayMs, initialDelayMs),
    initialDelayMs,
    3_600_000,
  );
  const factor = given.factor ?? defaults.factor;
  if (typeof factor !== 'number' || !(factor >= 1 && factor <= 10)) {
    throw new InvalidOptionsError('otp.trackDelivery.factor', 'expected a number from 1 to 10');
  }
  return Object.freeze({ initialDelayMs, maxDelayMs, factor });
}

export function bindLimits(value: unknown): Readonly<Record<string, number>> {
  if (value === undefined) return OTP_DEFAULTS.bindLimits;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidOptionsError(
      'otp.bindLimits',
      'expected an object of lengths, e.g. { amount: 16, payee: 40 }',
    );
  }
  const limits: Record<string, number> = { ...OTP_DEFAULTS.bindLimits };
  for (const [key, limit] of Object.entries(value as Record<string, unknown>)) {
    limits[key] = integer(limit, `otp.bindLimits.${key}`, DEFAULT_BIND_LIMIT, 1, 200);
  }
  return Object.freeze(limits);
}

const HOSTNAME =
  /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/i;

export function textExtras(webOtpDomain: unknown, androidAppHash: unknown): OtpTextExtras {
  if (
    webOtpDomain !== undefined &&
    (typeof webOtpDomain !== 'string' || !HOSTNAME.test(webOtpDomain))
  ) {
    throw new InvalidOptionsError(
      'otp.webOtpDomain',
      "expected the site's host name, e.g. 'bank.com.tr' (no scheme, port or path)",
    );
  }
  if (
    androidAppHash !== undefined &&
    (typeof androidAppHash !== 'string' || !/^[A-Za-z0-9+/]{11}$/.test(androidAppHash))
  ) {
    throw new InvalidOptionsError(
      'otp.androidAppHash',
      "expected the app's 11-character SMS Retriever hash (letters, digits, + and /)",
    );
  }
  return Object.freeze({
    ...(webOtpDomain === undefined ? {} : { webOtpDomain: webOtpDomain.toLowerCase() }),
    ...(androidAppHash === undefined ? {} : { androidAppHash }),
  });
}

export function testNumbers(
  value: unknown,
  allowInProduction: unknown,
  allowedCountries: readonly string[],
): ReadonlyMap<string, string> {
  const map = new Map<string, string>();
  if (allowInProduction !== undefined && typeof allowInProduction !== 'boolean') {
    throw new InvalidOptionsError('otp.allowTestNumbersInProduction', 'expected true or false');
  }
  if (value === undefined) return map;
  if (!Array.isArray(value)) {
    throw new InvalidOptionsError('otp.testNumbers', 'expected an array of { phone, code }');
  }
  value.forEach((entry: unknown, index) => {
    const path = `otp.testNumbers[${index}]`;
    const { phone, code } = (entry ?? {}) as { phone?: unknown; code?: unknown };
    let canonical: string;
    try {
      canonical = normalizePhoneNumber(phone, { allowedCountries, field: `${path}.phone` });
    } catch (error) {
      if (error instanceof SmsValidationError) {
        throw new InvalidOptionsError(
          `${path}.phone`,
          'expected a mobile number of otp.allowedCountries',
        );
      }
      throw error;
    }
    if (typeof code !== 'string' || !/^\d{4,10}$/.test(code)) {
      throw new InvalidOptionsError(`${path}.code`, 'expected a string of 4 to 10 digits');
    }
    if (map.has(canonical)) {
      throw new InvalidOptionsError(`${path}.phone`, 'this number is listed twice');
    }
    map.set(canonical, code);
  });
  if (map.size > 0 && process.env['NODE_ENV'] === 'production' && allowInProduction !== true) {
    throw new InvalidOptionsError(
      'otp.testNumbers',
      'test numbers (no SMS, a fixed code) are refused with NODE_ENV=production; remove them, or set otp.allowTestNumbersInProduction: true if an app-store review build really needs them',
    );
  }
  return map;
}

const LIMIT_KEY_NAME = /^[A-Za-z0-9_.-]{1,40}$/;

export function limitKeys(value: unknown): readonly ResolvedOtpLimitKey[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    throw new InvalidOptionsError('otp.limitKeys', 'expected an array of { name, key, limits }');
  }
  const names = new Set<string>();
  return Object.freeze(
    value.map((entry: unknown, index) => {
      const path = `otp.limitKeys[${index}]`;
      if (entry === null || typeof entry !== 'object') {
        throw new InvalidOptionsError(path, 'expected { name, key, limits }');
      }
      rejectUnknownOptions(entry, { name: true, key: true, limits: true }, path);
      const { name, key, limits } = entry as Partial<OtpLimitKey>;
      if (typeof name !== 'string' || !LIMIT_KEY_NAME.test(name) || names.has(name)) {
        throw new InvalidOptionsError(
          `${path}.name`,
          'expected a unique name of 1 to 40 letters, digits, _, - or .',
        );
      }
      names.add(name);
      if (typeof key !== 'function') {
        throw new InvalidOptionsError(`${path}.key`, 'expected a function of the send request');
      }
      const resolvedLimits = rules(limits, `${path}.limits`, []);
      if (resolvedLimits.length === 0) {
        throw new InvalidOptionsError(
          `${path}.limits`,
          'expected at least one { limit, windowSeconds }',
        );
      }
      return Object.freeze({ name, key, limits: resolvedLimits });
    }),
  );
}

const KNOWN_LOCKOUT_OPTIONS: Record<keyof OtpLockoutOptions, true> = {
  maxFailures: true,
  windowSeconds: true,
  lockSeconds: true,
};

export function lockout(value: unknown): OtpLockoutPolicy | undefined {
  if (value === false) return undefined;
  if (
    value !== undefined &&
    (value === null || typeof value !== 'object' || Array.isArray(value))
  ) {
    throw new InvalidOptionsError(
      'otp.lockout',
      'expected { maxFailures, windowSeconds, lockSeconds } or false',
    );
  }
  const given = (value ?? {}) as OtpLockoutOptions;
  rejectUnknownOptions(given, KNOWN_LOCKOUT_OPTIONS, 'otp.lockout');
  const defaults = OTP_DEFAULTS.lockout;
  return Object.freeze({
    maxFailures: integer(
      given.maxFailures,
      'otp.lockout.maxFailures',
      defaults.maxFailures,
      1,
      1000,
    ),
    windowMs:
      integer(
        given.windowSeconds,
        'otp.lockout.windowSeconds',
        defaults.windowSeconds,
        1,
        31 * 86_400,
      ) * 1000,
    lockMs:
      integer(given.lockSeconds, 'otp.lockout.lockSeconds', defaults.lockSeconds, 1, 31 * 86_400) *
      1000,
  });
}
