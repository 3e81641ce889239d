// Form encoding (application/x-www-form-urlencoded) with the bytes of ISO-8859-9 or
// windows-1254: part of the codec of iso-8859-9.ts, which re-exports it.
import { requireText } from './require-text.js';
import {
  charsetOf,
  type EncodeTextOptions,
  TABLES,
  type TurkishCharsetOptions,
  unencodable,
} from './charset-tables.js';

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
  const size = text.length * 3;
  // A longer text than any SMS gets its own buffer rather than growing the shared one.
  if (formScratch.length < size && size <= 65_536) formScratch = Buffer.allocUnsafeSlow(size);
  const out = formScratch.length >= size ? formScratch : Buffer.allocUnsafe(size);
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
