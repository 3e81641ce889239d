import { type CountryCode, parsePhoneNumberWithError } from 'libphonenumber-js/max';
import { SmsValidationError } from '../errors/validation.error.js';

/** Options of `normalizePhoneNumber()` and `isValidPhoneNumber()`. */
export interface NormalizePhoneOptions {
  /**
   * Countries whose mobile numbers are accepted (ISO 3166 alpha-2).
   * @default ['TR']
   */
  readonly allowedCountries?: readonly string[];
  /** Name of the field for the error message, e.g. `to[3]`. @default 'phone' */
  readonly field?: string;
}

const DEFAULT_COUNTRIES: readonly string[] = ['TR'];
/** `5XXXXXXXXX` with an optional `0`, `90`, `+90` or `0090` prefix (Turkish mobile ranges 50x–55x). */
const TURKISH_MOBILE = /^(?:\+90|0090|90|0)?(5[0-5]\d{8})$/;

/**
 * Normalises any common form of a mobile number to the canonical form the package uses
 * everywhere: country code + national number, digits only (`905321234567`).
 *
 * Accepts `+90 532 123 45 67`, `05321234567`, `5321234567`, `00905321234567`, `905321234567`
 * (with spaces, dots, dashes or parentheses). Anything that is not a valid mobile number of an
 * allowed country throws `SmsValidationError` (`INVALID_PHONE` or `PHONE_COUNTRY_NOT_ALLOWED`).
 * The message shows only a masked form of the input.
 */
export function normalizePhoneNumber(input: unknown, options: NormalizePhoneOptions = {}): string {
  const field = options.field ?? 'phone';
  const allowed = options.allowedCountries ?? DEFAULT_COUNTRIES;
  if (typeof input !== 'string' && typeof input !== 'number') {
    throw new SmsValidationError('INVALID_PHONE', `${field} must be a phone number string`, field);
  }
  const raw = String(input).trim();
  if (!/^\+?[\d\s().-]{7,24}$/.test(raw)) {
    throw new SmsValidationError(
      'INVALID_PHONE',
      `${field} is not a phone number (${maskRaw(raw)})`,
      field,
    );
  }
  const digits = raw.replace(/\D/g, '');
  // Fast path for the common case (a Turkish mobile in one of its usual forms): bulk campaigns
  // normalise millions of numbers, and the full parser costs ~10 µs each.
  const turkish = TURKISH_MOBILE.exec(raw.startsWith('+') ? `+${digits}` : digits);
  if (turkish && allowed.includes('TR')) return `90${turkish[1]}`;
  // Every Turkish mobile starts with 5: a Turkish number that does not (a landline such as
  // 0212 …, common in customer lists) is refused here exactly as the parser below refuses it
  // (the spec compares the two on every such form), without its ~10 µs.
  const candidate = parserInputOf(raw, digits);
  const national = turkishNationalOf(candidate);
  if (national !== undefined && national.charCodeAt(0) !== 53 /* 5 */) throw notMobile(field, raw);
  return normalizeWithParser(raw, candidate, field, allowed);
}

/**
 * What the parser reads: the `00` international prefix and a bare `90…` (12 digits) made an
 * explicit `+`, anything else as typed (digits only). Exported for the spec.
 * @internal
 */
export function parserInputOf(raw: string, digits: string): string {
  if (raw.startsWith('+')) return `+${digits}`;
  if (digits.startsWith('00')) return `+${digits.slice(2)}`;
  return digits.length === 12 && digits.startsWith('90') ? `+${digits}` : digits;
}

/**
 * `normalizePhoneNumber` past its Turkish shortcuts: libphonenumber-js decides on `candidate`
 * (from `parserInputOf`); exported for the spec, which checks the shortcuts against it.
 * @internal
 */
export function normalizeWithParser(
  raw: string,
  candidate: string,
  field: string,
  allowed: readonly string[],
): string {
  let parsed;
  try {
    parsed = parsePhoneNumberWithError(candidate, { defaultCountry: 'TR' });
  } catch (error) {
    throw new SmsValidationError(
      'INVALID_PHONE',
      `${field} is not a phone number (${maskRaw(raw)})`,
      field,
      { cause: error },
    );
  }
  const type = parsed.getType();
  if (!parsed.isValid() || (type !== 'MOBILE' && type !== 'FIXED_LINE_OR_MOBILE')) {
    throw notMobile(field, raw);
  }
  const country: CountryCode | undefined = parsed.country;
  if (country === undefined || !allowed.includes(country)) {
    throw new SmsValidationError(
      'PHONE_COUNTRY_NOT_ALLOWED',
      `${field} is a ${country ?? 'foreign'} number; allowed countries: ${allowed.join(', ')}`,
      field,
    );
  }
  return `${parsed.countryCallingCode}${parsed.nationalNumber}`;
}

function notMobile(field: string, raw: string): SmsValidationError {
  return new SmsValidationError(
    'INVALID_PHONE',
    `${field} is not a valid mobile number (${maskRaw(raw)})`,
    field,
  );
}

/**
 * The ten-digit national number the parser reads in `candidate` (from `parserInputOf`) when it
 * reads a Turkish number whose national part does not start with 0 (`+90` and ten digits, `0`
 * and ten digits, or ten digits alone, the default country being Turkey), else `undefined`.
 */
function turkishNationalOf(candidate: string): string | undefined {
  let national: string | undefined;
  if (candidate.startsWith('+')) {
    if (candidate.length === 13 && candidate.startsWith('+90')) national = candidate.slice(3);
  } else if (candidate.length === 11 && candidate.startsWith('0')) {
    national = candidate.slice(1);
  } else if (candidate.length === 10) {
    national = candidate;
  }
  return national !== undefined && national.charCodeAt(0) !== 48 /* 0 */ ? national : undefined;
}

/** Whether a value normalises without error. */
export function isValidPhoneNumber(input: unknown, options?: NormalizePhoneOptions): boolean {
  try {
    normalizePhoneNumber(input, options);
    return true;
  } catch {
    return false;
  }
}

/** `905321234567` → `5321234567` (the 10-digit national form the XML API documents). */
export function toTurkishNationalNumber(canonical: string): string {
  return canonical.startsWith('90') && canonical.length === 12 ? canonical.slice(2) : canonical;
}

/** `905321234567` → `+90 532 *** ** 67`: safe to show to the user and to log. */
export function maskPhoneNumber(canonical: string): string {
  if (canonical.startsWith('90') && canonical.length === 12) {
    return `+90 ${canonical.slice(2, 5)} *** ** ${canonical.slice(10)}`;
  }
  return `+${canonical.slice(0, 3)}${'*'.repeat(Math.max(0, canonical.length - 5))}${canonical.slice(-2)}`;
}

function maskRaw(raw: string): string {
  if (raw.length <= 4) return '*'.repeat(raw.length);
  return `${raw.slice(0, 3)}${'*'.repeat(Math.min(raw.length - 5, 12))}${raw.slice(-2)}`;
}
