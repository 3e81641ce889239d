import { SmsValidationError } from '../errors/validation.error.js';
import { DEFAULT_BIND_LIMIT } from './resolve-otp-options.js';

// The check of bound values (PSD2 dynamic linking): they are shown in the SMS, so their names
// must work as template placeholders and their values be plain, printable and short enough.

/** Bound value names double as template placeholders. */
const BIND_KEY = /^[A-Za-z_][A-Za-z0-9_]{0,39}$/;
const RESERVED_BIND_KEYS = new Set(['code', 'minutes', 'purpose']);
/**
 * What a bound value (shown in the SMS) may not hold: C0/C1 control characters, bidirectional
 * controls (U+202A–U+202E, U+2066–U+2069: they can reorder what the SMS shows) and zero-width
 * characters (U+200B–U+200F, U+2060, U+FEFF: they make two different values look the same).
 */
const UNSAFE_BOUND_CHARACTER =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]/;
/** Half of a surrogate pair without the other half (not a character). */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** The kind of a refused value, for messages (never the value itself). */
function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return 'a non-finite number';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** Checks bound values at send time (they go into the SMS): names usable as placeholders, plain values. */
export function checkBinding(
  bind: unknown,
  limits?: Readonly<Record<string, number>>,
): Record<string, string> | undefined {
  if (bind === undefined || bind === null) return undefined;
  if (typeof bind !== 'object' || Array.isArray(bind)) {
    throw new SmsValidationError(
      'INVALID_OTP_BINDING',
      'bind must be an object such as { amount: "149.90", currency: "TRY", payee: "ACME A.Ş." }',
      'bind',
    );
  }
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(bind)) {
    const field = `bind.${key}`;
    if (value === undefined) {
      throw new SmsValidationError(
        'INVALID_OTP_BINDING',
        `${field} is missing: every bound value must be given (a string or a finite number)`,
        field,
      );
    }
    if (!BIND_KEY.test(key) || RESERVED_BIND_KEYS.has(key)) {
      throw new SmsValidationError(
        'INVALID_OTP_BINDING',
        `${field}: names must be letters, digits and _ (not starting with a digit, at most 40) and not code, minutes or purpose`,
        field,
      );
    }
    const text =
      typeof value === 'string'
        ? value
        : typeof value === 'number' && Number.isFinite(value)
          ? String(value)
          : undefined;
    if (text === undefined || text.length > 200) {
      throw new SmsValidationError(
        'INVALID_OTP_BINDING',
        `${field} must be a string (or finite number) of at most 200 printable characters, not ${describeType(value)}`,
        field,
      );
    }
    if (UNSAFE_BOUND_CHARACTER.test(text) || LONE_SURROGATE.test(text)) {
      throw new SmsValidationError(
        'INVALID_OTP_BINDING',
        `${field} holds a control, bidirectional-control or zero-width character (bound values are shown in the SMS)`,
        field,
      );
    }
    const limit = limits === undefined ? undefined : (limits[key] ?? DEFAULT_BIND_LIMIT);
    if (limit !== undefined && [...text].length > limit) {
      throw new SmsValidationError(
        'INVALID_OTP_BINDING',
        `${field} is longer than ${limit} characters (otp.bindLimits.${key}), the length the SMS is measured for`,
        field,
      );
    }
    values[key] = text;
  }
  return Object.keys(values).length === 0 ? undefined : values;
}
