import { CannedProvider } from '../../test/transports/canned-provider.js';
import { SmsProviderError } from '../errors/provider.error.js';
import { SmsHttpStatusError, SmsMalformedResponseError } from '../errors/transport.error.js';
import { InvalidOptionsError, SmsValidationError } from '../errors/validation.error.js';
import { HttpTransport } from './http.transport.js';

describe('HttpTransport wire format', () => {
  const provider = new CannedProvider();
  let transport: HttpTransport;
  let baseUrl: string;

  beforeAll(async () => {
    baseUrl = await provider.start();
    transport = new HttpTransport({
      accounts: { otp: { username: 'otp-user', password: 'p&ss Ş', baseUrl } },
    });
  });
  afterEach(() => provider.clear());
  afterAll(async () => {
    await transport.close();
    await provider.stop();
  });

  it('sends one recipient with sendsms.asp: windows-1254 form body, Istanbul dates, credentials only in the body', async () => {
    provider.reply({ body: 'errno=0&errtext=&message_id=C1_A&charge=1', latin5: true });
    const result = await transport.send({
      channel: 'otp',
      to: ['905321234567'],
      text: 'Kodunuz: 482913 — ş',
      sendAt: new Date('2026-11-27T21:05:00Z'),
      validUntil: new Date('2026-11-27T21:08:00Z'),
    });
    const [request] = provider.received;
    expect(request).toMatchObject({ method: 'POST', path: '/api_http/sendsms.asp' });
    expect(request!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(provider.lastBody('latin1')).toBe(
      'user=otp-user&password=p%26ss+%DE&gsm=905321234567&text=Kodunuz%3A+482913+%97+%FE&dt=20261128+00%3A05&dt2=20261128+00%3A08',
    );
    expect(result).toEqual({
      recipients: [
        {
          to: '905321234567',
          status: 'accepted',
          messageId: 'C1_A',
          charge: 1,
          providerCode: 'errno=0',
        },
      ],
      credits: 1,
      requests: 1,
      providerCodes: ['errno=0'],
    });
  });

  it('sends 1-N with sendbulksms.asp and repeated gsm; the charge is the request total', async () => {
    provider.reply({ body: 'errno=0&errtext=&message_id=C1_A&message_id=C1_B&charge=4' });
    const result = await transport.send({
      channel: 'otp',
      to: ['905321234567', '905331234567'],
      text: 'Merhaba',
    });
    expect(provider.received[0]!.path).toBe('/api_http/sendbulksms.asp');
    expect(provider.lastBody()).toBe(
      'user=otp-user&password=p%26ss+%DE&gsm=905321234567&gsm=905331234567&text=Merhaba',
    );
    expect(result.recipients).toEqual([
      { to: '905321234567', status: 'accepted', messageId: 'C1_A', providerCode: 'errno=0' },
      { to: '905331234567', status: 'accepted', messageId: 'C1_B', providerCode: 'errno=0' },
    ]);
    expect(result.credits).toBe(4);
  });

  it('refuses a sender (request or option) before any request: the HTTP API has no attested originator', async () => {
    await expect(
      transport.send({ channel: 'otp', to: ['905321234567'], text: 'x', sender: 'ACME' }),
    ).rejects.toMatchObject({ code: 'SENDER_NOT_SUPPORTED', field: 'sender' });
    expect(provider.received).toHaveLength(0);
    expect(
      () =>
        new HttpTransport({
          accounts: { otp: { username: 'u', password: 'p', baseUrl } },
          sender: 'ACME',
        }),
    ).toThrow(InvalidOptionsError);
  });

  it('reads a sendbulksms.asp reply with one errno block per recipient; a failed block rejects only its recipient', async () => {
    provider.reply({
      body: 'errno=0&errtext=&message_id=C1_A&charge=1&errno=-1003&errtext=GSM no geçersiz&message_id=&charge=0&errno=0&errtext=&message_id=C1_C&charge=2',
      latin5: true,
    });
    const result = await transport.send({
      channel: 'otp',
      to: ['905321234567', '902121234567', '905331234567'],
      text: 'Merhaba',
    });
    expect(result.recipients).toEqual([
      {
        to: '905321234567',
        status: 'accepted',
        messageId: 'C1_A',
        charge: 1,
        providerCode: 'errno=0',
      },
      {
        to: '902121234567',
        status: 'rejected',
        error: expect.objectContaining({
          code: 'PROVIDER_INVALID_NUMBER',
          providerText: 'GSM no geçersiz',
        }),
        providerCode: 'errno=-1003',
      },
      {
        to: '905331234567',
        status: 'accepted',
        messageId: 'C1_C',
        charge: 2,
        providerCode: 'errno=0',
      },
    ]);
    expect(result.credits).toBe(3);
  });

  it('refuses per-recipient blocks that do not match the recipients as malformed', async () => {
    provider.reply({
      body: 'errno=0&errtext=&message_id=C1_A&charge=1&errno=0&errtext=&message_id=C1_B&charge=1',
    });
    await expect(
      transport.send({
        channel: 'otp',
        to: ['905321234567', '905331234567', '905341234567'],
        text: 'x',
      }),
    ).rejects.toBeInstanceOf(SmsMalformedResponseError);
  });

  it('sends N-N as one request per distinct text: identical texts share one sendbulksms.asp, results in request order', async () => {
    provider.reply(
      { body: 'errno=0&errtext=&message_id=C1_A&message_id=C1_C&charge=2' },
      { body: 'errno=0&errtext=&message_id=C1_B&charge=1' },
    );
    const result = await transport.send({
      channel: 'otp',
      messages: [
        { to: '905321234567', text: 'bir' },
        { to: '905331234567', text: 'iki' },
        { to: '905341234567', text: 'bir' },
      ],
    });
    expect(provider.received.map((r) => [r.path, r.body.toString()])).toEqual([
      [
        '/api_http/sendbulksms.asp',
        'user=otp-user&password=p%26ss+%DE&gsm=905321234567&gsm=905341234567&text=bir',
      ],
      ['/api_http/sendsms.asp', 'user=otp-user&password=p%26ss+%DE&gsm=905331234567&text=iki'],
    ]);
    expect(
      result.recipients.map((r) => (r.status === 'accepted' ? r.messageId : r.status)),
    ).toEqual(['C1_A', 'C1_B', 'C1_C']);
    expect(result).toMatchObject({ requests: 2, credits: 3 });
  });

  it('reads errno as a provider error with its meaning and the Turkish errtext', async () => {
    provider.reply({
      body: 'errno=-1003&errtext=GSM no geçersiz',
      latin5: true,
      contentType: 'text/html; charset=iso-8859-9',
    });
    const error = await transport
      .send({ channel: 'otp', to: ['905321234567'], text: 'x' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SmsProviderError);
    expect(error).toMatchObject({
      code: 'PROVIDER_INVALID_NUMBER',
      providerCode: '-1003',
      providerText: 'GSM no geçersiz',
      meaning: 'invalid GSM number',
    });
  });

  it.each([
    ['an ASP error page', '<font face="Arial">Microsoft VBScript runtime error</font>'],
    ['fewer ids than recipients', 'errno=0&errtext=&charge=1'],
    ['a charge that is not a number', 'errno=0&errtext=&message_id=C1_A&charge=bir'],
  ])('refuses %s as malformed', async (_label, body) => {
    provider.reply({ body });
    await expect(
      transport.send({ channel: 'otp', to: ['905321234567'], text: 'x' }),
    ).rejects.toBeInstanceOf(SmsMalformedResponseError);
  });

  it('maps a non-2xx status to SmsHttpStatusError', async () => {
    provider.reply({ status: 502, body: 'Bad Gateway' });
    await expect(transport.credit('otp')).rejects.toEqual(expect.any(SmsHttpStatusError));
  });

  it('queries status with one querysms.asp per id, reading CODE|F and a bare code', async () => {
    provider.reply(
      { body: 'errno=0&errtext=&status=300|0' },
      { body: 'errno=-1005&errtext=Geçersiz message_id', latin5: true },
      { body: 'errno=0&errtext=&status=400' },
      { body: 'errno=0&errtext=&status=110' },
    );
    const reports = await transport.status({
      channel: 'otp',
      messageIds: ['C1_A', 'C1_B', 'C1_C', 'C1_D'],
    });
    expect(provider.received.map((r) => [r.path, r.body.toString()]).slice(0, 2)).toEqual([
      ['/api_http/querysms.asp', 'user=otp-user&password=p%26ss+%DE&message_id=C1_A'],
      ['/api_http/querysms.asp', 'user=otp-user&password=p%26ss+%DE&message_id=C1_B'],
    ]);
    expect(reports.slice(2).map((r) => [r.status, r.final, r.providerCode])).toEqual([
      ['delivered', true, '400'],
      ['waiting_credit', false, '110'],
    ]);
    expect(reports.slice(0, 2)).toEqual([
      {
        messageId: 'C1_A',
        status: 'sent',
        final: false,
        providerCode: '300',
        description: 'sent to the SMSC',
      },
      {
        messageId: 'C1_B',
        status: 'unknown',
        final: true,
        providerCode: '',
        description: 'message id not known to the provider',
      },
    ]);
  });

  it('reads the credit', async () => {
    provider.reply({ body: 'errno=0&errtext=&credit=1234' });
    await expect(transport.credit('otp')).resolves.toEqual({ channel: 'otp', balance: 1234 });
    expect(provider.received[0]!.path).toBe('/api_http/querycredit.asp');
  });

  it('refuses, before any request, a text windows-1254 cannot carry', async () => {
    await expect(
      transport.send({ channel: 'otp', to: ['905321234567'], text: 'Tebrikler 🎉' }),
    ).rejects.toMatchObject({
      code: 'TEXT_NOT_ENCODABLE',
      field: 'text',
    });
    expect(provider.received).toHaveLength(0);
  });

  it('refuses credentials the API cannot carry, without showing them', () => {
    const build = () =>
      new HttpTransport({ accounts: { otp: { username: 'u', password: 'şifre✓', baseUrl } } });
    expect(build).toThrow(InvalidOptionsError);
    expect(build).toThrow(/accounts\.otp\.password/);
    expect(build).not.toThrow(/✓|şifre/);
  });

  it('keeps the base URL path prefix', async () => {
    const prefixed = new HttpTransport({
      accounts: { bulk: { username: 'u', password: 'p', baseUrl: `${baseUrl}/proxy/pg/` } },
    });
    provider.reply({ body: 'errno=0&errtext=&credit=5' });
    await prefixed.credit('bulk');
    await prefixed.close();
    expect(provider.received[0]!.path).toBe('/proxy/pg/api_http/querycredit.asp');
  });

  it('refuses a channel without an account', async () => {
    await expect(transport.credit('bulk')).rejects.toBeInstanceOf(SmsValidationError);
    expect(provider.received).toHaveLength(0);
  });
});
