import { SmsValidationError } from '../errors/validation.error.js';
import { assertNoForbiddenCharacter } from './forbidden-characters.js';
import { requireText } from './require-text.js';
import { transliterateTurkish } from './transliterate.js';

export { assertNoForbiddenCharacter, findForbiddenCharacter } from './forbidden-characters.js';
export { requireText } from './require-text.js';
export { TURKISH_TRANSLITERATIONS, transliterateTurkish } from './transliterate.js';

/**
 * SMS text analysis: which alphabet a text needs, how many segments (and credits per recipient)
 * it costs, and the provider's length caps.
 *
 * Alphabets (3GPP TS 23.038 / GSM 03.38):
 * - **GSM-7** when every character is in the default alphabet or its extension table. A
 *   single SMS holds 160 septets; a concatenated one 153 per segment (7 go to the UDH).
 *   Extension characters (`^ { } \ [ ~ ] | €` and form feed) are sent as ESC + char and count 2.
 * - **UCS-2** otherwise (any of `ş ğ ı İ Ş Ğ ç`, emoji, …): 70 UTF-16 code units for a single
 *   SMS, 67 per segment when concatenated.
 *
 * Turkish note: of the Turkish letters only `Ç Ö ö Ü ü` are in the GSM-7 default alphabet;
 * `ç ş Ş ğ Ğ ı İ` are not (the 3GPP Turkish national shift tables exist, but Posta Güvercini does
 * not document them, so they are not assumed). See {@link transliterateTurkish}.
 */

/** Which alphabet a text is sent in. */
export type SmsEncoding = 'gsm7' | 'ucs2';

/** Result of {@link analyzeSmsText}. */
export interface SmsTextAnalysis {
  /** `gsm7` when every character is in the GSM 03.38 default alphabet or extension table. */
  readonly encoding: SmsEncoding;
  /** Unicode code points in the text (what the provider's 480/268 caps count). */
  readonly characters: number;
  /**
   * Encoded length: GSM-7 septets (extension characters count 2) or UCS-2 UTF-16 code units
   * (a character outside the BMP, e.g. an emoji, counts 2).
   */
  readonly units: number;
  /** SMS segments the text is split into; 0 for an empty text. Equals credits per recipient. */
  readonly segments: number;
  /** Units per segment: 160 / 153 (GSM-7 single / concatenated), 70 / 67 (UCS-2). */
  readonly perSegment: number;
}

/** Units in a single (not concatenated) SMS. */
export const GSM7_SINGLE_SEGMENT_UNITS = 160;
/** Units per segment of a concatenated SMS. */
export const GSM7_MULTI_SEGMENT_UNITS = 153;
export const UCS2_SINGLE_SEGMENT_UNITS = 70;
export const UCS2_MULTI_SEGMENT_UNITS = 67;
/** Posta Güvercini's cap for GSM-7 texts ("max 480 characters (3 SMS)"). */
export const MAX_GSM7_CHARACTERS = 480;
/** Posta Güvercini's cap for texts with Turkish characters (provider code `-447`). */
export const MAX_UCS2_CHARACTERS = 268;

/** GSM 03.38 default alphabet, in code order 0x00–0x7F (0x1B = ESC is not a character). */
const GSM7_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u001bÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
/** GSM 03.38 extension table (each sent as ESC + char, 2 septets). */
const GSM7_EXTENSION = '\f^{}\\[~]|€';

/** Text without forbidden characters (controls but LF and CR, C1, DEL) or surrogates. */
// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const PLAIN_TEXT = /^[^\u0000-\u0009\u000b\u000c\u000e-\u001f\u007f-\u009f\ud800-\udfff]*$/;

/** 0 = not GSM-7, 1 = default alphabet, 2 = extension table; indexed by UTF-16 code unit. */
const GSM7_COST = buildCostTable();

function buildCostTable(): Uint8Array {
  const table = new Uint8Array(0x10000);
  for (const char of GSM7_BASIC) if (char !== '\u001b') table[char.charCodeAt(0)] = 1;
  for (const char of GSM7_EXTENSION) table[char.charCodeAt(0)] = 2;
  return table;
}

/** Whether every character of the text is representable in GSM-7. */
export function isGsm7Text(text: string): boolean {
  requireText(text, 'isGsm7Text');
  for (let i = 0; i < text.length; i++) if (GSM7_COST[text.charCodeAt(i)] === 0) return false;
  return true;
}

/**
 * Encoding, length and segment count of an SMS text, exactly as a handset splits it: an
 * escape pair (GSM-7) or a surrogate pair (UCS-2) is never split across two segments, so a
 * concatenated text may need one segment more than `ceil(units / perSegment)`.
 */
export function analyzeSmsText(text: string): SmsTextAnalysis {
  requireText(text, 'analyzeSmsText');
  return analysisOf(text, gsm7Septets(text), countCodePoints(text));
}

/** The GSM-7 septets of `text`, or -1 when a character needs UCS-2. */
function gsm7Septets(text: string): number {
  let septets = 0;
  for (let i = 0; i < text.length; i++) {
    const cost = GSM7_COST[text.charCodeAt(i)]!;
    if (cost === 0) return -1;
    septets += cost;
  }
  return septets;
}

