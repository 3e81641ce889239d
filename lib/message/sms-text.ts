import { SmsValidationError } from '../errors/validation.error.js';

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
  let septets = 0;
  let gsm7 = true;
  for (let i = 0; i < text.length; i++) {
    const cost = GSM7_COST[text.charCodeAt(i)]!;
    if (cost === 0) {
      gsm7 = false;
      break;
    }
    septets += cost;
  }
  const characters = countCodePoints(text);
  if (gsm7) {
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
 * The first character no transport carries, with its UTF-16 index: a control character
 * (Unicode category Cc: U+0000–U+001F and U+007F–U+009F, so NUL, tab, form feed, DEL and the C1
 * controls) other than line feed and carriage return, or half of a surrogate pair (a broken
 * emoji). `undefined` when the text has none.
 *
 * These are refused by every transport (HTTP, XML, SOAP, JSON, in-memory) before anything is
 * sent: XML 1.0 cannot carry most of them at all, the single-byte charsets map C1 controls to
 * nothing a handset shows, and a lone surrogate has no encoding in UTF-8 or UCS-2.
 */
export function findForbiddenCharacter(
  text: string,
):
  | { readonly index: number; readonly codeUnit: number; readonly kind: 'control' | 'surrogate' }
  | undefined {
  requireText(text, 'findForbiddenCharacter');
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20) {
      if (code !== 0x0a && code !== 0x0d) return { index: i, codeUnit: code, kind: 'control' };
    } else if (code >= 0x7f && code <= 0x9f) {
      return { index: i, codeUnit: code, kind: 'control' };
    } else if (code >= 0xd800 && code <= 0xdfff) {
      const next = text.charCodeAt(i + 1);
      if (code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) i++;
      else return { index: i, codeUnit: code, kind: 'surrogate' };
    }
  }
  return undefined;
}

/**
 * Throws `SmsValidationError` `TEXT_NOT_ENCODABLE` when the text has a character no transport
 * carries (see {@link findForbiddenCharacter}). The message names the character's code and
 * position, never the text.
 */
export function assertNoForbiddenCharacter(text: string, field = 'text'): void {
  const found = findForbiddenCharacter(text);
  if (found === undefined) return;
  const code = `U+${found.codeUnit.toString(16).toUpperCase().padStart(4, '0')}`;
  throw new SmsValidationError(
    'TEXT_NOT_ENCODABLE',
    found.kind === 'control'
      ? `${field} contains a control character (${code}) at position ${found.index}; no SMS transport carries control characters other than line feed and carriage return. Remove it`
      : `${field} contains half of a surrogate pair (${code}) at position ${found.index}, a broken emoji or character that no encoding can carry. Remove it`,
    field,
  );
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
  assertNoForbiddenCharacter(text, field);
  const analysis = analyzeSmsText(text);
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

/**
 * Replacements applied by {@link transliterateTurkish}: only the Turkish letters that are NOT
 * in the GSM-7 default alphabet. `Ç Ö ö Ü ü` are GSM-7 and are kept; `ç` (lower case) is not
 * GSM-7 (only upper-case `Ç` is) and becomes `c`. The circumflex vowels of Turkish spelling
 * (`â î û Â Î Û`) lose the circumflex.
 */
export const TURKISH_TRANSLITERATIONS: Readonly<Record<string, string>> = {
  ş: 's',
  Ş: 'S',
  ğ: 'g',
  Ğ: 'G',
  ı: 'i',
  İ: 'I',
  ç: 'c',
  â: 'a',
  Â: 'A',
  î: 'i',
  Î: 'I',
  û: 'u',
  Û: 'U',
};

const TURKISH_PATTERN = new RegExp(`[${Object.keys(TURKISH_TRANSLITERATIONS).join('')}]`, 'g');

/**
 * Replaces the Turkish letters that force UCS-2 (ş Ş ğ Ğ ı İ ç, and â î û with a circumflex) with
 * their closest GSM-7 letters, so a Turkish text costs GSM-7 rates (160 instead of 70
 * characters per SMS). Everything else is kept as is: a text with other non-GSM-7 characters
 * (emoji, `—`, curly quotes) stays UCS-2. Opt-in only: the result reads less well.
 *
 * `transliterateTurkish('Şişli ığdır İÇİN çok güzel')` → `'Sisli igdir IÇIN cok güzel'`.
 */
export function transliterateTurkish(text: string): string {
  requireText(text, 'transliterateTurkish');
  return text.replace(TURKISH_PATTERN, (char) => TURKISH_TRANSLITERATIONS[char]!);
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

/** A typed error (never a `TypeError`) when a text utility is given something other than a string. */
export function requireText(text: unknown, fn: string): asserts text is string {
  if (typeof text !== 'string') {
    throw new SmsValidationError(
      'INVALID_TEXT',
      `${fn}() expects a string; got ${text === null ? 'null' : typeof text}`,
      'text',
    );
  }
}
