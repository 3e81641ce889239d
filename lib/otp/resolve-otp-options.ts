import { randomBytes } from 'node:crypto';
import { checkIntegerOption as integer, rejectUnknownOptions } from '../errors/option-checks.js';
import { InvalidOptionsError } from '../errors/validation.error.js';
import type { PostaGuverciniModuleOptions } from '../posta-guvercini.options.js';
import { InMemoryTransport } from '../transports/in-memory.transport.js';
import type { OtpHooks } from './otp.events.js';
import type { OtpLockoutOptions, OtpModuleOptions, OtpRateLimitRule } from './otp.options.js';
import type { OtpLockoutPolicy } from './stores/otp.store.js';
import {
  DEFAULT_OTP_BOUND_MESSAGE,
  DEFAULT_OTP_MESSAGE,
  type OtpMessageTemplate,
} from './otp-template.js';

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
});

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

  return {
    secret,
    generatedSecret,
    codeLength: integer(otp.codeLength, 'otp.codeLength', OTP_DEFAULTS.codeLength, 4, 10),
    ttlSeconds: integer(otp.ttlSeconds, 'otp.ttlSeconds', OTP_DEFAULTS.ttlSeconds, 10, 3600),
    maxAttempts: integer(otp.maxAttempts, 'otp.maxAttempts', OTP_DEFAULTS.maxAttempts, 1, 10),
    resendCooldownSeconds: integer(
      otp.resendCooldownSeconds,
      'otp.resendCooldownSeconds',
      OTP_DEFAULTS.resendCooldownSeconds,
      0,
      3600,
    ),
    maxResends: integer(otp.maxResends, 'otp.maxResends', OTP_DEFAULTS.maxResends, 0, 10),
    phoneLimits: rules(otp.phoneLimits, 'otp.phoneLimits', OTP_DEFAULTS.phoneLimits),
    ipLimits: rules(otp.ipLimits, 'otp.ipLimits', OTP_DEFAULTS.ipLimits),
    allowedCountries: countries(otp.allowedCountries),
    message: template(otp.message, 'otp.message', DEFAULT_OTP_MESSAGE),
    boundMessage: template(otp.boundMessage, 'otp.boundMessage', DEFAULT_OTP_BOUND_MESSAGE),
    hooks: hooks(otp.hooks),
    clock: clock(otp.clock),
    lockout: lockout(otp.lockout),
  };
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
  'onVerified',
  'onFailed',
  'onLocked',
  'onUnlocked',
  'onRateLimited',
  'onCancelled',
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
