import iconv from 'iconv-lite';
import { SmsValidationError } from '../errors/validation.error.js';
import {
  charsetOf,
  checkCharset,
  describe,
  type EncodeTextOptions,
  invalidOptions,
  TABLES,
  type TurkishCharset,
  type TurkishCharsetOptions,
  unencodable,
} from './charset-tables.js';
import { requireText } from './require-text.js';

export type { EncodeTextOptions, TurkishCharset, TurkishCharsetOptions } from './charset-tables.js';
export { percentDecodeIso88599, percentEncodeIso88599 } from './percent-encoding.js';

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

/** `TEXT_NOT_ENCODABLE` for a character XML 1.0 does not allow, whatever the document's charset. */
export function notXmlCharacter(text: string, index: number, field = 'text'): SmsValidationError {
  return new SmsValidationError(
    'TEXT_NOT_ENCODABLE',
    `${field} contains ${describe(text, index)}, which XML 1.0 does not allow; remove it`,
    field,
  );
}
