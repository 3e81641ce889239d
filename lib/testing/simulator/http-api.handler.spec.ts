import { decodeIso88599, percentEncodeIso88599 } from '../../message/iso-8859-9.js';
import { PostaGuverciniSimulator } from './posta-guvercini.simulator.js';
import type { SimulatorProfile } from './simulator.types.js';

const ID = /^C1_[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/;
const ACCOUNTS = {
  otp: { username: 'otp-user', password: 'otp-secret' },
  bulk: { username: 'bulk-user', password: 'bulk-secret' },
};

/** Form body with windows-1254 percent-encoding, the HTTP transport's encoding. */
function form(params: readonly (readonly [string, string])[]): string {
  return params
    .map(([key, value]) => `${key}=${percentEncodeIso88599(value, { charset: 'windows-1254' })}`)
    .join('&');
}

async function post(
  url: string,
  body: string,
  contentType = 'application/x-www-form-urlencoded',
): Promise<{ status: number; text: string; contentType: string | null }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body,
  });
  return {
    status: response.status,
    text: decodeIso88599(Buffer.from(await response.arrayBuffer())),
    contentType: response.headers.get('content-type'),
  };
}

function parse(reply: string): [string, string][] {
  return reply.split('&').map((pair) => {
    const eq = pair.indexOf('=');
    return [pair.slice(0, eq), pair.slice(eq + 1)];
  });
}

