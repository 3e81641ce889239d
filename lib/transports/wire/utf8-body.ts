// UTF-8 request bodies (SOAP) written around a head encoded once.
import { UTF8_AS_IS_ASCII } from './xml-escape.js';

/** `head` + `ascii` (ASCII characters only) + `text` + `tail` (ASCII) as UTF-8, in one buffer. */
export function utf8Body(head: Buffer, ascii: string, text: string, tail: string): Buffer {
  const body = Buffer.allocUnsafe(
    head.length + ascii.length + Buffer.byteLength(text, 'utf8') + tail.length,
  );
  body.set(head, 0);
  body.write(ascii + text + tail, head.length, 'utf8');
  return body;
}

/**
 * `utf8Body(head, ascii, text, tail)` for a text `escapeXmlUtf8` would leave as it is (the
 * usual one), its UTF-8 bytes written in one pass; `undefined` for any other text (it needs the
 * escape, or is refused by it).
 */
export function plainUtf8Body(
  head: Buffer,
  ascii: string,
  text: string,
  tail: Buffer,
): Buffer | undefined {
  let size = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) {
      if (UTF8_AS_IS_ASCII[code] === 0) return undefined;
      size += 1;
    } else if (code < 0x800) {
      size += 2;
    } else if ((code >= 0xd800 && code <= 0xdfff) || code >= 0xfffe) {
      return undefined; // surrogates (a pair too: the escape path writes it) and U+FFFE/U+FFFF
    } else {
      size += 3;
    }
  }
  const start = head.length + ascii.length;
  const body = Buffer.allocUnsafe(start + size + tail.length);
  body.set(head, 0);
  body.write(ascii, head.length, 'latin1');
  let at = start;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) {
      body[at++] = code;
    } else if (code < 0x800) {
      body[at++] = 0xc0 | (code >> 6);
      body[at++] = 0x80 | (code & 0x3f);
    } else {
      body[at++] = 0xe0 | (code >> 12);
      body[at++] = 0x80 | ((code >> 6) & 0x3f);
      body[at++] = 0x80 | (code & 0x3f);
    }
  }
  body.set(tail, at);
  return body;
}
