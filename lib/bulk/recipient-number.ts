/**
 * The campaign hot path's number reader: one scan over a typed Turkish mobile number to a
 * small numeric key, without regular expressions, template strings or option objects.
 *
 * It accepts exactly the forms `normalizePhoneNumber` turns into a Turkish mobile by its own
 * fast path — `5XXXXXXXXX` with an optional `0`, `90`, `0090` or `+90` prefix, the national
 * number in 50x–55x, separated by spaces, tabs, dots, dashes or parentheses, at most 24
 * characters once trimmed — and answers -1 for everything else, which the pipeline then hands
 * to `normalizePhoneNumber` (other countries, typed errors). So both paths agree on every
 * input: this one only avoids the allocations.
 */

/** Lowest national number of a Turkish mobile (`5 000 000 000`); keys count from it. */
const NATIONAL_BASE = 5_000_000_000;
/** Highest national number `normalizePhoneNumber`'s Turkish fast path accepts (`55x…`). */
const NATIONAL_TOP = 5_599_999_999;
const COUNTRY_PREFIX = 900_000_000_000;

/**
 * The key of a Turkish mobile typed in a usual form: its national number minus 5·10^9
 * (`0 … 599 999 999`, a small integer, the key `RecipientDeduplicator.addKey` takes), or -1
 * when `raw` is anything else.
 */
export function turkishMobileKeyOf(raw: string): number {
  const length = raw.length;
  let start = 0;
  let end = length - 1;
  while (start < length && isBlank(raw.charCodeAt(start))) start++;
  while (end > start && isBlank(raw.charCodeAt(end))) end--;
  if (end - start + 1 > 24) return -1;
  const plus = raw.charCodeAt(start) === 43; /* + */
  let value = 0;
  let digits = 0;
  for (let i = plus ? start + 1 : start; i <= end; i++) {
    const c = raw.charCodeAt(i);
    const d = c - 48;
    if (d >= 0 && d <= 9) {
      if (++digits > 14) return -1;
      value = value * 10 + d;
    } else if (!(c === 32 || c === 9 || c === 45 || c === 46 || c === 40 || c === 41)) {
      return -1; // anything else (letters, a second '+', other blanks): the full normaliser decides
    }
  }
  let national: number;
  if (plus) {
    // `+90 5XX…` only: the 12 digits start with 90.
    if (digits !== 12 || value < COUNTRY_PREFIX) return -1;
    national = value - COUNTRY_PREFIX;
  } else if (digits === 10 || digits === 11) {
    // `5XX…` or `05XX…` (an 11-digit value below 10^10 starts with 0).
    national = value;
  } else if (digits === 12 || digits === 14) {
    // `905XX…` (12 digits, from 9·10^11) or `00905XX…` (14 digits, below 10^12: starts with 00).
    if (digits === 12 && value < COUNTRY_PREFIX) return -1;
    national = value - COUNTRY_PREFIX;
  } else {
    return -1;
  }
  if (national < NATIONAL_BASE || national > NATIONAL_TOP) return -1;
  return national - NATIONAL_BASE;
}

/**
 * The canonical form (`905XXXXXXXXX`) of a key from `turkishMobileKeyOf(raw)`. Digits-only
 * input is reused (canonical as typed) or gets its prefix fixed with one concatenation: for a
 * valid key, these lengths and first characters leave no room for a separator.
 */
export function canonicalOfKey(key: number, raw: string): string {
  const first = raw.charCodeAt(0);
  switch (raw.length) {
    case 12: // 905XXXXXXXXX
      if (first === 57 /* 9 */) return raw;
      break;
    case 11: // 05XXXXXXXXX
      if (first === 48 /* 0 */) return '9' + raw;
      break;
    case 10: // 5XXXXXXXXX
      if (first === 53 /* 5 */) return '90' + raw;
      break;
    case 13: // +905XXXXXXXXX
      if (first === 43 /* + */) return raw.substring(1);
      break;
  }
  // Separators: 10^9 + key stays a small integer (< 2^31), "1" + the 9 digits after the 5.
  return '905' + String(1_000_000_000 + key).substring(1);
}

function isBlank(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 11 || c === 12;
}
