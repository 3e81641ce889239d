import { SmsValidationError } from '../../errors/validation.error.js';
import { parseHttpReply } from './http-reply.js';
import { replyText } from './reply-text.js';
import { xmlDocument, xmlDocumentHead, xmlDocumentWithText } from './xml-api.js';
import { escapeXmlIso88599Attribute, escapeXmlUtf8 } from './xml-escape.js';

describe('parseHttpReply', () => {
  it('reads pairs, repeated keys in order and empty values', () => {
    const reply = parseHttpReply('errno=0&errtext=&message_id=C1_A&message_id=C1_B&charge=2\r\n')!;
    expect(reply.get('errno')).toBe('0');
    expect(reply.get('errtext')).toBe('');
    expect(reply.all('message_id')).toEqual(['C1_A', 'C1_B']);
    expect(reply.get('charge')).toBe('2');
    expect(reply.get('missing')).toBeUndefined();
  });

  it('keeps an ampersand inside the error text', () => {
    expect(parseHttpReply('errno=-2001&errtext=API & DB hatası')!.get('errtext')).toBe(
      'API & DB hatası',
    );
  });

  it('cuts a reply into errno blocks: one for the usual layout, one per recipient otherwise', () => {
    expect(
      parseHttpReply('errno=0&errtext=&message_id=C1_A&message_id=C1_B&charge=2')!.blocks(),
    ).toHaveLength(1);
    const blocks = parseHttpReply(
      'errno=0&errtext=&message_id=C1_A&charge=1&errno=-1003&errtext=GSM no & geçersiz&message_id=&charge=0',
    )!.blocks();
    expect(
      blocks.map((b) => [b.get('errno'), b.get('errtext'), b.get('message_id'), b.get('charge')]),
    ).toEqual([
      ['0', '', 'C1_A', '1'],
      ['-1003', 'GSM no & geçersiz', '', '0'],
    ]);
  });

  it.each(['', '<html>500</html>', 'message_id=C1_A', 'errno=0&<b>=1'])('refuses %p', (text) => {
    expect(parseHttpReply(text)).toBeUndefined();
  });
});

describe('replyText', () => {
  const reply = (body: Buffer, contentType?: string) => ({ status: 200, body, contentType });
  const latin5 = Buffer.from([0x47, 0x53, 0x4d, 0x20, 0xfe, 0xfd]); // "GSM şı"

  it('uses the content-type charset, else the API default', () => {
    expect(replyText(reply(latin5, 'text/html; charset=iso-8859-9'), 'utf-8')).toBe('GSM şı');
    expect(replyText(reply(latin5), 'iso-8859-9')).toBe('GSM şı');
    expect(
      replyText(reply(Buffer.from('ş', 'utf8'), 'text/plain; charset=UTF-8'), 'iso-8859-9'),
    ).toBe('ş');
  });

  it('lets an XML declaration win, and a BOM win over everything', () => {
    const xml = Buffer.concat([
      Buffer.from('<?xml version="1.0" encoding="utf-8"?><a>'),
      Buffer.from('ş', 'utf8'),
      Buffer.from('</a>'),
    ]);
    expect(replyText(reply(xml, 'text/xml; charset=iso-8859-9'), 'iso-8859-9', { xml: true })).toBe(
      '<?xml version="1.0" encoding="utf-8"?><a>ş</a>',
    );
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('ğ', 'utf8')]);
    expect(replyText(reply(bom, 'text/plain; charset=iso-8859-9'), 'iso-8859-9')).toBe('ğ');
  });
});

describe('escapeXmlUtf8', () => {
  it('escapes the five specials and CR, keeps every other character', () => {
    expect(escapeXmlUtf8(`Şişli'de — 5 < 6 & "tamam" >\r\n\t😀`)).toBe(
      'Şişli&apos;de — 5 &lt; 6 &amp; &quot;tamam&quot; &gt;&#13;\n\t😀',
    );
  });

  it('returns plain text unchanged', () => {
    const text = 'Kodunuz 482913';
    expect(escapeXmlUtf8(text)).toBe(text);
  });

  it.each(['\u0000', '\u0008', '\ud800x', 'x\udc00', '\uffff'])(
    'refuses %p, which XML cannot carry',
    (text) => {
      expect(() => escapeXmlUtf8(text, 'messages[2].text')).toThrow(SmsValidationError);
      expect(() => escapeXmlUtf8(text, 'messages[2].text')).toThrow(/messages\[2\]\.text/);
    },
  );
});

describe('xmlDocumentWithText', () => {
  const rest = '" dt=""><TO>5321234567</TO></INSERTMSG></SMS-InsRequest>';
  it.each([
    'Doğrulama kodunuz: 482913. Bu kodu kimseyle paylaşmayın.',
    'Şişli\'de 5 < 6 & "tamam" > 4',
    'ĞİŞğış ÇÖÜçöü âîû Ð Ý Þ ð ý þ ÿ',
    'tab\there, line\nbreak, return\r, NBSP\u00a0, C1\u0085',
    'em dash — and emoji 😀, € and ‰',
    '',
  ])('writes what xmlDocument writes for the escaped text (%p)', (text) => {
    for (const client of ['<CLIENT user="u" pwd="p"/>', '<CLIENT user="ş" pwd="Ğ&amp;"/>']) {
      const markup = `<SMS-InsRequest>${client}<INSERTMSG text="`;
      const expected = xmlDocument(`${markup}${escapeXmlIso88599Attribute(text, 'text')}${rest}`);
      expect(xmlDocumentWithText(xmlDocumentHead(markup), text, 'text', rest)).toEqual(expected);
    }
  });

  it('refuses what the escape refuses, naming the field', () => {
    const head = xmlDocumentHead('<a t="');
    expect(() => xmlDocumentWithText(head, 'a\u0000b', 'messages[2].text', '"/>')).toThrow(
      expect.objectContaining({ code: 'TEXT_NOT_ENCODABLE', field: 'messages[2].text' }),
    );
  });
});
