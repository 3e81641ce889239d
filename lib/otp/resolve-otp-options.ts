import { randomBytes } from 'node:crypto';
import { checkIntegerOption as integer, rejectUnknownOptions } from '../errors/option-checks.js';
import { InvalidOptionsError, SmsValidationError } from '../errors/validation.error.js';
import type { PostaGuverciniModuleOptions } from '../posta-guvercini.options.js';
import { InMemoryTransport } from '../transports/in-memory.transport.js';
import type { OtpHooks } from './otp.events.js';
import { normalizePhoneNumber } from '../phone/phone-number.js';
import type {
  OtpDeliveryTrackingOptions,
  OtpLimitKey,
  OtpLockoutOptions,
  OtpModuleOptions,
  OtpPurposeProfile,
  OtpRateLimitRule,
} from './otp.options.js';
import type { OtpLockoutPolicy } from './stores/otp.store.js';
import {
  DEFAULT_OTP_BOUND_MESSAGE,
  DEFAULT_OTP_MESSAGE,
  type OtpMessageTemplate,
  type OtpTextExtras,
  otpTemplatePlaceholders,
  otpTextSegments,
  renderOtpTemplate,
} from './otp-template.js';

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

/** Minimum length of `otp.secret` in bytes (the HMAC-SHA256 block-size guidance: ≥ hash size). */
export const MIN_OTP_SECRET_BYTES = 32;

/**
 * Validates `otp` once, at start-up, and applies the defaults. Throws `InvalidOptionsError`
 * naming the option (`otp.secret`, `otp.ttlSeconds`, …) and what is allowed, also for an
 * option that does not exist (`otp.maxAttemps`).
 *
 * The secret: required and ≥ 32 bytes whenever it is given, and whenever an `otp` block is
 * given with a wire transport. With the `memory` transport a missing secret is generated per
 * process. With no `otp` block at all and a wire transport (a bulk-only app), OTP stays
 * unconfigured and `OtpService` refuses to work, naming `otp.secret`.
 */
