import iconv from 'iconv-lite';
import { SmsValidationError } from '../errors/validation.error.js';
import { requireText } from './require-text.js';

/**
 * Codec for the Turkish single-byte character sets the HTTP and XML APIs of Posta Güvercini
 * use. Unlike `iconv-lite` on its own, a character the charset cannot represent is a typed
 * error (`SmsValidationError` `TEXT_NOT_ENCODABLE`), never a silent `?`.
 *
 * Two charsets:
 * - `iso-8859-9` (Latin-5): Latin-1 with `Ğ İ Ş ğ ı ş` in place of `Ð Ý Þ ð ý þ`. What the XML
 *   API declares and the default everywhere here.
 * - `windows-1254`: byte-identical to ISO-8859-9 for every printable character, plus
 *   typographic characters at 0x80–0x9F (`€ ‚ „ … † ‡ ‰ Š ‹ Œ ‘ ’ “ ” • – — ˜ ™ š › œ Ÿ ƒ ˆ`),
 *   where ISO-8859-9 has only C1 control codes. The provider's HTTP API is classic ASP on
 *   Turkish Windows, which decodes form data with the ANSI code page 1254 (an inference: see
 *   the simulator's decision table), so the HTTP transport encodes with `windows-1254` and an
 *   em dash survives the trip. Undefined 1254 bytes (0x81 0x8D 0x8E 0x8F 0x90 0x9D 0x9E) decode
 *   to the C1 control of the same number, as Windows does.
 *
 * For XML there is a lossless route for any character: {@link escapeXmlForIso88599} writes
 * characters outside ISO-8859-9 as numeric character references (`&#8212;`), which XML allows
 * in a document of any encoding.
 */

/** A Turkish single-byte charset (see the module documentation). */
export type TurkishCharset = 'iso-8859-9' | 'windows-1254';

export interface TurkishCharsetOptions {
  /** @default 'iso-8859-9' */
  readonly charset?: TurkishCharset;
}

export interface EncodeTextOptions extends TurkishCharsetOptions {
  /** Field name used in the error, e.g. `messages[2].text`. @default 'text' */
  readonly field?: string;
}

interface CharsetTables {
  /** byte → character */
  readonly decode: readonly string[];
  /** UTF-16 code unit → byte + 1 (0 = not representable) */
  readonly encode: Uint16Array;
}

