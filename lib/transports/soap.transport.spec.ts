import { CannedProvider } from '../../test/transports/canned-provider.js';
import { SmsProviderError } from '../errors/provider.error.js';
import { SmsHttpStatusError, SmsMalformedResponseError } from '../errors/transport.error.js';
import { SoapTransport } from './soap.transport.js';

const OPEN =
  '<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"><soap:Body>';
const CLOSE = '</soap:Body></soap:Envelope>';
const CREDENTIALS =
  '<Username>otp-user</Username><Password>p&amp;ss&lt;&quot;Ş&quot;&gt;</Password>';
const result = (operation: string, inner: string) =>
  `${OPEN}<${operation}Response xmlns="http://83.66.137.24/PgApiWs"><${operation}Result>${inner}</${operation}Result></${operation}Response>${CLOSE}`;
const strings = (...items: string[]) => items.map((item) => `<string>${item}</string>`).join('');
const fault = (code: string, text: string) =>
  `${OPEN}<soap:Fault><faultcode>${code}</faultcode><faultstring>${text}</faultstring><detail /></soap:Fault>${CLOSE}`;

describe('SoapTransport wire format', () => {
  const provider = new CannedProvider();
  let transport: SoapTransport;

  beforeAll(async () => {
    const baseUrl = await provider.start();
    transport = new SoapTransport({
      accounts: { otp: { username: 'otp-user', password: 'p&ss<"Ş">', baseUrl } },
    });
  });
  afterEach(() => provider.clear());
  afterAll(async () => {
    await transport.close();
    await provider.stop();
  });

  it('sends 1-N as SmsInsert_1_N: UTF-8 envelope, SOAPAction, ISO dates with the Istanbul offset', async () => {
    provider.reply({ body: result('SmsInsert_1_N', strings('C1_A', 'C1_B')) });
    const sent = await transport.send({
      channel: 'otp',
      to: ['905321234567', '905331234567'],
      text: `Şişli'de — 5 < 6 & "tamam"`,
      sendAt: new Date('2026-11-27T21:05:30Z'),
    });
    const [request] = provider.received;
    expect(request!.path).toBe('/api_ws/smsservice.asmx');
    expect(request!.headers['content-type']).toBe('text/xml; charset=utf-8');
    expect(request!.headers['soapaction']).toBe('"http://83.66.137.24/PgApiWs/SmsInsert_1_N"');
    expect(provider.lastBody()).toBe(
      `${OPEN}<SmsInsert_1_N xmlns="http://83.66.137.24/PgApiWs">${CREDENTIALS}` +
        '<SendDate>2026-11-28T00:05:30+03:00</SendDate><ExpireDate xsi:nil="true"/>' +
        '<Recepients><string>905321234567</string><string>905331234567</string></Recepients>' +
        `<Message>Şişli&apos;de — 5 &lt; 6 &amp; &quot;tamam&quot;</Message></SmsInsert_1_N>${CLOSE}`,
    );
    expect(sent.recipients).toEqual([
      { to: '905321234567', status: 'accepted', messageId: 'C1_A' },
      { to: '905331234567', status: 'accepted', messageId: 'C1_B' },
    ]);
  });

  it('sends N-N as one SmsInsert_1_N per distinct text (never the unattested SmsInsert_N_N), results in request order', async () => {
    provider.reply(
      { body: result('SmsInsert_1_N', strings('C1_A', 'C1_C')) },
      { body: result('SmsInsert_1_N', strings('-1003')) },
    );
    const sent = await transport.send({
      channel: 'otp',
      messages: [
        { to: '905321234567', text: 'bir' },
        { to: '902121234567', text: 'iki\r\n' },
        { to: '905331234567', text: 'bir' },
      ],
    });
    expect(provider.received.map((r) => r.headers['soapaction'])).toEqual([
      '"http://83.66.137.24/PgApiWs/SmsInsert_1_N"',
      '"http://83.66.137.24/PgApiWs/SmsInsert_1_N"',
    ]);
    expect(provider.received[0]!.body.toString()).toContain(
      '<Recepients><string>905321234567</string><string>905331234567</string></Recepients><Message>bir</Message></SmsInsert_1_N>',
    );
    expect(provider.received[1]!.body.toString()).toContain(
      '<Recepients><string>902121234567</string></Recepients><Message>iki&#13;\n</Message></SmsInsert_1_N>',
    );
    expect(provider.received.map((r) => r.body.toString()).join('')).not.toContain('SmsInsert_N_N');
    expect(sent.requests).toBe(2);
    expect(sent.recipients.map((r) => [r.to, r.status])).toEqual([
      ['905321234567', 'accepted'],
      ['902121234567', 'rejected'],
      ['905331234567', 'accepted'],
    ]);
    expect(sent.recipients[1]).toMatchObject({
      providerCode: '-1003',
      error: { code: 'PROVIDER_INVALID_NUMBER' },
    });
    expect(sent.recipients[2]).toMatchObject({ messageId: 'C1_C' });
  });

  it.each([
    ['-1002', 'PROVIDER_AUTHENTICATION'],
    ['ERR1070', 'PROVIDER_TOO_MANY_RECIPIENTS'],
    ['-2001', 'PROVIDER_ERROR'],
  ])('throws a single request-level code %s as SmsProviderError', async (code, stable) => {
    provider.reply({ body: result('SmsInsert_1_N', strings(code)) });
    const error = await transport
      .send({ channel: 'otp', to: ['905321234567', '905331234567'], text: 'x' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SmsProviderError);
    expect(error).toMatchObject({ api: 'soap', providerCode: code, code: stable });
  });

  it('reads a soap:Client fault as a provider error and a soap:Server fault as an HTTP failure', async () => {
    provider.reply(
      {
        status: 500,
        contentType: 'text/xml; charset=utf-8',
        body: fault('soap:Client', 'There is an error in XML document'),
      },
      {
        status: 500,
        contentType: 'text/xml; charset=utf-8',
        body: fault('soap:Server', 'Object reference not set'),
      },
      { status: 503, body: '<html><body>Service Unavailable</body></html>' },
    );
    const send = () =>
      transport.send({ channel: 'otp', to: ['905321234567'], text: 'x' }).catch((e: unknown) => e);
    const client = await send();
    expect(client).toBeInstanceOf(SmsProviderError);
    expect(client).toMatchObject({
      providerCode: 'soap:Client',
      providerText: 'There is an error in XML document',
    });
    const server = await send();
    expect(server).toBeInstanceOf(SmsHttpStatusError);
    expect(server).toMatchObject({ status: 500, maybeAccepted: true });
    const unavailable = await send();
    expect(unavailable).toBeInstanceOf(SmsHttpStatusError);
    expect(unavailable).toMatchObject({ status: 503, maybeAccepted: false });
  });

  it('refuses a reply without the operation result as malformed', async () => {
    provider.reply({ body: result('CreditBalance', '5') });
    await expect(
      transport.send({ channel: 'otp', to: ['905321234567'], text: 'x' }),
    ).rejects.toBeInstanceOf(SmsMalformedResponseError);
  });

  it('queries status through the XML API (Sms_stareqx.asp) on the same host, never a SOAP SmsStatus, and credit with CreditBalance', async () => {
    provider.reply(
      {
        contentType: 'text/xml; charset=iso-8859-9',
        body: '<SMS-Response><STATUS id="C1_A" res="300|0" gsmno="5321234567"/><STATUS id="C1_B" res="-210|1" gsmno="5331234567"/></SMS-Response>',
      },
      { body: result('CreditBalance', '4321') },
    );
    const reports = await transport.status({ channel: 'otp', messageIds: ['C1_A', 'C1_B'] });
    const [statusRequest] = provider.received;
    expect(statusRequest!.path).toBe('/api_xml/Sms_stareqx.asp');
    expect(statusRequest!.headers['content-type']).toBe('text/xml; charset=iso-8859-9');
    expect(statusRequest!.headers['soapaction']).toBeUndefined();
    expect(statusRequest!.body.toString('latin1')).toBe(
      '<?xml version="1.0" encoding="iso-8859-9"?><SMS-StaRequest><CLIENT user="otp-user" pwd="p&amp;ss&lt;&quot;\xde&quot;&gt;"/><STATUS id="C1_A"/><STATUS id="C1_B"/></SMS-StaRequest>',
    );
    expect(reports.map((r) => [r.messageId, r.status, r.final, r.providerCode, r.to])).toEqual([
      ['C1_A', 'sent', false, '300', '905321234567'],
      ['C1_B', 'expired', true, '-210', '905331234567'],
    ]);
    await expect(transport.credit('otp')).resolves.toEqual({ channel: 'otp', balance: 4321 });
    expect(provider.received[1]!.headers['soapaction']).toBe(
      '"http://83.66.137.24/PgApiWs/CreditBalance"',
    );
  });

  it('reports an XML error of the status query as an xml provider error', async () => {
    provider.reply({ body: '<SMS-Response><ERROR>ERR2010</ERROR></SMS-Response>' });
    await expect(transport.status({ channel: 'otp', messageIds: ['C1_A'] })).rejects.toMatchObject({
      api: 'xml',
      providerCode: 'ERR2010',
    });
  });

  it('reads a credit answered with an error code as a provider error', async () => {
    provider.reply({ body: result('CreditBalance', '-1001') });
    await expect(transport.credit('otp')).rejects.toMatchObject({
      providerCode: '-1001',
      code: 'PROVIDER_AUTHENTICATION',
    });
  });
});
