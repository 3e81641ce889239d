import {
  decodeXmlAttribute,
  decodeXmlBody,
  decodeXmlText,
  escapeXml,
  MalformedXmlError,
  parseXmlDocument,
  xmlChild,
  xmlChildren,
  xmlRawAttribute,
} from './simulator-xml.js';

describe('decodeXmlBody', () => {
  const latin5 = Buffer.from([0x3c, 0x61, 0x3e, 0xde, 0xfd, 0x3c, 0x2f, 0x61, 0x3e]); // <a>Şı</a>
  const declared = (encoding: string, rest: Buffer): Buffer =>
    Buffer.concat([Buffer.from(`<?xml version="1.0" encoding="${encoding}"?>`), rest]);

  it('reads a body without declaration as UTF-8 (XML 1.0 §4.3.3), whatever the Content-Type says', () => {
    expect(decodeXmlBody(Buffer.from('<a>ğ</a>', 'utf8'))).toBe('<a>ğ</a>');
    // The XML API passes no Content-Type: a client sending UTF-8 under charset=iso-8859-9 works.
    expect(decodeXmlBody(Buffer.from('<a>Şı</a>', 'utf8'))).toBe('<a>Şı</a>');
    // ISO-8859-9 bytes without a declaration are not UTF-8: they do not come out as Şı.
    expect(decodeXmlBody(latin5)).not.toBe('<a>Şı</a>');
  });

  it('follows the declaration, and a BOM over everything', () => {
    expect(decodeXmlBody(declared('ISO-8859-9', latin5))).toBe(
      '<?xml version="1.0" encoding="ISO-8859-9"?><a>Şı</a>',
    );
    const bom = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from('<?xml version="1.0" encoding="iso-8859-9"?><a>ğ</a>', 'utf8'),
    ]);
    expect(decodeXmlBody(bom)).toBe('<?xml version="1.0" encoding="iso-8859-9"?><a>ğ</a>');
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('<a>ğ</a>', 'utf16le')]);
    expect(decodeXmlBody(utf16)).toBe('<a>ğ</a>');
  });

  it('consults a given Content-Type charset only when the body declares nothing (SOAP)', () => {
    expect(decodeXmlBody(latin5, 'text/xml; charset="ISO-8859-9"')).toBe('<a>Şı</a>');
    expect(
      decodeXmlBody(declared('utf-8', Buffer.from('<a>ğ</a>')), 'text/xml; charset=iso-8859-9'),
    ).toBe('<?xml version="1.0" encoding="utf-8"?><a>ğ</a>');
  });

  it('knows windows-1254 and gives up on an unknown charset', () => {
    expect(decodeXmlBody(declared('windows-1254', Buffer.from([0x97])))).toMatch(/—$/);
    expect(decodeXmlBody(declared('klingon', Buffer.from('<a/>')))).toBeUndefined();
  });
});

describe('decodeXmlAttribute / decodeXmlText', () => {
  it('decodes predefined entities and decimal/hex character references', () => {
    expect(decodeXmlAttribute('&lt;&gt;&amp;&quot;&apos;&#8212;&#x1F600;')).toBe('<>&"\'—😀');
  });

  it('normalises attribute whitespace but keeps references to it', () => {
    expect(decodeXmlAttribute('a\r\nb\rc\td\ne&#9;&#10;&#13;')).toBe('a b c d e\t\n\r');
    expect(decodeXmlText('a\r\nb\rc\td')).toBe('a\nb\nc\td');
  });

  it.each(['a & b', '&nbsp;', '&#0;', '&#xD800;', '&#12345678;', '&amp'])('refuses %j', (raw) => {
    expect(() => decodeXmlAttribute(raw)).toThrow(MalformedXmlError);
  });

  it('refuses < in an attribute value', () => {
    expect(() => decodeXmlAttribute('a<b')).toThrow(MalformedXmlError);
  });
});

describe('parseXmlDocument', () => {
  it('returns the root and keeps raw attribute values', () => {
    const document = parseXmlDocument('<?xml version="1.0"?>\n<R a="x&amp;y"><TO>1</TO><C/></R>\n');
    expect(document?.name).toBe('R');
    expect(xmlRawAttribute(document!.node, 'a')).toBe('x&amp;y');
    expect(xmlChildren(document!.node, 'TO')).toEqual(['1']);
    expect(xmlChild(document!.node, 'C')).toBe('');
    expect(xmlChild(document!.node, 'missing')).toBeUndefined();
  });

  it.each(['', 'text', '<a>', '<a/><b/>', '<a/>tail', '<a b="1" b="2"/>', '<a><b></a></b>'])(
    'refuses %j',
    (text) => {
      expect(parseXmlDocument(text)).toBeUndefined();
    },
  );
});

describe('escapeXml', () => {
  it('escapes the five markup characters', () => {
    expect(escapeXml(`a&b<c>d"e'f`)).toBe('a&amp;b&lt;c&gt;d&quot;e&apos;f');
    expect(escapeXml('plain')).toBe('plain');
  });
});
