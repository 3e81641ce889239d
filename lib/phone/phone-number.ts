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
  // `00` international prefix and bare `90…` (12 digits) are made explicit before parsing.
  const candidate = raw.startsWith('+')
    ? `+${digits}`
    : digits.startsWith('00')
      ? `+${digits.slice(2)}`
      : digits.length === 12 && digits.startsWith('90')
        ? `+${digits}`
        : digits;
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
    throw new SmsValidationError(
      'INVALID_PHONE',
      `${field} is not a valid mobile number (${maskRaw(raw)})`,
      field,
    );
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