describe.each<SimulatorProfile>(['otp', 'bulk'])('HTTP API on the %s profile', (profile) => {
  const sim = new PostaGuverciniSimulator();
  const account = ACCOUNTS[profile];
  let base: string;
  const creds = (): [string, string][] => [
    ['user', account.username],
    ['password', account.password],
  ];

  beforeAll(async () => {
    await sim.start();
    base = `${profile === 'otp' ? sim.otpBaseUrl : sim.bulkBaseUrl}/api_http`;
  });
  afterAll(() => sim.stop());
  beforeEach(() => sim.reset());

  it('sends one SMS with sendsms.asp and answers errno, errtext, message_id, charge', async () => {
    const reply = await post(
      `${base}/sendsms.asp`,
      form([...creds(), ['gsm', '905321234567'], ['text', 'Kodunuz 123456']]),
    );
    expect(reply.status).toBe(200);
    expect(reply.contentType).toBe('text/html; charset=iso-8859-9');
    const pairs = parse(reply.text);
    expect(pairs.map(([key]) => key)).toEqual(['errno', 'errtext', 'message_id', 'charge']);
    expect(pairs[0]).toEqual(['errno', '0']);
    expect(pairs[1]).toEqual(['errtext', '']);
    expect(pairs[2]![1]).toMatch(ID);
    expect(pairs[3]).toEqual(['charge', '1']);
    expect(sim.messages).toEqual([
      expect.objectContaining({
        id: pairs[2]![1],
        profile,
        api: 'http',
        to: '905321234567',
        text: 'Kodunuz 123456',
        charge: 1,
        segments: 1,
      }),
    ]);
    expect(sim.requests).toEqual([
      expect.objectContaining({
        profile,
        api: 'http',
        operation: 'sendsms',
        recipients: 1,
        status: 200,
        providerCode: '0',
      }),
    ]);
  });

  it('sends one text to many numbers with sendbulksms.asp: one message_id per number in order, total charge', async () => {
    const text = 'ş'.repeat(71); // UCS-2, 2 segments
    const reply = await post(
      `${base}/sendbulksms.asp`,
      form([
        ...creds(),
        ['gsm', '905321234567'],
        ['gsm', '05051112233'],
        ['gsm', '5441234567,+90 542 765 43 21'],
        ['text', text],
      ]),
    );
    const pairs = parse(reply.text);
    expect(pairs.map(([key]) => key)).toEqual([
      'errno',
      'errtext',
      'message_id',
      'message_id',
      'message_id',
      'message_id',
      'charge',
    ]);
    expect(pairs.at(-1)).toEqual(['charge', '8']);
    const ids = pairs.filter(([key]) => key === 'message_id').map(([, id]) => id);
    expect(sim.messages.map((message) => [message.id, message.to])).toEqual([
      [ids[0], '905321234567'],
      [ids[1], '905051112233'],
      [ids[2], '905441234567'],
      [ids[3], '905427654321'],
    ]);
    expect(sim.creditOf(profile)).toBe(1_000_000 - 8);
  });

  it('merges query string and form body (credentials in the query, text in the body)', async () => {
    const query = form([...creds(), ['gsm', '5321234567']]);
    const reply = await post(`${base}/sendbulksms.asp?${query}`, form([['text', 'merhaba']]));
    expect(reply.text).toMatch(/^errno=0&errtext=&message_id=C1_[^&]+&charge=1$/);
  });

  it('decodes windows-1254 percent-encoding exactly, em dash included', async () => {
    const text = 'Şişli\'de ığdır İÇİN çok güzel öğün — 5 < 6 & "tamam"';
    await post(`${base}/sendsms.asp`, form([...creds(), ['gsm', '5321234567'], ['text', text]]));
    expect(sim.lastMessageTo('+90 532 123 45 67')?.text).toBe(text);
  });

  it('reads a UTF-8 percent-encoding as windows-1254 bytes, like the real server (mojibake)', async () => {
    await post(
      `${base}/sendsms.asp`,
      new URLSearchParams([...creds(), ['gsm', '5321234567'], ['text', 'ş']]).toString(),
    );
    // UTF-8 bytes C5 9F read as windows-1254: 'ÅŸ'.
    expect(sim.lastMessageTo('5321234567')?.text).toBe('\u00c5\u0178');
  });

  it('answers the delivery state with querysms.asp as it progresses on the clock', async () => {
    const sent = parse(
      (await post(`${base}/sendsms.asp`, form([...creds(), ['gsm', '5321234567'], ['text', 'x']])))
        .text,
    );
    const id = sent[2]![1];
    const query = async (): Promise<string> =>
      (await post(`${base}/querysms.asp`, form([...creds(), ['message_id', id]]))).text;
    expect(await query()).toBe('errno=0&errtext=&status=200|0');
    sim.advance(2_000);
    expect(await query()).toBe('errno=0&errtext=&status=300|0');
    sim.advance(2_000);
    expect(await query()).toBe('errno=0&errtext=&status=400|1');
  });

  it('answers the credit with querycredit.asp (GET with the query string works too)', async () => {
    sim.setCredit(profile, 4321);
    const response = await fetch(`${base}/QueryCredit.asp?${form(creds())}`);
    expect(await response.text()).toBe('errno=0&errtext=&credit=4321');
  });

  it.each([
    ['wrong user', { user: 'nobody' }, 'errno=-1001&errtext=Geçersiz kullanıcı adı'],
    ['wrong password', { password: 'wrong' }, 'errno=-1002&errtext=Geçersiz şifre'],
    ['invalid number', { gsm: '2121234567' }, 'errno=-1003&errtext=GSM no geçersiz'],
    [
      'two numbers to sendsms.asp',
      { gsm: '5321234567,5321234568' },
      'errno=-1003&errtext=GSM no geçersiz',
    ],
    ['no number', { gsm: '' }, 'errno=-1003&errtext=GSM no geçersiz'],
    ['empty text', { text: '  ' }, 'errno=-1004&errtext=Geçersiz mesaj metni'],
    ['GSM-7 text over 480', { text: 'a'.repeat(481) }, 'errno=-1004&errtext=Geçersiz mesaj metni'],
    ['UCS-2 text over 268', { text: 'ş'.repeat(269) }, 'errno=-1004&errtext=Geçersiz mesaj metni'],
    ['bad dt', { dt: '2026-12-01 10:00' }, 'errno=1063&errtext=Geçersiz gönderim zamanı (dt)'],
    ['bad dt2', { dt2: '20261301 10:00' }, 'errno=1064&errtext=Geçersiz son gönderim zamanı (dt2)'],
  ])('refuses a send with %s', async (_name, override, expected) => {
    const params = {
      user: account.username,
      password: account.password,
      gsm: '5321234567',
      text: 'merhaba',
      ...override,
    };
    const reply = await post(`${base}/sendsms.asp`, form(Object.entries(params)));
    expect(reply.text).toBe(expected);
    expect(sim.messages).toHaveLength(0);
  });

  it('accepts exactly 480 GSM-7 and 268 UCS-2 characters', async () => {
    for (const text of ['a'.repeat(480), 'ş'.repeat(268)]) {
      const reply = await post(
        `${base}/sendsms.asp`,
        form([...creds(), ['gsm', '5321234567'], ['text', text]]),
      );
      expect(reply.text).toMatch(/^errno=0&/);
    }
    expect(sim.messages.map((message) => message.charge)).toEqual([4, 4]);
  });

  it('refuses more than 800 numbers with errno=1070 and a single invalid one with -1003 for all', async () => {
    const numbers = Array.from({ length: 801 }, (_, i) => `90532${String(i).padStart(7, '0')}`);
    const tooMany = await post(
      `${base}/sendbulksms.asp`,
      form([...creds(), ...numbers.map((n): [string, string] => ['gsm', n]), ['text', 'x']]),
    );
    expect(tooMany.text).toBe('errno=1070&errtext=Bir istekte en fazla 800 GSM numarası olabilir');
    const mixed = await post(
      `${base}/sendbulksms.asp`,
      form([...creds(), ['gsm', '5321234567'], ['gsm', '12345'], ['text', 'x']]),
    );
    expect(mixed.text).toBe('errno=-1003&errtext=GSM no geçersiz');
    expect(sim.messages).toHaveLength(0);
    const eightHundred = await post(
      `${base}/sendbulksms.asp`,
      form([
        ...creds(),
        ...numbers.slice(0, 800).map((n): [string, string] => ['gsm', n]),
        ['text', 'x'],
      ]),
    );
    expect(parse(eightHundred.text).filter(([key]) => key === 'message_id')).toHaveLength(800);
  });

  it('refuses the whole request with errno=20 when the credit does not cover it', async () => {
    sim.setCredit(profile, 1);
    const reply = await post(
      `${base}/sendbulksms.asp`,
      form([...creds(), ['gsm', '5321234567'], ['gsm', '5321234568'], ['text', 'x']]),
    );
    expect(reply.text).toBe('errno=20&errtext=Yetersiz kredi');
    expect(sim.messages).toHaveLength(0);
    expect(sim.creditOf(profile)).toBe(1);
  });

  it('answers -1005 for an unknown message_id, and for an id of the other host', async () => {
    expect(
      (await post(`${base}/querysms.asp`, form([...creds(), ['message_id', 'C1_NOPE']]))).text,
    ).toBe('errno=-1005&errtext=Geçersiz message_id');
    const other = profile === 'otp' ? 'bulk' : 'otp';
    const otherBase = `${other === 'otp' ? sim.otpBaseUrl : sim.bulkBaseUrl}/api_http`;
    const sent = await post(
      `${otherBase}/sendsms.asp`,
      form([
        ['user', ACCOUNTS[other].username],
        ['password', ACCOUNTS[other].password],
        ['gsm', '5321234567'],
        ['text', 'x'],
      ]),
    );
    const id = parse(sent.text)[2]![1];
    expect((await post(`${base}/querysms.asp`, form([...creds(), ['message_id', id]]))).text).toBe(
      'errno=-1005&errtext=Geçersiz message_id',
    );
  });

  it("refuses the other host's credentials", async () => {
    const other = ACCOUNTS[profile === 'otp' ? 'bulk' : 'otp'];
    const reply = await post(
      `${base}/querycredit.asp`,
      form([
        ['user', other.username],
        ['password', other.password],
      ]),
    );
    expect(reply.text).toBe('errno=-1001&errtext=Geçersiz kullanıcı adı');
  });

  it('ignores keys it does not know, as classic ASP does (an originator is dropped), and a body that is not form-urlencoded', async () => {
    const reply = await post(
      `${base}/sendsms.asp`,
      form([
        ...creds(),
        ['gsm', '5321234567'],
        ['text', 'x'],
        ['originator', 'ACME'],
        ['sender', 'ACME'],
        ['from', 'ACME'],
      ]),
    );
    expect(reply.text).toMatch(/^errno=0&errtext=&message_id=C1_/);
    expect(sim.lastMessageTo('5321234567')).toMatchObject({ text: 'x', sender: undefined });
    const json = await post(
      `${base}/sendsms.asp`,
      form([...creds(), ['gsm', '5321234567'], ['text', 'x']]),
      'application/json',
    );
    expect(json.text).toBe('errno=-1001&errtext=Geçersiz kullanıcı adı');
  });

  it('answers 404 for an unknown page', async () => {
    const reply = await post(`${base}/sendmms.asp`, form(creds()));
    expect(reply.status).toBe(404);
    expect(sim.requests.at(-1)).toMatchObject({ profile, operation: 'unknown', status: 404 });
  });
});

