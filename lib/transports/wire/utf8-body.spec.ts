import { plainUtf8Body, utf8Body } from './utf8-body.js';
import { escapeXmlUtf8 } from './xml-escape.js';

describe('plainUtf8Body', () => {
  const head = Buffer.from('<Head>Ş</Head><Message>', 'utf8');
  const ascii = '<string>905321234567</string>';
  const tail = '</Message>';

  it.each([
    'Doğrulama kodunuz: 482913. Bu kodu kimseyle paylaşmayın.',
    'tab\there, line\nbreak, DEL\u007f, C1\u0085, NBSP\u00a0',
    'em dash — € ‰ ‐ ߿ ࠀ \uffef \ufffd',
    '',
  ])('writes the bytes utf8Body writes for the escaped text (%p)', (text) => {
    expect(plainUtf8Body(head, ascii, text, Buffer.from(tail))).toEqual(
      utf8Body(head, ascii, escapeXmlUtf8(text), tail),
    );
  });

  it.each([
    '5 < 6',
    'a & b',
    '"q"',
    "Şişli'de",
    'x > y',
    'cr\r',
    'emoji 😀',
    'nul\u0000',
    '\ufffe',
  ])('leaves a text the escape changes or refuses to it (%p)', (text) => {
    expect(plainUtf8Body(head, ascii, text, Buffer.from(tail))).toBeUndefined();
  });
});
