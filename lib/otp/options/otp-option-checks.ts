import { InvalidOptionsError } from '../../errors/validation.error.js';
import type { OtpHooks } from '../otp.events.js';
import type { OtpRateLimitRule } from '../otp.options.js';
import type { OtpMessageTemplate } from '../otp-template.js';
import { MIN_OTP_SECRET_BYTES, OTP_DEFAULTS } from './resolved-otp-options.js';

// The checks of single `otp` values (secret, caps, countries, templates, hooks, clock, sender),
// shared by the module-level options and the purpose profiles.

export function toSecret(value: unknown): Buffer {
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

export function rules(
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

export function countries(value: unknown): readonly string[] {
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

export function template(value: unknown, name: string, fallback: string): OtpMessageTemplate {
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

export function hooks(value: unknown): OtpHooks {
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

export function clock(value: unknown): () => number {
  if (value === undefined) return Date.now;
  if (typeof value !== 'function') {
    throw new InvalidOptionsError('otp.clock', 'expected a function returning epoch milliseconds');
  }
  return value as () => number;
}

export function sender(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.trim() === '' || value.length > 11) {
    throw new InvalidOptionsError(name, 'expected an originator of 1 to 11 characters');
  }
  return value;
}