describe('HTTP API reply forms', () => {
  const creds: [string, string][] = [
    ['user', ACCOUNTS.bulk.username],
    ['password', ACCOUNTS.bulk.password],
  ];

  it("httpStatusForm 'code' answers querysms.asp with a bare status code", async () => {
    const sim = new PostaGuverciniSimulator({ httpStatusForm: 'code' });
    await sim.start();
    try {
      const base = `${sim.bulkBaseUrl}/api_http`;
      const sent = parse(
        (await post(`${base}/sendsms.asp`, form([...creds, ['gsm', '5321234567'], ['text', 'x']])))
          .text,
      );
      const query = async (): Promise<string> =>
        (await post(`${base}/querysms.asp`, form([...creds, ['message_id', sent[2]![1]]]))).text;
      expect(await query()).toBe('errno=0&errtext=&status=200');
      sim.advance(4_000);
      expect(await query()).toBe('errno=0&errtext=&status=400');
    } finally {
      await sim.stop();
    }
  });

  it("httpBulkReplyForm 'per-recipient' answers one errno block per number; an invalid number fails only its block", async () => {
    const sim = new PostaGuverciniSimulator({ httpBulkReplyForm: 'per-recipient' });
    await sim.start();
    try {
      const reply = await post(
        `${sim.bulkBaseUrl}/api_http/sendbulksms.asp`,
        form([
          ...creds,
          ['gsm', '5321234567'],
          ['gsm', '12345'],
          ['gsm', '5321234568'],
          ['text', 'x'],
        ]),
      );
      const [first, second] = sim.messages;
      expect(reply.text).toBe(
        `errno=0&errtext=&message_id=${first!.id}&charge=1&errno=-1003&errtext=GSM no geçersiz&message_id=&charge=0&errno=0&errtext=&message_id=${second!.id}&charge=1`,
      );
      expect(sim.messages.map((m) => m.to)).toEqual(['905321234567', '905321234568']);
      sim.setCredit('bulk', 0);
      const broke = await post(
        `${sim.bulkBaseUrl}/api_http/sendbulksms.asp`,
        form([...creds, ['gsm', '5321234569'], ['gsm', '5321234560'], ['text', 'y']]),
      );
      expect(broke.text).toBe('errno=20&errtext=Yetersiz kredi');
    } finally {
      await sim.stop();
    }
  });

  it('refuses an unknown reply form', () => {
    expect(() => new PostaGuverciniSimulator({ httpStatusForm: 'pipe' as 'code' })).toThrow(
      `"httpStatusForm" must be 'code-and-flag' or 'code'`,
    );
  });
});
