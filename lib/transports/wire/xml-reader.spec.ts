import {
  childNamed,
  childrenNamed,
  decodeEntities,
  parseXml,
  XmlSyntaxError,
} from './xml-reader.js';

describe('parseXml', () => {
  it('reads the XML API send reply', () => {
    const root = parseXml(
      '<?xml version="1.0" encoding="iso-8859-9"?>\r\n<SMS-Response><INSERT id="C1_A" res="1"/><INSERT id="" res="0"/></SMS-Response>',
    );
    expect(root.name).toBe('SMS-Response');
    expect(childrenNamed(root, 'INSERT').map((e) => e.attributes)).toEqual([
      { id: 'C1_A', res: '1' },
      { id: '', res: '0' },
    ]);
  });

  it('strips namespace prefixes from names but keeps them in qualifiedName and attributes', () => {
    const root = parseXml(
      '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>' +
        '<R xmlns="http://83.66.137.24/PgApiWs"><RResult><string>a</string><string xsi:nil="true" /></RResult></R>' +
        '</soap:Body></soap:Envelope>',
    );
    expect(root.name).toBe('Envelope');
    expect(root.qualifiedName).toBe('soap:Envelope');
    const result = childNamed(childNamed(childNamed(root, 'Body')!, 'R')!, 'RResult')!;
    expect(childrenNamed(result, 'string').map((e) => e.text)).toEqual(['a', '']);
    expect(childrenNamed(result, 'string')[1]!.attributes).toEqual({ 'xsi:nil': 'true' });
  });

  it('decodes entities, character references and CDATA exactly once', () => {
    const root = parseXml(
      `<a t='5 &lt; 6 &amp; &quot;x&quot; &#8212; &#x15F;'>&amp;amp; <![CDATA[<raw & kept>]]> &#128512;<!-- c --></a>`,
    );
    expect(root.attributes['t']).toBe('5 < 6 & "x" — ş');
    expect(root.text).toBe('&amp; <raw & kept> 😀');
  });

  it('normalises literal whitespace in attribute values, keeps it in character references', () => {
    expect(parseXml('<a v="x\ny\tz" w="x&#10;y"/>').attributes).toEqual({ v: 'x y z', w: 'x\ny' });
  });

  it.each([
    ['empty', ''],
    ['text only', 'errno=0&errtext='],
    ['truncated', '<SMS-Response><INSERT id="C1_A" res="1"/>'],
    ['mismatched', '<a><b></a></b>'],
    ['two roots', '<a/><b/>'],
    ['text after root', '<a/>junk'],
    ['unknown entity', '<a>&nbsp;</a>'],
    ['bare ampersand', '<a>5 & 6</a>'],
    ['unquoted attribute', '<a x=1/>'],
    ['duplicate attribute', '<a x="1" x="2"/>'],
    ['doctype', '<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>'],
    ['invalid character reference', '<a>&#0;</a>'],
    ['html page', '<html><body><p>Service Unavailable<br></body></html>'],
  ])('refuses %s', (_label, text) => {
    expect(() => parseXml(text)).toThrow(XmlSyntaxError);
  });

  it('decodeEntities leaves text without entities untouched', () => {
    const text = 'C1_418E6091-9BEC-4FCD-899C-0A1B2C3D4E5F';
    expect(decodeEntities(text)).toBe(text);
  });
});
