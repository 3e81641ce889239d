import { SmsValidationError } from '../errors/validation.error.js';
import { requireText } from './require-text.js';

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
