import { PostaGuverciniSimulator } from './posta-guvercini.simulator.js';
import { parseXsdDateTime } from './soap-api.handler.js';
import type { SimulatorProfile } from './simulator.types.js';

const NS = 'http://83.66.137.24/PgApiWs';
const ACCOUNTS = {
  otp: { username: 'otp-user', password: 'otp-secret' },
  bulk: { username: 'bulk-user', password: 'bulk-secret' },
};
const ENVELOPE_OPEN =
  '<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"><soap:Body>';
const ENVELOPE_CLOSE = '</soap:Body></soap:Envelope>';

function envelope(operation: string, inner: string, namespace = NS): string {
  return `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soap:Body><${operation} xmlns="${namespace}">${inner}</${operation}></soap:Body></soap:Envelope>`;
}

function strings(values: readonly string[]): string {
  return values.map((value) => `<string>${value}</string>`).join('');
}

function result(operation: string, inner: string): string {
  return `${ENVELOPE_OPEN}<${operation}Response xmlns="${NS}"><${operation}Result>${inner}</${operation}Result></${operation}Response>${ENVELOPE_CLOSE}`;
}

async function post(
  url: string,
  operation: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; text: string; contentType: string | null }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'text/xml; charset=utf-8',
      soapaction: `"${NS}/${operation}"`,
      ...headers,
    },
    body,
  });
  return {
    status: response.status,
    text: await response.text(),
    contentType: response.headers.get('content-type'),
  };
}

function resultStrings(text: string): string[] {
  return [...text.matchAll(/<string>([^<]*)<\/string>/g)].map((match) => match[1]!);
}

