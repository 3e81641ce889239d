import { SmsValidationError } from '../errors/validation.error.js';
import {
  canEncodeIso88599,
  decodeIso88599,
  encodeIso88599,
  escapeXmlForIso88599,
  findUnencodableCharacter,
  percentDecodeIso88599,
  percentEncodeIso88599,
} from './iso-8859-9.js';

const SENTENCE = 'Şişli\'de ığdır İÇİN çok güzel öğün — 5 < 6 & "tamam"';

describe('encodeIso88599 / decodeIso88599', () => {
  it('encodes the six Turkish letters to their Latin-5 bytes', () => {
    expect([...encodeIso88599('ĞİŞğış')]).toEqual([0xd0, 0xdd, 0xde, 0xf0, 0xfd, 0xfe]);
    expect([...encodeIso88599('çÇöÖüÜ')]).toEqual([0xe7, 0xc7, 0xf6, 0xd6, 0xfc, 0xdc]);
    expect(encodeIso88599('A b').toString('latin1')).toBe('A b');
  });

  it('decodes every byte and round-trips every representable character', () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const text = decodeIso88599(all);
    expect(text).toHaveLength(256);
    expect(
      text.slice(0xd0, 0xd1) + text[0xdd] + text[0xde] + text[0xf0] + text[0xfd] + text[0xfe],
    ).toBe('ĞİŞğış');
    expect(encodeIso88599(text).equals(all)).toBe(true);
  });

  it('refuses a character outside ISO-8859-9 with a typed error instead of a "?"', () => {
    let error: unknown;
    try {
      encodeIso88599(SENTENCE, { field: 'messages[0].text' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SmsValidationError);
    expect(error).toMatchObject({ code: 'TEXT_NOT_ENCODABLE', field: 'messages[0].text' });
    expect((error as Error).message).toBe(
      "messages[0].text contains '—' (U+2014) at position 35, which ISO-8859-9 cannot represent; remove or replace it, or use the JSON or SOAP transport (UTF-8)",
    );
    expect(() => encodeIso88599('ð')).toThrow("'ð' (U+00F0)");
    expect(() => encodeIso88599('😀')).toThrow("'😀' (U+1F600) at position 0");
  });

  it('encodes typographic characters with windows-1254 and decodes them back', () => {
    const bytes = encodeIso88599(SENTENCE, { charset: 'windows-1254' });
    expect(bytes[35]).toBe(0x97);
    expect(decodeIso88599(bytes, { charset: 'windows-1254' })).toBe(SENTENCE);
    expect([...encodeIso88599('€‘’“”…–', { charset: 'windows-1254' })]).toEqual([
      0x80, 0x91, 0x92, 0x93, 0x94, 0x85, 0x96,
    ]);
    // Undefined code-page bytes decode to the C1 control of the same number, never to U+FFFD.
    expect(decodeIso88599(Buffer.from([0x81, 0x9e]), { charset: 'windows-1254' })).toBe(
      '\u0081\u009e',
    );
    expect(() => encodeIso88599('😀', { charset: 'windows-1254' })).toThrow(
      'which WINDOWS-1254 cannot represent',
    );
  });

  it('reports the first unencodable character', () => {
    expect(findUnencodableCharacter(SENTENCE)).toEqual({ char: '—', index: 35 });
    expect(findUnencodableCharacter(SENTENCE, 'windows-1254')).toBeUndefined();
    expect(canEncodeIso88599('Şişli')).toBe(true);
    expect(canEncodeIso88599('a😀')).toBe(false);
  });
});

describe('percentEncodeIso88599 / percentDecodeIso88599', () => {
  it('percent-encodes form values with Latin-5 bytes', () => {
    expect(percentEncodeIso88599('Şişli & ığdır')).toBe('%DEi%FEli+%26+%FD%F0d%FDr');
    expect(percentEncodeIso88599("a-b_c.d*e~f'g=h+i/j?k%l")).toBe(
      'a-b_c.d*e%7Ef%27g%3Dh%2Bi%2Fj%3Fk%25l',
    );
    expect(percentEncodeIso88599('\r\n')).toBe('%0D%0A');
  });

  it('round-trips the sentence through windows-1254 form encoding', () => {
    const encoded = percentEncodeIso88599(SENTENCE, { charset: 'windows-1254' });
    expect(encoded).toBe(
      '%DEi%FEli%27de+%FD%F0d%FDr+%DD%C7%DDN+%E7ok+g%FCzel+%F6%F0%FCn+%97+5+%3C+6+%26+%22tamam%22',
    );
    expect(percentDecodeIso88599(encoded, { charset: 'windows-1254' })).toBe(SENTENCE);
  });

  it('refuses the em dash in strict ISO-8859-9', () => {
    expect(() => percentEncodeIso88599(SENTENCE)).toThrow(
      expect.objectContaining({ code: 'TEXT_NOT_ENCODABLE' }),
    );
  });

  it('decodes lower-case escapes, raw Latin-5 bytes and leaves a stray % alone', () => {
    expect(percentDecodeIso88599('%fe%FE+%')).toBe('şş %');
    expect(percentDecodeIso88599('a%2')).toBe('a%2');
    expect(percentDecodeIso88599('%zz')).toBe('%zz');
    expect(percentDecodeIso88599(Buffer.from([0xde, 0x69]).toString('latin1'))).toBe('Şi');
  });
});

describe('escapeXmlForIso88599', () => {
  it('escapes markup and writes non-Latin-5 characters as numeric references', () => {
    expect(escapeXmlForIso88599(SENTENCE)).toBe(
      'Şişli&apos;de ığdır İÇİN çok güzel öğün &#8212; 5 &lt; 6 &amp; &quot;tamam&quot;',
    );
    expect(escapeXmlForIso88599('😀>')).toBe('&#128512;&gt;');
    expect(() => encodeIso88599(escapeXmlForIso88599(SENTENCE))).not.toThrow();
  });

  it('protects line breaks and tabs in attributes, and CR everywhere', () => {
    expect(escapeXmlForIso88599('a\tb\nc\r\nd')).toBe('a&#9;b&#10;c&#13;&#10;d');
    expect(escapeXmlForIso88599('a\tb\nc\r\nd', { attribute: false })).toBe('a\tb\nc&#13;\nd');
  });

  it('refuses characters XML 1.0 forbids', () => {
    expect(() => escapeXmlForIso88599('a\u0001b')).toThrow(
      '(U+0001) at position 1, which XML 1.0 does not allow',
    );
    expect(() => escapeXmlForIso88599('\ud800x')).toThrow(
      expect.objectContaining({ code: 'TEXT_NOT_ENCODABLE' }),
    );
  });
});