const TABLES: Readonly<Record<TurkishCharset, CharsetTables>> = {
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

/** The first character the charset cannot represent, with its UTF-16 index; `undefined` if none. */
export function findUnencodableCharacter(
  text: string,
  charset: TurkishCharset = 'iso-8859-9',
): { readonly char: string; readonly index: number } | undefined {
  requireText(text, 'findUnencodableCharacter');
  const { encode } = TABLES[checkCharset(charset)];
  for (let i = 0; i < text.length; i++) {
    if (encode[text.charCodeAt(i)] === 0) {
      const codePoint = text.codePointAt(i)!;
      return { char: String.fromCodePoint(codePoint), index: i };
    }
  }
  return undefined;
}

/**
 * Throws `SmsValidationError` `TEXT_NOT_ENCODABLE` naming the first character the charset
 * cannot represent (as {@link encodeIso88599} would), without encoding anything.
 */
export function assertIso88599Encodable(text: string, options: EncodeTextOptions = {}): void {
  const charset = charsetOf(options);
  const found = findUnencodableCharacter(text, charset);
  if (found !== undefined) throw unencodable(text, found.index, charset, options.field);
}

/** Whether every character of the text is representable in the charset. */
export function canEncodeIso88599(text: string, options: TurkishCharsetOptions = {}): boolean {
  return findUnencodableCharacter(text, charsetOf(options)) === undefined;
}

/**
 * Encodes text to ISO-8859-9 (or windows-1254) bytes. Throws `SmsValidationError`
 * `TEXT_NOT_ENCODABLE` naming the first character that has no byte in the charset.
 */
export function encodeIso88599(text: string, options: EncodeTextOptions = {}): Buffer {
  requireText(text, 'encodeIso88599');
  const charset = charsetOf(options);
  const { encode } = TABLES[charset];
  const out = Buffer.allocUnsafe(text.length);
  for (let i = 0; i < text.length; i++) {
    const byte = encode[text.charCodeAt(i)]!;
    if (byte === 0) throw unencodable(text, i, charset, options.field);
    out[i] = byte - 1;
  }
  return out;
}

/** Decodes ISO-8859-9 (or windows-1254) bytes. Every byte decodes; nothing is replaced. */
export function decodeIso88599(bytes: Uint8Array, options: TurkishCharsetOptions = {}): string {
  if (!(bytes instanceof Uint8Array)) {
    throw new SmsValidationError(
      'INVALID_BYTES',
      `decodeIso88599() expects a Buffer or Uint8Array; got ${bytes === null ? 'null' : typeof bytes}`,
      'bytes',
    );
  }
  const charset = charsetOf(options);
  const buffer = Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fast = iconv.decode(buffer, charset === 'iso-8859-9' ? 'iso88599' : 'windows1254');
  if (!fast.includes('\ufffd')) return fast;
  const { decode } = TABLES[charset];
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += decode[bytes[i]!];
  return out;
}

/** `0-9A-F` as character codes. */
const HEX_CODES = Uint8Array.from('0123456789ABCDEF', (char) => char.charCodeAt(0));
/** application/x-www-form-urlencoded: only `A–Z a–z 0–9 * - . _` stay as they are. */
const FORM_SAFE = (() => {
  const safe = new Uint8Array(128);
  for (const char of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789*-._')
    safe[char.charCodeAt(0)] = 1;
  return safe;
})();
/** Where `percentEncodeIso88599` writes (3 bytes at most per character); grown on demand. */
let formScratch = Buffer.allocUnsafeSlow(1024);

/**
 * Percent-encodes text for an `application/x-www-form-urlencoded` body or a query string,
 * with the bytes of ISO-8859-9 (or windows-1254) instead of UTF-8: `ş` → `%FE`, `İ` → `%DD`,
 * space → `+`, `&` → `%26`. Throws `SmsValidationError` `TEXT_NOT_ENCODABLE` for a character
 * the charset cannot represent.
 *
 * `percentEncodeIso88599('Şişli & ığdır')` → `'%DEi%FEli+%26+%FD%F0d%FDr'`.
 */
export function percentEncodeIso88599(text: string, options: EncodeTextOptions = {}): string {
  requireText(text, 'percentEncodeIso88599');
  const charset = charsetOf(options);
  const { encode } = TABLES[charset];
  // The result is ASCII: written as bytes, read back once (no string per character).
  if (formScratch.length < text.length * 3) formScratch = Buffer.allocUnsafeSlow(text.length * 3);
  const out = formScratch;
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 128 && FORM_SAFE[code] === 1) {
      out[n++] = code;
    } else if (code === 0x20) {
      out[n++] = 0x2b; // +
    } else {
      const byte = encode[code]!;
      if (byte === 0) throw unencodable(text, i, charset, options.field);
      out[n++] = 0x25; // %
      out[n++] = HEX_CODES[(byte - 1) >> 4]!;
      out[n++] = HEX_CODES[(byte - 1) & 15]!;
    }
  }
  return out.toString('latin1', 0, n);
}

/**
 * Reverses {@link percentEncodeIso88599}: `+` → space, `%XX` → the charset's character for
 * byte XX. Characters of the input below U+0100 that are not escapes are read as raw bytes of
 * the charset too (as when a body was read with `latin1`); a `%` not followed by two hex digits
 * stays as it is (classic ASP is as lenient).
 */
export function percentDecodeIso88599(
  encoded: string,
  options: TurkishCharsetOptions = {},
): string {
  requireText(encoded, 'percentDecodeIso88599');
  const { decode } = TABLES[charsetOf(options)];
  let out = '';
  for (let i = 0; i < encoded.length; i++) {
    const code = encoded.charCodeAt(i);
    if (code === 0x2b) {
      out += ' ';
    } else if (
      code === 0x25 &&
      i + 2 < encoded.length &&
      isHex(encoded.charCodeAt(i + 1)) &&
      isHex(encoded.charCodeAt(i + 2))
    ) {
      out +=
        decode[(hexValue(encoded.charCodeAt(i + 1)) << 4) | hexValue(encoded.charCodeAt(i + 2))];
      i += 2;
    } else if (code < 0x100) {
      out += code < 0x80 ? encoded[i] : decode[code];
    } else {
      out += encoded[i];
    }
  }
  return out;
}

