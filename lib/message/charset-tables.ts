import iconv from 'iconv-lite';
import { SmsValidationError } from '../errors/validation.error.js';

// The tables and checks the ISO-8859-9 / windows-1254 codec (iso-8859-9.ts, percent-encoding.ts)
// shares. See iso-8859-9.ts for the charsets.

/** A Turkish single-byte charset (see iso-8859-9.ts). */
export type TurkishCharset = 'iso-8859-9' | 'windows-1254';

export interface TurkishCharsetOptions {
  /** @default 'iso-8859-9' */
  readonly charset?: TurkishCharset;
}

export interface EncodeTextOptions extends TurkishCharsetOptions {
  /** Field name used in the error, e.g. `messages[2].text`. @default 'text' */
  readonly field?: string;
}

export interface CharsetTables {
  /** byte → character */
  readonly decode: readonly string[];
  /** UTF-16 code unit → byte + 1 (0 = not representable) */
  readonly encode: Uint16Array;
}

export const TABLES: Readonly<Record<TurkishCharset, CharsetTables>> = {
  'iso-8859-9': buildTables('iso88599'),
  'windows-1254': buildTables('windows1254'),
};

function buildTables(iconvName: string): CharsetTables {
  const bytes = Buffer.alloc(256);
  for (let i = 0; i < 256; i++) bytes[i] = i;
  const decoded = iconv.decode(bytes, iconvName);
  const decode: string[] = [];
  const encode = new Uint16Array(0x10000);
  for (let i = 0; i < 256; i++) {
    // iconv-lite yields U+FFFD for bytes the code page leaves undefined; Windows maps them to
    // the C1 control with the same number.
    const char = decoded[i] === '\ufffd' ? String.fromCharCode(i) : decoded[i]!;
    decode.push(char);
    encode[char.charCodeAt(0)] = i + 1;
  }
  return { decode, encode };
}

/** The charset of `options` (default ISO-8859-9); a typed error for anything else. */
export function charsetOf(options: unknown): TurkishCharset {
  if (options === undefined) return 'iso-8859-9';
  if (options === null || typeof options !== 'object') throw invalidOptions('the codec');
  return checkCharset((options as TurkishCharsetOptions).charset ?? 'iso-8859-9');
}

export function checkCharset(charset: unknown): TurkishCharset {
  if (charset !== 'iso-8859-9' && charset !== 'windows-1254') {
    throw new SmsValidationError(
      'INVALID_CHARSET',
      `charset must be 'iso-8859-9' or 'windows-1254'`,
      'charset',
    );
  }
  return charset;
}

export function invalidOptions(fn: string): SmsValidationError {
  return new SmsValidationError('INVALID_OPTIONS', `options of ${fn} must be an object`, 'options');
}

export function describe(text: string, index: number): string {
  const codePoint = text.codePointAt(index)!;
  const char = String.fromCodePoint(codePoint);
  const printable = codePoint < 0x20 || (codePoint >= 0x7f && codePoint < 0xa0) ? '' : `'${char}' `;
  return `${printable}(U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}) at position ${index}`;
}

export function unencodable(
  text: string,
  index: number,
  charset: TurkishCharset,
  field = 'text',
): SmsValidationError {
  return new SmsValidationError(
    'TEXT_NOT_ENCODABLE',
    `${field} contains ${describe(text, index)}, which ${charset.toUpperCase()} cannot represent; remove or replace it, or use the JSON or SOAP transport (UTF-8)`,
    field,
  );
}
