import { escapeXmlForIso88599, notXmlCharacter } from '../../message/iso-8859-9.js';

/** Text `escapeXmlUtf8` leaves as it is: no `& < > " '`, CR, other C0 control, surrogate or U+FFFE/U+FFFF. */
// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const UTF8_AS_IS = /^[^&<>"'\u0000-\u0008\u000b-\u001f\ud800-\udfff\ufffe\uffff]*$/;

/**
 * 1 for each ASCII character `escapeXmlUtf8` leaves as it is, built from `UTF8_AS_IS` itself
 * (above U+007F it leaves every character but surrogates and U+FFFE/U+FFFF).
 */
export const UTF8_AS_IS_ASCII = Uint8Array.from({ length: 0x80 }, (_, code) =>
  UTF8_AS_IS.test(String.fromCharCode(code)) ? 1 : 0,
);

/**
 * Escapes text for element content or an attribute value of a UTF-8 XML document (SOAP):
 * `& < > " '` become entity references and a carriage return becomes `&#13;` (a parser would
 * turn a literal one into a line feed); everything else stays as it is, since UTF-8 carries
 * every character. Characters XML 1.0 forbids (C0 controls other than tab/LF/CR, unpaired
 * surrogates, U+FFFE/U+FFFF) throw `SmsValidationError` `TEXT_NOT_ENCODABLE` naming `field`.
 *
 * `escapeXmlUtf8('5 < 6 & "tamam"')` → `'5 &lt; 6 &amp; &quot;tamam&quot;'`.
 */
export function escapeXmlUtf8(text: string, field = 'text'): string {
  if (UTF8_AS_IS.test(text)) return text; // one native scan for the common case
  let out = '';
  let last = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    let replacement: string | undefined;
    if (code >= 0x3f && code < 0xd800) continue; // the common case: nothing to do
    switch (code) {
      case 0x26:
        replacement = '&amp;';
        break;
      case 0x3c:
        replacement = '&lt;';
        break;
      case 0x3e:
        replacement = '&gt;';
        break;
      case 0x22:
        replacement = '&quot;';
        break;
      case 0x27:
        replacement = '&apos;';
        break;
      case 0x0d:
        replacement = '&#13;';
        break;
      default:
        if ((code < 0x20 && code !== 0x09 && code !== 0x0a) || code === 0xfffe || code === 0xffff) {
          throw notXmlCharacter(text, i, field);
        }
        if (code >= 0xd800 && code <= 0xdfff) {
          const next = text.charCodeAt(i + 1);
          if (code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
            i++;
            continue;
          }
          throw notXmlCharacter(text, i, field);
        }
    }
    if (replacement !== undefined) {
      out += text.slice(last, i) + replacement;
      last = i + 1;
    }
  }
  return last === 0 ? text : out + text.slice(last);
}

/**
 * Text that `escapeXmlForIso88599` leaves as it is: printable ASCII but `" & ' < >`, Latin-1
 * letters and signs from U+00A0 that ISO-8859-9 shares (all but Ð Ý Þ ð ý þ), and Ğ ğ İ ı Ş ş.
 */
const ISO_8859_9_AS_IS =
  /^[\u0020\u0021\u0023-\u0025\u0028-\u003b\u003d\u003f-\u007e\u00a0-\u00cf\u00d1-\u00dc\u00df-\u00ef\u00f1-\u00fc\u00ff\u011e\u011f\u0130\u0131\u015e\u015f]*$/;

/**
 * The ISO-8859-9 byte of each character `escapeXmlIso88599Attribute` leaves as it is, by UTF-16
 * code unit below U+0160 (0 = escaped or refused), built from `ISO_8859_9_AS_IS` itself.
 */
export const ISO_8859_9_AS_IS_BYTES = (() => {
  const turkish: Readonly<Record<number, number>> = {
    0x011e: 0xd0,
    0x0130: 0xdd,
    0x015e: 0xde,
    0x011f: 0xf0,
    0x0131: 0xfd,
    0x015f: 0xfe,
  };
  const table = new Uint8Array(0x160);
  for (let code = 1; code < table.length; code++) {
    if (ISO_8859_9_AS_IS.test(String.fromCharCode(code)))
      table[code] = code < 0x100 ? code : turkish[code]!;
  }
  return table;
})();

/**
 * `escapeXmlForIso88599(text, { field })` (attribute value of an ISO-8859-9 document), with the
 * common case — nothing to escape — answered by one native scan.
 */
export function escapeXmlIso88599Attribute(text: string, field: string): string {
  return ISO_8859_9_AS_IS.test(text) ? text : escapeXmlForIso88599(text, { field });
}
