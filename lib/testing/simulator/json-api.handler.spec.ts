import { PostaGuverciniSimulator } from './posta-guvercini.simulator.js';
import type { SimulatorProfile } from './simulator.types.js';

const ACCOUNTS = {
  otp: { username: 'otp-user', password: 'otp-secret' },
  bulk: { username: 'bulk-user', password: 'bulk-secret' },
};

interface Envelope {
  StatusCode: number;
  StatusDescription: string;
  Result: unknown;
}

async function post(
  url: string,
  body: unknown,
  headers: Record<string, string> = { 'content-type': 'application/json' },
): Promise<{ status: number; json: Envelope; contentType: string | null }> {
  const response = await fetch(url, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return {
    status: response.status,
    json: (await response.json()) as Envelope,
    contentType: response.headers.get('content-type'),
  };
}

describe.each<SimulatorProfile>(['otp', 'bulk'])('JSON API on the %s profile', (profile) => {
  const sim = new PostaGuverciniSimulator();
  const creds = { Username: ACCOUNTS[profile].username, Password: ACCOUNTS[profile].password };
  let base: string;

  beforeAll(async () => {
    await sim.start();
    base = `${profile === 'otp' ? sim.otpBaseUrl : sim.bulkBaseUrl}/api_json/v1/Sms`;
  });
  afterAll(() => sim.stop());
  beforeEach(() => sim.reset());

  it('sends 1-N with Send_1_N and answers one { MessageId, Receiver, Charge } per receiver', async () => {
    const reply = await post(`${base}/Send_1_N`, {
      ...creds,
      Message: 'Şişli\'de ığdır İÇİN çok güzel öğün — 5 < 6 & "tamam"',
      Receivers: ['905321234567', '905051112233'],
      SendDate: null,
      ExpireDate: null,
      Channel: profile.toUpperCase(),
      Originator: 'ACME',
    });
    expect(reply.status).toBe(200);
    expect(reply.contentType).toBe('application/json; charset=utf-8');
    expect(reply.json).toEqual({
      StatusCode: 200,
      StatusDescription: 'Transaction done successfully',
      Result: [
        { MessageId: sim.messages[0]!.id, Receiver: '905321234567', Charge: 1 },
        { MessageId: sim.messages[1]!.id, Receiver: '905051112233', Charge: 1 },
      ],
    });
    expect(sim.messages[0]).toMatchObject({
      text: 'Şişli\'de ığdır İÇİN çok güzel öğün — 5 < 6 & "tamam"',
      sender: 'ACME',
      api: 'json',
      encoding: 'ucs2',
    });
  });

  it('sends N-N with Send_N_N', async () => {
    const reply = await post(`${base}/send_n_n`, {
      ...creds,
      Messages: [
        { Receiver: '905321234567', Message: 'bir' },
        { Receiver: '905051112233', Message: 'a'.repeat(161) },
      ],
    });
    expect(reply.json.Result).toEqual([
      { MessageId: sim.messages[0]!.id, Receiver: '905321234567', Charge: 1 },
      { MessageId: sim.messages[1]!.id, Receiver: '905051112233', Charge: 2 },
    ]);
    expect(sim.messages.map((message) => message.text)).toEqual(['bir', 'a'.repeat(161)]);
  });

  it('answers Status with every field as a string, progressing on the clock, and "Bilinmiyor ?" for an unknown id', async () => {
    await post(`${base}/Send_1_N`, { ...creds, Message: 'x', Receivers: ['905321234567'] });
    const id = sim.messages[0]!.id;
    const status = async (): Promise<Envelope> =>
      (await post(`${base}/Status`, { ...creds, MessageIds: [id, 'C1_UNKNOWN'] })).json;
    expect((await status()).Result).toEqual([
      expect.objectContaining({
        MessageId: id,
        Receiver: '905321234567',
        SmsStatus: '200',
        IsFinalStatus: '0',
        SmsCharge: '1',
      }),
      {
        MessageId: 'C1_UNKNOWN',
        Receiver: '',
        SmsStatus: '',
        SmsStatusDescription: 'Bilinmiyor ?',
        IsFinalStatus: '',
        StatusTime: '',
        SmsCharge: '',
      },
    ]);
    sim.advance(2_000);
    expect((await status()).Result).toEqual([
      expect.objectContaining({
        SmsStatus: '300',
        SmsStatusDescription: "SMSC'ye gönderildi",
        IsFinalStatus: '0',
      }),
      expect.anything(),
    ]);
    sim.advance(2_000);
    expect((await status()).Result).toEqual([
      expect.objectContaining({
        SmsStatus: '400',
        SmsStatusDescription: 'Alıcıya iletildi',
        IsFinalStatus: '1',
      }),
      expect.anything(),
    ]);
  });

  it('gives StatusTime as Istanbul wall-clock time of the current state', async () => {
    const frozen = new PostaGuverciniSimulator({ now: () => new Date('2026-11-27T10:00:00.250Z') });
    await frozen.start();
    try {
      const url = `${profile === 'otp' ? frozen.otpBaseUrl : frozen.bulkBaseUrl}/api_json/v1/Sms`;
      await post(`${url}/Send_1_N`, { ...creds, Message: 'x', Receivers: ['905321234567'] });
      frozen.advance(60_000);
      const reply = await post(`${url}/Status`, { ...creds, MessageIds: [frozen.messages[0]!.id] });
      expect(reply.json.Result).toEqual([
        {
          MessageId: frozen.messages[0]!.id,
          Receiver: '905321234567',
          SmsStatus: '400',
          SmsStatusDescription: 'Alıcıya iletildi',
          IsFinalStatus: '1',
          StatusTime: '2026-11-27T13:00:04',
          SmsCharge: '1',
        },
      ]);
    } finally {
      await frozen.stop();
    }
  });

  it('answers CreditBalance', async () => {
    sim.setCredit(profile, 22);
    expect((await post(`${base}/CreditBalance`, creds)).json).toEqual({
      StatusCode: 200,
      StatusDescription: 'Transaction done successfully',
      Result: { Balance: 22 },
    });
  });

  it.each([
    ['wrong credentials', { Password: 'nope' }, 500, 'Kullanıcı adı veya şifre hatalı!'],
    ['no receivers', { Receivers: [] }, 1060, 'Receivers cannot be empty. (ERR1060)'],
    [
      'an invalid receiver',
      { Receivers: ['905321234567', '902121234567'] },
      1061,
      'Invalid receiver',
    ],
    [
      '801 receivers',
      { Receivers: Array.from({ length: 801 }, () => '905321234567') },
      1070,
      'Your request could not be recorded. You must add no more than 800 recipients at once. (ERR1070)',
    ],
    ['an empty message', { Message: '' }, 1090, 'Messages is cannot be empty. (ERR1090)'],
    [
      'a bad SendDate',
      { SendDate: '2026-12-01T10:00' },
      1063,
      'Invalid SendDate format. Use yyyyMMdd HH:mm. (ERR1063)',
    ],
    [
      'a bad ExpireDate',
      { ExpireDate: '20261201 25:00' },
      1064,
      'Invalid ExpireDate format. Use yyyyMMdd HH:mm. (ERR1064)',
    ],
    [
      'Receivers not an array',
      { Receivers: '905321234567' },
      400,
      'Bad request: Receivers must be an array of strings',
    ],
    ['an unknown Channel', { Channel: 'otp' }, 400, "Bad request: Channel must be 'OTP' or 'BULK'"],
  ])('answers Send_1_N with %s', async (_name, override, statusCode, description) => {
    const reply = await post(`${base}/Send_1_N`, {
      ...creds,
      Message: 'x',
      Receivers: ['905321234567'],
      ...override,
    });
    expect(reply.status).toBe(200);
    expect(reply.json).toEqual({
      StatusCode: statusCode,
      StatusDescription: description,
      Result: null,
    });
    expect(sim.messages).toHaveLength(0);
    expect(sim.requests.at(-1)).toMatchObject({
      api: 'json',
      operation: 'Send_1_N',
      providerCode: String(statusCode),
    });
  });

  it('binds property names case-insensitively, as Json.NET does', async () => {
    const reply = await post(`${base}/Send_N_N`, {
      username: creds.Username,
      PASSWORD: creds.Password,
      messages: [{ receiver: '905321234567', MESSAGE: 'küçük harf' }],
      originator: 'ACME',
    });
    expect(reply.json.StatusCode).toBe(200);
    expect(sim.messages).toEqual([
      expect.objectContaining({ to: '905321234567', text: 'küçük harf', sender: 'ACME' }),
    ]);
  });

  it('answers a body that is not JSON with StatusCode 400', async () => {
    expect((await post(`${base}/Send_1_N`, '{"Username":')).json).toEqual({
      StatusCode: 400,
      StatusDescription: 'Bad request: the body is not valid JSON',
      Result: null,
    });
    expect((await post(`${base}/Send_1_N`, '[1]')).json.StatusCode).toBe(400);
  });

  it('answers another media type with 415 and GET with 405, as ASP.NET Web API does', async () => {
    const wrongType = await post(
      `${base}/Send_1_N`,
      { ...creds },
      { 'content-type': 'text/plain' },
    );
    expect(wrongType.status).toBe(415);
    expect(wrongType.json).toEqual({
      Message: "The request entity's media type 'text/plain' is not supported for this resource.",
    });
    const get = await fetch(`${base}/CreditBalance`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
  });

  it('answers 1070 for more than 800 status ids', async () => {
    expect(
      (
        await post(`${base}/Status`, {
          ...creds,
          MessageIds: Array.from({ length: 801 }, (_, i) => `C1_${i}`),
        })
      ).json.StatusCode,
    ).toBe(1070);
  });

  it('accepts with status 110 (charge 0) what the credit does not cover', async () => {
    sim.setCredit(profile, 0);
    const reply = await post(`${base}/Send_1_N`, {
      ...creds,
      Message: 'x',
      Receivers: ['905321234567'],
    });
    expect(reply.json.Result).toEqual([
      { MessageId: sim.messages[0]!.id, Receiver: '905321234567', Charge: 0 },
    ]);
    expect(sim.statusOf(sim.messages[0]!.id)).toEqual({ code: 110, final: false });
  });
});