export function resolveOtpOptions(moduleOptions: PostaGuverciniModuleOptions): ResolvedOtpOptions {
  const given = moduleOptions.otp;
  if (
    given !== undefined &&
    (given === null || typeof given !== 'object' || Array.isArray(given))
  ) {
    throw new InvalidOptionsError('otp', 'expected an object');
  }
  const otp: OtpModuleOptions = given ?? {};
  rejectUnknownOptions(otp, KNOWN_OTP_OPTIONS, 'otp');

  const memoryTransport =
    (moduleOptions.transport ?? 'json') === 'memory' ||
    moduleOptions.transport instanceof InMemoryTransport;

  let secret: Buffer | undefined;
  let generatedSecret = false;
  if (otp.secret !== undefined) {
    secret = toSecret(otp.secret);
  } else if (memoryTransport) {
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

/** The profile of a purpose: its `otp.purposes` entry over the module defaults. */
export function otpProfileOf(options: ResolvedOtpOptions, purpose: string): ResolvedOtpProfile {
  return options.purposes.get(purpose) ?? options.defaultProfile;
}

function profile(
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

function sender(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.trim() === '' || value.length > 11) {
    throw new InvalidOptionsError(name, 'expected an originator of 1 to 11 characters');
  }
  return value;
}

function purposes(
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

const KNOWN_TRACKING_OPTIONS: Record<keyof OtpDeliveryTrackingOptions, true> = {
  initialDelayMs: true,
  maxDelayMs: true,
  factor: true,
};

function trackDelivery(value: unknown): ResolvedDeliveryTracking | undefined {
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

function bindLimits(value: unknown): Readonly<Record<string, number>> {
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

function textExtras(webOtpDomain: unknown, androidAppHash: unknown): OtpTextExtras {
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

function testNumbers(
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

function limitKeys(value: unknown): readonly ResolvedOtpLimitKey[] {
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

/**
 * Start-up check of `otp.maxSegments`: every configured template (module, each purpose, the
 * guard's string message), with and without binding, measured in its worst case: the longest
 * code of its profile, every bound placeholder at its `otp.bindLimits` length, `{minutes}` of
 * the profile, `{purpose}` as the profile's name, and the WebOTP / SMS Retriever lines.
 */
function checkTemplateSegments(options: ResolvedOtpOptions, guardMessage: unknown): void {
  const profiles: Array<[string, string, ResolvedOtpProfile]> = [
    ['otp', 'default', options.defaultProfile],
    ...[...options.purposes].map(([purpose, p]): [string, string, ResolvedOtpProfile] => [
      `otp.purposes.${purpose}`,
      purpose,
      p,
    ]),
  ];
  const longestPurpose = [...options.purposes.keys(), 'default'].reduce((a, b) =>
    b.length > a.length ? b : a,
  );
  for (const [path, purpose, p] of profiles) {
    const candidates: Array<[string, OtpMessageTemplate]> = [
      [`${path}.message`, p.message],
      [`${path}.boundMessage`, p.boundMessage],
    ];
    if (path === 'otp' && typeof guardMessage === 'string') {
      candidates.push(['otp.guard.message', guardMessage]);
    }
    for (const [name, template] of candidates) {
      const values: Record<string, string> = {
        minutes: String(Math.ceil(p.ttlSeconds / 60)),
        purpose: path === 'otp' ? longestPurpose : purpose,
      };
      const placeholders =
        typeof template === 'string'
          ? otpTemplatePlaceholders(template)
          : Object.keys(options.bindLimits);
      for (const placeholder of placeholders) {
        if (placeholder === 'code' || Object.hasOwn(values, placeholder)) continue;
        values[placeholder] = 'X'.repeat(options.bindLimits[placeholder] ?? DEFAULT_BIND_LIMIT);
      }
      let segments: number;
      try {
        segments = otpTextSegments(
          renderOtpTemplate(template, values, options.textExtras),
          p.codeLength,
        );
      } catch (error) {
        if (error instanceof SmsValidationError) {
          throw new InvalidOptionsError(name, error.message);
        }
        throw error;
      }
      if (segments > options.maxSegments) {
        throw new InvalidOptionsError(
          name,
          `costs ${segments} SMS segments in the worst case (a ${p.codeLength}-digit code, bound values at their otp.bindLimits lengths${options.textExtras.webOtpDomain === undefined && options.textExtras.androidAppHash === undefined ? '' : ', the WebOTP / SMS Retriever lines'}); otp.maxSegments allows ${options.maxSegments}. Shorten it (GSM-7 letters: 160 characters per segment; any ş ğ ı ç makes it UCS-2: 70), or raise otp.maxSegments`,
        );
      }
    }
  }
}

const KNOWN_LOCKOUT_OPTIONS: Record<keyof OtpLockoutOptions, true> = {
  maxFailures: true,
  windowSeconds: true,
  lockSeconds: true,
};

function lockout(value: unknown): OtpLockoutPolicy | undefined {
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

export const SECRET_REQUIRED = `required: a random secret of at least ${MIN_OTP_SECRET_BYTES} bytes (codes are stored only as its HMAC), e.g. from \`openssl rand -base64 48\`; every instance sharing a store needs the same one`;

function toSecret(value: unknown): Buffer {
  let bytes: Buffer;
  if (typeof value === 'string') bytes = Buffer.from(value, 'utf8');
  else if (value instanceof Uint8Array) bytes = Buffer.from(value);
  else throw new InvalidOptionsError('otp.secret', 'expected a string or a Buffer');
  if (bytes.length < MIN_OTP_SECRET_BYTES) {
    // The message states the length only, never any part of the secret.
    throw new InvalidOptionsError(
      'otp.secret',
      `too short (${bytes.length} bytes); expected at least ${MIN_OTP_SECRET_BYTES} random bytes, e.g. from \`openssl rand -base64 48\``,
    );
  }
  if (new Set(bytes).size < 8) {
    throw new InvalidOptionsError(
      'otp.secret',
      'looks like a placeholder (too few distinct characters); use a random value',
    );
  }
  return bytes;
}

function rules(
  value: unknown,
  name: string,
  fallback: readonly OtpRateLimitRule[],
): readonly OtpRateLimitRule[] {
  if (value === undefined) return fallback;
  if (!Array.isArray(value)) {
    throw new InvalidOptionsError(
      name,
      'expected an array of { limit, windowSeconds } ([] disables)',
    );
  }
  return Object.freeze(
    value.map((rule: unknown, index) => {
      const { limit, windowSeconds } = (rule ?? {}) as Partial<OtpRateLimitRule>;
      if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > 1_000_000) {
        throw new InvalidOptionsError(
          `${name}[${index}].limit`,
          'expected an integer from 1 to 1000000',
        );
      }
      if (
        typeof windowSeconds !== 'number' ||
        !Number.isInteger(windowSeconds) ||
        windowSeconds < 1 ||
        windowSeconds > 31 * 86_400
      ) {
        throw new InvalidOptionsError(
          `${name}[${index}].windowSeconds`,
          'expected an integer from 1 to 2678400 (31 days)',
        );
      }
      return Object.freeze({ limit, windowSeconds });
    }),
  );
}

function countries(value: unknown): readonly string[] {
  if (value === undefined) return OTP_DEFAULTS.allowedCountries;
  if (
    !Array.isArray(value) ||
    value.length === 0 ||
    !value.every((c) => typeof c === 'string' && /^[A-Z]{2}$/.test(c))
  ) {
    throw new InvalidOptionsError(
      'otp.allowedCountries',
      'expected a non-empty array of ISO 3166 alpha-2 codes such as ["TR"]',
    );
  }
  return Object.freeze([...(value as string[])]);
}

function template(value: unknown, name: string, fallback: string): OtpMessageTemplate {
  if (value === undefined) return fallback;
  if (typeof value === 'function') return value as OtpMessageTemplate;
  if (typeof value !== 'string' || !value.includes('{code}')) {
    throw new InvalidOptionsError(
      name,
      'expected a template string containing {code}, or a function of the values',
    );
  }
  return value;
}

const HOOK_NAMES = [
  'onSent',
  'onResent',
  'onDelivered',
  'onUndelivered',
  'onVerified',
  'onFailed',
  'onLocked',
  'onUnlocked',
  'onCancelled',
  'onExpired',
  'onRateLimited',
  'onTestNumberUsed',
] as const;

function hooks(value: unknown): OtpHooks {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object') {
    throw new InvalidOptionsError(
      'otp.hooks',
      `expected an object of callbacks (${HOOK_NAMES.join(', ')})`,
    );
  }
  for (const [key, hook] of Object.entries(value)) {
    if (!(HOOK_NAMES as readonly string[]).includes(key)) {
      throw new InvalidOptionsError(
        `otp.hooks.${key}`,
        `unknown hook; expected one of ${HOOK_NAMES.join(', ')}`,
      );
    }
    if (hook !== undefined && typeof hook !== 'function') {
      throw new InvalidOptionsError(`otp.hooks.${key}`, 'expected a function');
    }
  }
  return value;
}

function clock(value: unknown): () => number {
  if (value === undefined) return Date.now;
  if (typeof value !== 'function') {
    throw new InvalidOptionsError('otp.clock', 'expected a function returning epoch milliseconds');
  }
  return value as () => number;
}