/**
 * Escapes text for an XML document that is then encoded in ISO-8859-9: `& < > " '` become
 * entity references, and every character ISO-8859-9 cannot represent becomes a numeric
 * character reference (`—` → `&#8212;`, an emoji → `&#128512;`), so any text survives exactly.
 * With `attribute: true` (the default) tab, line feed and carriage return are written as
 * `&#9;`, `&#10;`, `&#13;`, because an XML parser turns literal ones in an attribute value
 * into spaces. Characters XML 1.0 forbids (C0 controls other than tab/LF/CR, lone surrogates,
 * U+FFFE/U+FFFF) throw `SmsValidationError` `TEXT_NOT_ENCODABLE`.
 */
export function escapeXmlForIso88599(
  text: string,
  options: { readonly attribute?: boolean; readonly field?: string } = {},
): string {
  requireText(text, 'escapeXmlForIso88599');
  if (options === null || typeof options !== 'object') throw invalidOptions('escapeXmlForIso88599');
  const attribute = options.attribute ?? true;
  const { encode } = TABLES['iso-8859-9'];
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    switch (code) {
      case 0x26:
        out += '&amp;';
        continue;
      case 0x3c:
        out += '&lt;';
        continue;
      case 0x3e:
        out += '&gt;';
        continue;
      case 0x22:
        out += '&quot;';
        continue;
      case 0x27:
        out += '&apos;';
        continue;
      case 0x09:
      case 0x0a:
        out += attribute ? `&#${code};` : text[i];
        continue;
      case 0x0d:
        // A literal CR is turned into LF by every XML parser (end-of-line handling).
        out += '&#13;';
        continue;
    }
    if (code < 0x20 || code === 0xfffe || code === 0xffff)
      throw notXmlCharacter(text, i, options.field);
    if (code >= 0xd800 && code <= 0xdfff) {
      const next = text.charCodeAt(i + 1);
      if (code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        out += `&#${text.codePointAt(i)!};`;
        i++;
        continue;
      }
      throw notXmlCharacter(text, i, options.field);
    }
    out += encode[code] === 0 || (code >= 0x80 && code < 0xa0) ? `&#${code};` : text[i];
  }
  return out;
}

/** The charset of `options` (default ISO-8859-9); a typed error for anything else. */
function charsetOf(options: unknown): TurkishCharset {
  if (options === undefined) return 'iso-8859-9';
  if (options === null || typeof options !== 'object') throw invalidOptions('the codec');
  return checkCharset((options as TurkishCharsetOptions).charset ?? 'iso-8859-9');
}

function checkCharset(charset: unknown): TurkishCharset {
  if (charset !== 'iso-8859-9' && charset !== 'windows-1254') {
    throw new SmsValidationError(
      'INVALID_CHARSET',
      `charset must be 'iso-8859-9' or 'windows-1254'`,
      'charset',
    );
  }
  return charset;
}

function invalidOptions(fn: string): SmsValidationError {
  return new SmsValidationError('INVALID_OPTIONS', `options of ${fn} must be an object`, 'options');
}

function isHex(code: number): boolean {
  return (
    (code >= 0x30 && code <= 0x39) ||
    (code >= 0x41 && code <= 0x46) ||
    (code >= 0x61 && code <= 0x66)
  );
}

function hexValue(code: number): number {
  return code <= 0x39 ? code - 0x30 : (code | 0x20) - 0x57;
}

function describe(text: string, index: number): string {
  const codePoint = text.codePointAt(index)!;
  const char = String.fromCodePoint(codePoint);
  const printable = codePoint < 0x20 || (codePoint >= 0x7f && codePoint < 0xa0) ? '' : `'${char}' `;
  return `${printable}(U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}) at position ${index}`;
}

function unencodable(
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

/** `TEXT_NOT_ENCODABLE` for a character XML 1.0 does not allow, whatever the document's charset. */
export function notXmlCharacter(text: string, index: number, field = 'text'): SmsValidationError {
  return new SmsValidationError(
    'TEXT_NOT_ENCODABLE',
    `${field} contains ${describe(text, index)}, which XML 1.0 does not allow; remove it`,
    field,
  );
}