/** The analysis of `text` given its GSM-7 septets (-1 when it needs UCS-2) and code points. */
function analysisOf(text: string, septets: number, characters: number): SmsTextAnalysis {
  if (septets >= 0) {
    if (septets <= GSM7_SINGLE_SEGMENT_UNITS) {
      return {
        encoding: 'gsm7',
        characters,
        units: septets,
        segments: septets === 0 ? 0 : 1,
        perSegment: GSM7_SINGLE_SEGMENT_UNITS,
      };
    }
    let segments = 1;
    let used = 0;
    for (let i = 0; i < text.length; i++) {
      const cost = GSM7_COST[text.charCodeAt(i)]!;
      if (used + cost > GSM7_MULTI_SEGMENT_UNITS) {
        segments++;
        used = 0;
      }
      used += cost;
    }
    return {
      encoding: 'gsm7',
      characters,
      units: septets,
      segments,
      perSegment: GSM7_MULTI_SEGMENT_UNITS,
    };
  }
  const units = text.length;
  if (units <= UCS2_SINGLE_SEGMENT_UNITS) {
    return {
      encoding: 'ucs2',
      characters,
      units,
      segments: 1,
      perSegment: UCS2_SINGLE_SEGMENT_UNITS,
    };
  }
  let segments = 1;
  let used = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const cost = code >= 0xd800 && code <= 0xdbff && i + 1 < text.length ? 2 : 1;
    if (used + cost > UCS2_MULTI_SEGMENT_UNITS) {
      segments++;
      used = 0;
    }
    used += cost;
    if (cost === 2) i++;
  }
  return { encoding: 'ucs2', characters, units, segments, perSegment: UCS2_MULTI_SEGMENT_UNITS };
}

export interface AssertSmsTextOptions {
  /** Field name used in the error, e.g. `messages[3].text`. @default 'text' */
  readonly field?: string;
}

/**
 * Checks a text against the provider's rules and returns its analysis. Throws
 * `SmsValidationError`:
 * - `TEXT_EMPTY`: not a string, empty or whitespace only (the provider answers `-1004`/`ERR1090`);
 * - `TEXT_NOT_ENCODABLE`: a control character other than line feed and carriage return (NUL,
 *   tab, DEL, C1 controls) or a lone surrogate (see {@link findForbiddenCharacter});
 * - `TEXT_TOO_LONG`: more than 480 characters in GSM-7, or more than 268 characters when the
 *   text needs UCS-2 (provider code `-447`).
 * The message gives the length and the cap, never the text itself.
 */
export function assertSmsText(text: unknown, options: AssertSmsTextOptions = {}): SmsTextAnalysis {
  if (options === null || typeof options !== 'object') {
    throw new SmsValidationError(
      'INVALID_OPTIONS',
      'assertSmsText() options must be an object { field? }',
      'options',
    );
  }
  const field = typeof options.field === 'string' ? options.field : 'text';
  if (typeof text !== 'string' || text.trim() === '') {
    throw new SmsValidationError(
      'TEXT_EMPTY',
      `${field} is empty; an SMS needs at least one visible character`,
      field,
    );
  }
  let septets = 0;
  let pairs = 0;
  if (PLAIN_TEXT.test(text)) {
    // The usual text (one native scan): nothing forbidden, no surrogate, so one character per
    // code unit.
    septets = gsm7Septets(text);
  } else {
    // One pass for what `findForbiddenCharacter` and `analyzeSmsText` would each scan for.
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (septets >= 0) {
        const cost = GSM7_COST[code]!;
        septets = cost === 0 ? -1 : septets + cost;
      }
      let forbidden = false;
      if (code < 0x20) {
        forbidden = code !== 0x0a && code !== 0x0d;
      } else if (code >= 0x7f && code <= 0x9f) {
        forbidden = true;
      } else if (code >= 0xd800 && code <= 0xdfff) {
        const next = text.charCodeAt(i + 1);
        if (code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          pairs++;
          i++;
        } else {
          forbidden = true;
        }
      }
      // Throws the error naming the first such character (this one).
      if (forbidden) assertNoForbiddenCharacter(text, field);
    }
  }
  const analysis = analysisOf(text, septets, text.length - pairs);
  if (analysis.encoding === 'gsm7' && analysis.characters > MAX_GSM7_CHARACTERS) {
    throw new SmsValidationError(
      'TEXT_TOO_LONG',
      `${field} has ${analysis.characters} characters; Posta Güvercini accepts at most ${MAX_GSM7_CHARACTERS} (3 SMS). Shorten it or split it into several messages`,
      field,
    );
  }
  if (analysis.encoding === 'ucs2' && analysis.characters > MAX_UCS2_CHARACTERS) {
    const hint = isGsm7Text(transliterateTurkish(text))
      ? `, or transliterate the Turkish letters (transliterateTurkish) to send it as GSM-7 with a cap of ${MAX_GSM7_CHARACTERS}`
      : '';
    throw new SmsValidationError(
      'TEXT_TOO_LONG',
      `${field} has ${analysis.characters} characters and contains characters outside GSM-7 (e.g. ${describeFirstNonGsm7(text)}), so it is sent as UCS-2, where Posta Güvercini accepts at most ${MAX_UCS2_CHARACTERS} characters (4 SMS). Shorten it${hint}`,
      field,
    );
  }
  return analysis;
}

function countCodePoints(text: string): number {
  let count = text.length;
  for (let i = 0; i < text.length - 1; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        count--;
        i++;
      }
    }
  }
  return count;
}

function describeFirstNonGsm7(text: string): string {
  for (const char of text) {
    if (char.length > 1 || GSM7_COST[char.charCodeAt(0)] === 0) {
      const code = char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
      return `'${char}' U+${code}`;
    }
  }
  return 'none';
}
