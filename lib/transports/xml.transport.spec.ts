import { CannedProvider } from '../../test/transports/canned-provider.js';
import { SmsProviderError } from '../errors/provider.error.js';
import { SmsMalformedResponseError } from '../errors/transport.error.js';
import { decodeIso88599 } from '../message/iso-8859-9.js';
import { XmlTransport } from './xml.transport.js';

const DECLARATION = '<?xml version="1.0" encoding="iso-8859-9"?>';
const CLIENT = '<CLIENT user="otp-user" pwd="p&amp;ss&lt;&quot;Ş&quot;&gt;"/>';

describe('XmlTransport wire format', () => {
  const provider = new CannedProvider();
  let transport: XmlTransport;
  const body = () => decodeIso88599(provider.received[provider.received.length - 1]!.body);

  beforeAll(async () => {
    const baseUrl = await provider.start();
    transport = new XmlTransport({
      accounts: { otp: { username: 'otp-user', password: 'p&ss<"Ş">', baseUrl } },
    });
  });
  afterEach(() => provider.clear());
  afterAll(async () => {
    await transport.close();
    await provider.stop();
  });

  it('sends 1-N as INSERTMSG: ISO-8859-9 with declaration, every attribute escaped, national numbers, slashed Istanbul dates', async () => {
    provider.reply({
      body: `${DECLARATION}<SMS-Response><INSERT id="C1_A" res="1"/><INSERT id="C1_B" res="1"/></SMS-Response>`,
      latin5: true,
    });
    const result = await transport.send({
      channel: 'otp',
      to: ['905321234567', '905331234567'],
      text: `Şişli'de — 5 < 6 & "tamam"`,
      sendAt: new Date('2026-11-27T21:05:00Z'),
      validUntil: new Date('2026-11-27T21:08:00Z'),
    });
    const [request] = provider.received;
    expect(request!.path).toBe('/api_xml/Sms_insreq.asp');
    expect(request!.headers['content-type']).toBe('text/xml; charset=iso-8859-9');
    expect(request!.body.includes(Buffer.from([0xde]))).toBe(true); // Ş as the single ISO-8859-9 byte
    expect(body()).toBe(
      `${DECLARATION}<SMS-InsRequest>${CLIENT}` +
        `<INSERTMSG text="Şişli&apos;de &#8212; 5 &lt; 6 &amp; &quot;tamam&quot;" dt="2026/11/28 00:05" dt2="2026/11/28 00:08">` +
        '<TO>5321234567</TO><TO>5331234567</TO></INSERTMSG></SMS-InsRequest>',
    );
    expect(result).toEqual({
      recipients: [
        { to: '905321234567', status: 'accepted', messageId: 'C1_A', providerCode: 'res=1' },
        { to: '905331234567', status: 'accepted', messageId: 'C1_B', providerCode: 'res=1' },
      ],
      credits: 0,
      requests: 1,
      providerCodes: ['SMS-Response'],
    });
  });

  it('sends N-N as one INSERT per message with dt="" for now, and reads a per-recipient rejection', async () => {
    provider.reply({
      body: '<SMS-Response><INSERT id="C1_A" res="1"/><INSERT id="" res="0"/></SMS-Response>',
    });
    const result = await transport.send({
      channel: 'otp',
      messages: [
        { to: '905321234567', text: 'Satır\nbir' },
        { to: '902121234567', text: 'iki' },
      ],
    });
    expect(body()).toBe(
      `${DECLARATION}<SMS-InsRequest>${CLIENT}<INSERT to="5321234567" text="Satır&#10;bir" dt=""/><INSERT to="2121234567" text="iki" dt=""/></SMS-InsRequest>`,
    );
    expect(result.recipients[0]).toEqual({
      to: '905321234567',
      status: 'accepted',
      messageId: 'C1_A',
      providerCode: 'res=1',
    });
    const rejected = result.recipients[1]!;
    expect(rejected).toMatchObject({
      to: '902121234567',
      status: 'rejected',
      providerCode: 'res=0',
    });
    expect(rejected.status === 'rejected' && rejected.error).toBeInstanceOf(SmsProviderError);
  });

  it('reads <ERROR> as a provider error with the ERR code and the provider text', async () => {
    provider.reply({
      body: `${DECLARATION}<SMS-Response><ERROR>ERR1070 Bir istekte en fazla 800 kayıt olabilir</ERROR></SMS-Response>`,
      latin5: true,
    });
    const error = await transport
      .send({ channel: 'otp', to: ['905321234567'], text: 'x' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SmsProviderError);
    expect(error).toMatchObject({
      api: 'xml',
      providerCode: 'ERR1070',
      meaning: 'more than 800 recipients in one request',
      providerText: 'ERR1070 Bir istekte en fazla 800 kayıt olabilir',
    });
  });

  it.each([
    ['a truncated reply', '<SMS-Response><INSERT id="C1_A" res'],
    ['another root element', '<CREDIT-Response><BALANCE res="5"/></CREDIT-Response>'],
    ['a count mismatch', '<SMS-Response></SMS-Response>'],
    ['an HTML page', '<html><body>Server Error</body></html>'],
  ])('refuses %s as malformed', async (_label, reply) => {
    provider.reply({ body: reply });
    await expect(
      transport.send({ channel: 'otp', to: ['905321234567'], text: 'x' }),
    ).rejects.toBeInstanceOf(SmsMalformedResponseError);
  });

  it('queries status with Sms_stareqx.asp and reads the final flag and the number', async () => {
    provider.reply({
      body: '<SMS-Response><STATUS id="C1_A" res="400|1" gsmno="5321234567"/><STATUS id="C1_&amp;" res="420|1" gsmno=""/></SMS-Response>',
    });
    const reports = await transport.status({ channel: 'otp', messageIds: ['C1_A', 'C1_&'] });
    expect(provider.received[0]!.path).toBe('/api_xml/Sms_stareqx.asp');
    expect(body()).toBe(
      `${DECLARATION}<SMS-StaRequest>${CLIENT}<STATUS id="C1_A"/><STATUS id="C1_&amp;"/></SMS-StaRequest>`,
    );
    expect(reports).toEqual([
      {
        messageId: 'C1_A',
        status: 'delivered',
        final: true,
        providerCode: '400',
        description: 'delivered to the recipient',
        to: '905321234567',
      },
      {
        messageId: 'C1_&',
        status: 'unknown',
        final: true,
        providerCode: '420',
        description: 'message not found on the server',
      },
    ]);
  });

  it('reads the credit with Cre_balreq.asp', async () => {
    provider.reply({ body: '<CREDIT-Response><BALANCE res="987"/></CREDIT-Response>' });
    await expect(transport.credit('otp')).resolves.toEqual({ channel: 'otp', balance: 987 });
    expect(body()).toBe(
      `${DECLARATION}<CREDIT-BalRequest>${CLIENT}<BALANCE req="1"/></CREDIT-BalRequest>`,
    );
  });

  it('reads a credit error', async () => {
    provider.reply({
      body: '<CREDIT-Response><ERROR>ERR7001 Kullanıcı adı veya şifre hatalı</ERROR></CREDIT-Response>',
      latin5: true,
    });
    await expect(transport.credit('otp')).rejects.toMatchObject({ providerCode: 'ERR7001' });
  });
});