describe.each<SimulatorProfile>(['otp', 'bulk'])('SOAP API on the %s profile', (profile) => {
  const sim = new PostaGuverciniSimulator();
  const account = ACCOUNTS[profile];
  const creds = `<Username>${account.username}</Username><Password>${account.password}</Password>`;
  let url: string;

  beforeAll(async () => {
    await sim.start();
    url = `${profile === 'otp' ? sim.otpBaseUrl : sim.bulkBaseUrl}/api_ws/smsservice.asmx`;
  });
  afterAll(() => sim.stop());
  beforeEach(() => sim.reset());

  it('sends 1-N with SmsInsert_1_N: one id per recipient, -1003 in place of an invalid number', async () => {
    const reply = await post(
      url,
      'SmsInsert_1_N',
      envelope(
        'SmsInsert_1_N',
        `${creds}<SendDate xsi:nil="true"/><ExpireDate xsi:nil="true"/><Recepients>${strings(['905321234567', '123', '905051112233'])}</Recepients><Message>Kodunuz: 123456</Message>`,
      ),
    );
    expect(reply.status).toBe(200);
    expect(reply.contentType).toBe('text/xml; charset=utf-8');
    const [first, second, third] = sim.messages;
    expect(sim.messages).toHaveLength(2);
    expect(reply.text).toBe(result('SmsInsert_1_N', strings([first!.id, '-1003', second!.id])));
    expect(third).toBeUndefined();
    expect(first).toMatchObject({
      to: '905321234567',
      text: 'Kodunuz: 123456',
      api: 'soap',
      profile,
    });
  });

  it('answers SmsInsert_N_N with a soap:Server fault: its parameter names are not attested', async () => {
    const reply = await post(
      url,
      'SmsInsert_N_N',
      envelope(
        'SmsInsert_N_N',
        `${creds}<Recepients>${strings(['905321234567'])}</Recepients><Messages>${strings(['x'])}</Messages>`,
      ),
    );
    expect(reply.status).toBe(500);
    expect(reply.text).toContain('<faultcode>soap:Server</faultcode>');
    expect(reply.text).toContain('assumeSoapManyToManyElementNames');
    expect(sim.messages).toHaveLength(0);
  });

  describe('with assumeSoapManyToManyElementNames (Recepients + Messages, an assumption)', () => {
    const assuming = new PostaGuverciniSimulator({ assumeSoapManyToManyElementNames: true });
    let assumingUrl: string;
    beforeAll(async () => {
      await assuming.start();
      assumingUrl = `${profile === 'otp' ? assuming.otpBaseUrl : assuming.bulkBaseUrl}/api_ws/smsservice.asmx`;
    });
    afterAll(() => assuming.stop());
    beforeEach(() => assuming.reset());

    it('sends N-N (parallel arrays), keeping whitespace and the exact text', async () => {
      const text = 'Şişli\'de ığdır İÇİN çok güzel öğün — 5 &lt; 6 &amp; "tamam"';
      const reply = await post(
        assumingUrl,
        'SmsInsert_N_N',
        envelope(
          'SmsInsert_N_N',
          `${creds}<Recepients>${strings(['905321234567', '905051112233'])}</Recepients><Messages>${strings([text, '  iki\r\nsatır  '])}</Messages>`,
        ),
      );
      expect(resultStrings(reply.text)).toEqual(assuming.messages.map((message) => message.id));
      expect(assuming.messages.map((message) => message.text)).toEqual([
        'Şişli\'de ığdır İÇİN çok güzel öğün — 5 < 6 & "tamam"',
        '  iki\nsatır  ',
      ]);
    });

    it('answers different counts as ERR1080', async () => {
      const reply = await post(
        assumingUrl,
        'SmsInsert_N_N',
        envelope(
          'SmsInsert_N_N',
          `${creds}<Recepients>${strings(['905321234567', '905321234568'])}</Recepients><Messages>${strings(['x'])}</Messages>`,
        ),
      );
      expect(resultStrings(reply.text)).toEqual(['ERR1080']);
    });
  });

  it('accepts a prefixed operation element, a trailing-slash namespace and an unquoted SOAPAction', async () => {
    const body = `<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:pg="${NS}/"><s:Body><pg:CreditBalance><pg:Username>${account.username}</pg:Username><pg:Password>${account.password}</pg:Password></pg:CreditBalance></s:Body></s:Envelope>`;
    const reply = await post(url, 'CreditBalance', body, { soapaction: `${NS}/CreditBalance` });
    expect(reply.text).toBe(result('CreditBalance', '1000000'));
  });

  it('answers CreditBalance and IdCheck', async () => {
    await post(
      url,
      'SmsInsert_1_N',
      envelope(
        'SmsInsert_1_N',
        `${creds}<Recepients>${strings(['905321234567'])}</Recepients><Message>x</Message>`,
      ),
    );
    expect((await post(url, 'CreditBalance', envelope('CreditBalance', creds))).text).toBe(
      result('CreditBalance', '999999'),
    );
    expect((await post(url, 'IdCheck', envelope('IdCheck', creds))).text).toBe(
      result('IdCheck', 'SIMULATOR'),
    );
  });

  it('answers SmsStatus like ASMX answers an unknown operation: soap:Client fault, HTTP 500', async () => {
    const reply = await post(
      url,
      'SmsStatus',
      envelope('SmsStatus', `${creds}<MessageIds>${strings(['C1_UNKNOWN'])}</MessageIds>`),
    );
    expect(reply.status).toBe(500);
    expect(reply.text).toBe(
      `${ENVELOPE_OPEN}<soap:Fault><faultcode>soap:Client</faultcode><faultstring>Server did not recognize the value of HTTP Header SOAPAction: &quot;${NS}/SmsStatus&quot;.</faultstring><detail /></soap:Fault>${ENVELOPE_CLOSE}`,
    );
    expect(sim.requests.at(-1)).toMatchObject({ operation: 'unknown', status: 500 });
  });

  describe('with assumeSoapStatusOperation (an assumption)', () => {
    const assuming = new PostaGuverciniSimulator({ assumeSoapStatusOperation: true });
    let assumingUrl: string;
    beforeAll(async () => {
      await assuming.start();
      assumingUrl = `${profile === 'otp' ? assuming.otpBaseUrl : assuming.bulkBaseUrl}/api_ws/smsservice.asmx`;
    });
    afterAll(() => assuming.stop());

    it('answers SmsStatus with CODE|F in input order, and wrong credentials with the code', async () => {
      await post(
        assumingUrl,
        'SmsInsert_1_N',
        envelope(
          'SmsInsert_1_N',
          `${creds}<Recepients>${strings(['905321234567'])}</Recepients><Message>x</Message>`,
        ),
      );
      const id = assuming.messages[0]!.id;
      const status = envelope(
        'SmsStatus',
        `${creds}<MessageIds>${strings(['C1_UNKNOWN', id])}</MessageIds>`,
      );
      expect((await post(assumingUrl, 'SmsStatus', status)).text).toBe(
        result('SmsStatus', strings(['420|1', '200|0'])),
      );
      assuming.advance(2_000);
      expect(resultStrings((await post(assumingUrl, 'SmsStatus', status)).text)).toEqual([
        '420|1',
        '300|0',
      ]);
      assuming.advance(2_000);
      expect(resultStrings((await post(assumingUrl, 'SmsStatus', status)).text)).toEqual([
        '420|1',
        '400|1',
      ]);
      const bad = `<Username>${account.username}</Username><Password>nope</Password>`;
      expect(
        resultStrings(
          (
            await post(
              assumingUrl,
              'SmsStatus',
              envelope('SmsStatus', `${bad}<MessageIds><string>x</string></MessageIds>`),
            )
          ).text,
        ),
      ).toEqual(['-1002']);
    });
  });

  it.each([
    [
      'a wrong user',
      '<Username>nobody</Username><Password>x</Password><Recepients><string>905321234567</string></Recepients><Message>x</Message>',
      '-1001',
    ],
    [
      'a wrong password',
      'USER<Password>x</Password><Recepients><string>905321234567</string></Recepients><Message>x</Message>',
      '-1002',
    ],
    ['no recipients', 'CREDS<Recepients/><Message>x</Message>', 'ERR1060'],
    [
      '801 recipients',
      `CREDS<Recepients>${'<string>905321234567</string>'.repeat(801)}</Recepients><Message>x</Message>`,
      'ERR1070',
    ],
    [
      'an empty message',
      'CREDS<Recepients><string>905321234567</string></Recepients><Message> </Message>',
      'ERR1090',
    ],
    ['no message', 'CREDS<Recepients><string>905321234567</string></Recepients>', 'ERR1090'],
  ])('answers SmsInsert_1_N with %s as one result entry', async (_name, inner, code) => {
    const fields = inner
      .replace('CREDS', creds)
      .replace('USER', `<Username>${account.username}</Username>`);
    const reply = await post(url, 'SmsInsert_1_N', envelope('SmsInsert_1_N', fields));
    expect(reply.status).toBe(200);
    expect(reply.text).toBe(result('SmsInsert_1_N', strings([code])));
    expect(sim.messages).toHaveLength(0);
  });

  it.each([
    ['a bad SendDate', '<SendDate>20261201 10:00</SendDate>', '20261201 10:00'],
    ['an empty SendDate', '<SendDate></SendDate>', ''],
    ['a self-closed SendDate', '<SendDate/>', ''],
    ['a bad ExpireDate', '<ExpireDate>2026-02-30T10:00:00</ExpireDate>', '2026-02-30T10:00:00'],
  ])(
    'answers SmsInsert_1_N with %s as ASMX does: soap:Client fault, HTTP 500',
    async (_name, field, value) => {
      const reply = await post(
        url,
        'SmsInsert_1_N',
        envelope(
          'SmsInsert_1_N',
          `${creds}${field}<Recepients><string>905321234567</string></Recepients><Message>x</Message>`,
        ),
      );
      expect(reply.status).toBe(500);
      expect(reply.text).toContain('<faultcode>soap:Client</faultcode>');
      expect(reply.text).toContain(`The string &apos;${value}&apos; is not a valid AllXsd value.`);
      expect(sim.messages).toHaveLength(0);
    },
  );

  it('answers wrong credentials in CreditBalance with the code', async () => {
    const bad = `<Username>${account.username}</Username><Password>nope</Password>`;
    expect((await post(url, 'CreditBalance', envelope('CreditBalance', bad))).text).toBe(
      result('CreditBalance', '-1002'),
    );
  });

  it.each([
    [
      'a body that is not XML',
      'SmsInsert_1_N',
      'not xml',
      {},
      'soap:Client',
      'There is an error in XML document: the request is not well-formed XML.',
    ],
    [
      'an unknown SOAPAction',
      'SmsInsert_1_N',
      envelope('SmsInsert_1_N', ''),
      { soapaction: '"http://tempuri.org/Send"' },
      'soap:Client',
      'Server did not recognize the value of HTTP Header SOAPAction: "http://tempuri.org/Send".',
    ],
    [
      'a SOAPAction that does not match the body',
      'CreditBalance',
      envelope('SmsInsert_1_N', ''),
      {},
      'soap:Client',
      `The body element {${NS}}SmsInsert_1_N does not match the action ${NS}/CreditBalance.`,
    ],
    [
      'the wrong namespace',
      'CreditBalance',
      envelope('CreditBalance', '', 'http://tempuri.org/'),
      {},
      'soap:Client',
      `The body element {http://tempuri.org/}CreditBalance does not match the action ${NS}/CreditBalance.`,
    ],
    [
      'a SOAP 1.2 envelope under the SOAP 1.1 media type',
      'CreditBalance',
      `<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body><CreditBalance xmlns="${NS}"/></e:Body></e:Envelope>`,
      {},
      'soap:VersionMismatch',
      'A SOAP 1.2 envelope came with the SOAP 1.1 media type (text/xml).',
    ],
    [
      'no Envelope',
      'CreditBalance',
      `<CreditBalance xmlns="${NS}"/>`,
      {},
      'soap:Client',
      'The root element is not a SOAP Envelope.',
    ],
    [
      'a bare &',
      'CreditBalance',
      envelope('CreditBalance', '<Username>a & b</Username>'),
      {},
      'soap:Client',
      'There is an error in XML document: the request is not well-formed XML.',
    ],
    [
      'an unknown entity',
      'CreditBalance',
      envelope('CreditBalance', '<Username>a&nbsp;b</Username>'),
      {},
      'soap:Client',
      'There is an error in XML document: unknown reference &nbsp;',
    ],
  ])(
    'answers %s with HTTP 500 and a soap:Fault',
    async (_name, operation, body, headers, faultCode, faultString) => {
      const reply = await post(url, operation, body, headers);
      expect(reply.status).toBe(500);
      expect(reply.text).toBe(
        `${ENVELOPE_OPEN}<soap:Fault><faultcode>${faultCode}</faultcode><faultstring>${faultString.replace(/&/g, '&amp;').replace(/"/g, '&quot;')}</faultstring><detail /></soap:Fault>${ENVELOPE_CLOSE}`,
      );
      expect(sim.requests.at(-1)).toMatchObject({
        api: 'soap',
        status: 500,
        providerCode: faultCode,
      });
    },
  );

  it('answers another media type with 415 and a GET with 405', async () => {
    expect(
      (
        await post(url, 'CreditBalance', envelope('CreditBalance', creds), {
          'content-type': 'application/xml; charset=utf-8',
        })
      ).status,
    ).toBe(415);
    expect((await fetch(url)).status).toBe(405);
  });

  describe('SOAP 1.2 (application/soap+xml, soap12 envelope), as ASMX serves it', () => {
    const soap12 = (operation: string, inner: string): string =>
      `<?xml version="1.0" encoding="utf-8"?><soap12:Envelope xmlns:soap12="http://www.w3.org/2003/05/soap-envelope" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soap12:Body><${operation} xmlns="${NS}">${inner}</${operation}></soap12:Body></soap12:Envelope>`;
    const OPEN12 =
      '<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"><soap:Body>';

    it.each([
      ['with the action parameter', `; action="${NS}/SmsInsert_1_N"`],
      ['without an action (the body element decides)', ''],
    ])('sends SmsInsert_1_N %s and answers in SOAP 1.2', async (_name, action) => {
      const reply = await post(
        url,
        'SmsInsert_1_N',
        soap12(
          'SmsInsert_1_N',
          `${creds}<SendDate xsi:nil="true"/><ExpireDate xsi:nil="true"/><Recepients>${strings(['+905321234567'])}</Recepients><Message>Kodunuz 1234</Message>`,
        ),
        { 'content-type': `application/soap+xml; charset=utf-8${action}`, soapaction: '' },
      );
      expect(reply.status).toBe(200);
      expect(reply.contentType).toBe('application/soap+xml; charset=utf-8');
      expect(reply.text).toBe(
        `${OPEN12}<SmsInsert_1_NResponse xmlns="${NS}"><SmsInsert_1_NResult>${strings([sim.messages[0]!.id])}</SmsInsert_1_NResult></SmsInsert_1_NResponse>${ENVELOPE_CLOSE}`,
      );
      expect(sim.messages[0]).toMatchObject({ to: '905321234567', text: 'Kodunuz 1234' });
      expect(sim.requests.at(-1)).toMatchObject({ operation: 'SmsInsert_1_N', status: 200 });
    });

    it('answers a SOAP 1.2 fault (soap:Sender) for an empty SendDate and a 1.1 envelope (VersionMismatch)', async () => {
      const empty = await post(
        url,
        'SmsInsert_1_N',
        soap12(
          'SmsInsert_1_N',
          `${creds}<SendDate></SendDate><Recepients>${strings(['905321234567'])}</Recepients><Message>x</Message>`,
        ),
        { 'content-type': 'application/soap+xml; charset=utf-8' },
      );
      expect(empty.status).toBe(500);
      expect(empty.text).toContain(
        '<soap:Fault><soap:Code><soap:Value>soap:Sender</soap:Value></soap:Code><soap:Reason><soap:Text xml:lang="en">',
      );
      const mismatch = await post(url, 'CreditBalance', envelope('CreditBalance', creds), {
        'content-type': `application/soap+xml; charset=utf-8; action="${NS}/CreditBalance"`,
      });
      expect(mismatch.status).toBe(500);
      expect(mismatch.text).toContain('<soap:Value>soap:VersionMismatch</soap:Value>');
      expect(sim.messages).toHaveLength(0);
    });
  });

  it('reads SendDate and ExpireDate as xsd:dateTime', async () => {
    await post(
      url,
      'SmsInsert_1_N',
      envelope(
        'SmsInsert_1_N',
        `${creds}<SendDate>2030-01-02T10:00:00+03:00</SendDate><ExpireDate>2030-01-02T07:30:00.5Z</ExpireDate><Recepients>${strings(['905321234567'])}</Recepients><Message>x</Message>`,
      ),
    );
    expect(sim.messages[0]!.requested).toEqual({
      sendAt: new Date('2030-01-02T07:00:00Z'),
      validUntil: new Date('2030-01-02T07:30:00.500Z'),
    });
  });
});

describe('parseXsdDateTime', () => {
  it('reads offsets, Z, fractions and zone-less Istanbul time', () => {
    expect(parseXsdDateTime('2026-11-27T19:30:00+03:00')?.toISOString()).toBe(
      '2026-11-27T16:30:00.000Z',
    );
    expect(parseXsdDateTime('2026-11-27T19:30:00.1234567-01:30')?.toISOString()).toBe(
      '2026-11-27T21:00:00.123Z',
    );
    expect(parseXsdDateTime('2026-11-27T19:30:00Z')?.toISOString()).toBe(
      '2026-11-27T19:30:00.000Z',
    );
    expect(parseXsdDateTime('2026-11-27T19:30:00')?.toISOString()).toBe('2026-11-27T16:30:00.000Z');
  });

  it.each([
    '2026-11-27',
    '2026-11-27 19:30:00',
    '2026-13-01T00:00:00',
    '2026-02-29T00:00:00',
    '2026-11-27T24:00:00',
    '',
  ])('refuses %j', (text) => {
    expect(parseXsdDateTime(text)).toBeUndefined();
  });
});
