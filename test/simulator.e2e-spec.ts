import { Agent, request } from 'node:http';
import {
  encodeIso88599,
  escapeXmlForIso88599,
  percentEncodeIso88599,
} from '../lib/message/iso-8859-9.js';
import { PostaGuverciniSimulator } from '../lib/testing/index.js';
import type { SimulatedMessage, SimulatorProfile } from '../lib/testing/index.js';
import { formatCompactIstanbul } from '../lib/transports/istanbul-time.js';

const SENTENCE = 'Şişli\'de ığdır İÇİN çok güzel öğün — 5 < 6 & "tamam"';
const NS = 'http://83.66.137.24/PgApiWs';

interface RawReply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
}

/** One raw HTTP exchange (node:http, optional keep-alive agent). */
function exchange(
  url: string,
  options: {
    method?: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
    agent?: Agent;
    signal?: AbortSignal;
  } = {},
): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: options.method ?? 'POST',
        headers: options.headers,
        agent: options.agent,
        signal: options.signal,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** The four APIs, as a transport would call them for one text to one number. */
const SENDERS: Record<
  'http' | 'xml' | 'soap' | 'json',
  (
    sim: PostaGuverciniSimulator,
    profile: SimulatorProfile,
    text: string,
    to: string,
    extra?: { sendAt?: Date },
  ) => Promise<RawReply>
> = {
  http: (sim, profile, text, to, extra) => {
    const account = sim.accounts[profile]!;
    const params: [string, string][] = [
      ['user', account.username],
      ['password', account.password],
      ['gsm', to],
      ['text', text],
    ];
    if (extra?.sendAt) params.push(['dt', formatCompactIstanbul(extra.sendAt)]);
    const body = params
      .map(([key, value]) => `${key}=${percentEncodeIso88599(value, { charset: 'windows-1254' })}`)
      .join('&');
    return exchange(`${account.baseUrl}/api_http/sendsms.asp`, {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
  },
  xml: (sim, profile, text, to) => {
    const account = sim.accounts[profile]!;
    const document = `<?xml version="1.0" encoding="iso-8859-9"?><SMS-InsRequest><CLIENT user="${escapeXmlForIso88599(account.username)}" pwd="${escapeXmlForIso88599(account.password)}"/><INSERTMSG text="${escapeXmlForIso88599(text)}" dt=""><TO>${to.slice(2)}</TO></INSERTMSG></SMS-InsRequest>`;
    return exchange(`${account.baseUrl}/api_xml/Sms_insreq.asp`, {
      headers: { 'content-type': 'text/xml; charset=iso-8859-9' },
      body: encodeIso88599(document),
    });
  },
  soap: (sim, profile, text, to) => {
    const account = sim.accounts[profile]!;
    const escape = (value: string): string =>
      value
        .replace(/&/g, '&amp;')
        .replace(/</g, '&lt;')
        .replace(/>/g, '&gt;')
        .replace(/\r/g, '&#13;');
    const body = `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soap:Body><SmsInsert_1_N xmlns="${NS}"><Username>${escape(account.username)}</Username><Password>${escape(account.password)}</Password><SendDate xsi:nil="true"/><ExpireDate xsi:nil="true"/><Recepients><string>${to}</string></Recepients><Message>${escape(text)}</Message></SmsInsert_1_N></soap:Body></soap:Envelope>`;
    return exchange(`${account.baseUrl}/api_ws/smsservice.asmx`, {
      headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: `"${NS}/SmsInsert_1_N"` },
      body,
    });
  },
  json: (sim, profile, text, to, extra) => {
    const account = sim.accounts[profile]!;
    const body = JSON.stringify({
      Username: account.username,
      Password: account.password,
      Message: text,
      Receivers: [to],
      SendDate: extra?.sendAt ? formatCompactIstanbul(extra.sendAt) : null,
      ExpireDate: null,
      Channel: profile.toUpperCase(),
    });
    return exchange(`${account.baseUrl}/api_json/v1/Sms/Send_1_N`, {
      headers: { 'content-type': 'application/json' },
      body,
    });
  },
};
const APIS = Object.keys(SENDERS) as (keyof typeof SENDERS)[];

describe('PostaGuverciniSimulator (raw HTTP)', () => {
  const sim = new PostaGuverciniSimulator({ blacklist: ['+90 544 000 00 00'] });

  beforeAll(() => sim.start());
  afterAll(() => sim.stop());
  beforeEach(() => sim.reset());

  describe.each<SimulatorProfile>(['otp', 'bulk'])('on the %s profile', (profile) => {
    it.each(APIS)('round-trips the Turkish sentence exactly through the %s API', async (api) => {
      const reply = await SENDERS[api](sim, profile, SENTENCE, '905321234567');
      expect(reply.status).toBe(200);
      expect(sim.messages).toEqual([
        expect.objectContaining({
          api,
          profile,
          to: '905321234567',
          text: SENTENCE,
          encoding: 'ucs2',
          segments: 1,
          charge: 1,
        }),
      ]);
    });
  });

  it('keeps line breaks, tabs and quotes exactly through every API', async () => {
    const text = 'Satır 1\r\nSatır 2\n\tgirintili \'tek\' "çift" € ~ [x]';
    for (const [i, api] of APIS.entries()) await SENDERS[api](sim, 'bulk', text, `90532123456${i}`);
    // HTTP, SOAP and JSON carry a literal CR LF; the XML transport must write &#13;&#10; (see escapeXmlForIso88599).
    expect(sim.messages.map((message) => message.text)).toEqual([text, text, text, text]);
  });

  it('OTP ignores the send time; bulk holds the message at 120 until then', async () => {
    const sendAt = new Date(Math.ceil((sim.now().getTime() + 600_000) / 60_000) * 60_000);
    await SENDERS.json(sim, 'otp', 'x', '905321234567', { sendAt });
    await SENDERS.http(sim, 'bulk', 'x', '905321234567', { sendAt });
    const [otp, bulk] = sim.messages as [SimulatedMessage, SimulatedMessage];
    expect(sim.statusOf(otp.id)).toEqual({ code: 200, final: false });
    expect(otp.sendAt).toBeUndefined();
    expect(otp.requested.sendAt).toEqual(sendAt);
    expect(otp.validUntil).toEqual(new Date(otp.createdAt.getTime() + 180_000));
    expect(sim.statusOf(bulk.id)).toEqual({ code: 120, final: false });
    expect(bulk.sendAt).toEqual(sendAt);
    sim.setNow(sendAt);
    expect(sim.statusOf(bulk.id)).toEqual({ code: 200, final: false });
    sim.advance(4_000);
    expect(sim.statusOf(bulk.id)).toEqual({ code: 400, final: true });
  });

  it('OTP accepts a duplicate; bulk answers the duplicate with -202', async () => {
    for (const profile of ['otp', 'bulk'] as const) {
      await SENDERS.xml(sim, profile, 'Kodunuz 123456', '905321234567');
      await SENDERS.xml(sim, profile, 'Kodunuz 123456', '905321234567');
    }
    sim.advance(4_000);
    expect(
      sim.messages.map((message) => [message.profile, sim.statusOf(message.id)?.code]),
    ).toEqual([
      ['otp', 400],
      ['otp', 400],
      ['bulk', 400],
      ['bulk', -202],
    ]);
  });

  it('applies the blacklist on the bulk profile only (-242)', async () => {
    await SENDERS.soap(sim, 'otp', 'x', '905440000000');
    await SENDERS.soap(sim, 'bulk', 'x', '905440000000');
    expect(sim.messages.map((message) => sim.statusOf(message.id)?.code)).toEqual([200, -242]);
    expect(sim.lastMessageTo('05440000000', 'bulk')?.charge).toBe(0);
    expect(sim.lastMessageTo('05440000000', 'otp')?.charge).toBe(1);
  });

  it("emits 'message' for every accepted message", async () => {
    const seen: string[] = [];
    const listener = (message: SimulatedMessage): void => void seen.push(message.text);
    sim.on('message', listener);
    try {
      await SENDERS.json(sim, 'otp', 'bir', '905321234567');
      await SENDERS.http(sim, 'bulk', 'iki', '905321234567');
    } finally {
      sim.off('message', listener);
    }
    expect(seen).toEqual(['bir', 'iki']);
  });

  it('exposes both accounts with base URLs for the module options', () => {
    expect(sim.accounts).toEqual({
      otp: { username: 'otp-user', password: 'otp-secret', baseUrl: sim.otpBaseUrl },
      bulk: { username: 'bulk-user', password: 'bulk-secret', baseUrl: sim.bulkBaseUrl },
    });
    expect(sim.otpBaseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(sim.otpBaseUrl).not.toBe(sim.bulkBaseUrl);
  });

  describe('faults', () => {
    it('http-status: answers the status with an HTML body and processes nothing', async () => {
      sim.injectFault({ kind: 'http-status', status: 503 });
      const reply = await SENDERS.json(sim, 'otp', 'x', '905321234567');
      expect(reply.status).toBe(503);
      expect(reply.headers['content-type']).toBe('text/html; charset=iso-8859-9');
      expect(reply.body.toString()).toContain('<h1>503 Service Unavailable</h1>');
      expect(sim.messages).toHaveLength(0);
      expect(sim.requests).toEqual([
        expect.objectContaining({ status: 503, fault: 'http-status', operation: 'Send_1_N' }),
      ]);
      expect((await SENDERS.json(sim, 'otp', 'x', '905321234567')).status).toBe(200);
    });

    it('reset: destroys the connection without an answer and processes nothing', async () => {
      sim.injectFault({ kind: 'reset', api: 'soap' });
      await expect(SENDERS.soap(sim, 'bulk', 'x', '905321234567')).rejects.toMatchObject({
        code: 'ECONNRESET',
      });
      expect(sim.messages).toHaveLength(0);
      expect(sim.requests).toEqual([
        expect.objectContaining({ api: 'soap', status: 0, providerCode: 'reset', fault: 'reset' }),
      ]);
    });

    it.each([
      ['json', (body: string) => expect(() => JSON.parse(body)).toThrow()],
      ['xml', (body: string) => expect(body).not.toContain('</SMS-Response>')],
      ['soap', (body: string) => expect(body).not.toContain('</soap:Envelope>')],
      ['http', (body: string) => expect(body).not.toContain('errno=')],
    ] as const)(
      'malformed: the %s API processes the request, then answers 200 with a broken body',
      async (api, check) => {
        sim.injectFault({ kind: 'malformed', api });
        const reply = await SENDERS[api](sim, 'otp', 'x', '905321234567');
        expect(reply.status).toBe(200);
        check(reply.body.toString('latin1'));
        expect(sim.messages).toHaveLength(1);
        expect(sim.requests[0]).toMatchObject({ api, fault: 'malformed' });
      },
    );

    it.each([
      ['http', undefined, 'errno=-2001&errtext=API hatası'],
      ['http', 20, 'errno=20&errtext=Yetersiz kredi'],
      [
        'xml',
        undefined,
        '<SMS-Response><ERROR>ERR1010 Veritabanı bağlantı işlemi başarısız</ERROR></SMS-Response>',
      ],
      ['xml', 1020, '<SMS-Response><ERROR>ERR1020</ERROR></SMS-Response>'],
      ['json', 1030, '{"StatusCode":1030,"StatusDescription":"Error (ERR1030)","Result":null}'],
      [
        'json',
        undefined,
        '{"StatusCode":1010,"StatusDescription":"Request error: database error. (ERR1010)","Result":null}',
      ],
    ] as const)(
      'provider-error: the %s API answers code %s in its own shape',
      async (api, code, expected) => {
        sim.injectFault({ kind: 'provider-error', code });
        const reply = await SENDERS[api](sim, 'bulk', 'x', '905321234567');
        expect(reply.status).toBe(200);
        expect(
          api === 'json'
            ? reply.body.toString('utf8')
            : new TextDecoder('windows-1254').decode(reply.body),
        ).toBe(expected);
        expect(sim.messages).toHaveLength(0);
      },
    );

    it('provider-error: the SOAP API answers one result entry', async () => {
      sim.injectFault({ kind: 'provider-error', code: '-2002' });
      const reply = await SENDERS.soap(sim, 'otp', 'x', '905321234567');
      expect(reply.body.toString('utf8')).toContain(
        `<SmsInsert_1_NResponse xmlns="${NS}"><SmsInsert_1_NResult><string>-2002</string></SmsInsert_1_NResult></SmsInsert_1_NResponse>`,
      );
    });

    it('latency: answers after the delay; a client that gives up first may still have sent the message', async () => {
      sim.injectFault({ kind: 'latency', ms: 20 });
      expect((await SENDERS.json(sim, 'otp', 'x', '905321234567')).status).toBe(200);
      expect(sim.requests[0]).toMatchObject({ fault: 'latency', status: 200 });
      sim.injectFault({ kind: 'latency', ms: 60_000 });
      const accepted = new Promise<SimulatedMessage>((resolve) => sim.once('message', resolve));
      const gaveUp = exchange(`${sim.otpBaseUrl}/api_json/v1/Sms/Send_1_N`, {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          Username: 'otp-user',
          Password: 'otp-secret',
          Message: 'geç',
          Receivers: ['905321234567'],
        }),
        signal: AbortSignal.timeout(50),
      });
      await expect(gaveUp).rejects.toMatchObject({ name: 'AbortError' });
      expect((await accepted).text).toBe('geç');
    });

    it('scopes faults by profile, API and operation kind, and counts them with times', async () => {
      const fault = sim.injectFault({
        kind: 'http-status',
        status: 500,
        profile: 'bulk',
        api: 'json',
        operation: 'send',
        times: 2,
      });
      expect((await SENDERS.json(sim, 'otp', 'x', '905321234567')).status).toBe(200);
      expect((await SENDERS.http(sim, 'bulk', 'x', '905321234567')).status).toBe(200);
      const credit = await exchange(`${sim.bulkBaseUrl}/api_json/v1/Sms/CreditBalance`, {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ Username: 'bulk-user', Password: 'bulk-secret' }),
      });
      expect(credit.status).toBe(200);
      expect((await SENDERS.json(sim, 'bulk', 'a', '905321234567')).status).toBe(500);
      expect((await SENDERS.json(sim, 'bulk', 'b', '905321234567')).status).toBe(500);
      expect(fault).toMatchObject({ hits: 2, remaining: 0 });
      expect((await SENDERS.json(sim, 'bulk', 'c', '905321234567')).status).toBe(200);
    });

    it('matches an API-specific operation name case-insensitively, and times: Infinity lasts until cleared', async () => {
      sim.injectFault({ kind: 'http-status', operation: 'SENDSMS', times: Infinity });
      for (let i = 0; i < 3; i++)
        expect((await SENDERS.http(sim, 'otp', 'x', '905321234567')).status).toBe(503);
      expect((await SENDERS.json(sim, 'otp', 'x', '905321234567')).status).toBe(200);
      sim.clearFaults();
      expect((await SENDERS.http(sim, 'otp', 'x', '905321234567')).status).toBe(200);
    });

    it('refuses a fault spec that makes no sense', () => {
      expect(() => sim.injectFault({ kind: 'explode' as 'reset' })).toThrow(
        'Unknown fault kind "explode"',
      );
      expect(() => sim.injectFault({ kind: 'reset', times: 0 })).toThrow(
        'positive integer or Infinity',
      );
      expect(() => sim.injectFault({ kind: 'http-status', status: 99 })).toThrow(
        'HTTP status 100–599',
      );
    });
  });

  it('counts TCP connections: one keep-alive connection serves many requests', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const before = sim.connectionsOpened;
      for (let i = 0; i < 5; i++) {
        await exchange(
          `${sim.otpBaseUrl}/api_http/querycredit.asp?user=otp-user&password=otp-secret`,
          { method: 'GET', agent },
        );
      }
      expect(sim.connectionsOpened - before).toBe(1);
      await exchange(
        `${sim.bulkBaseUrl}/api_http/querycredit.asp?user=bulk-user&password=bulk-secret`,
        { method: 'GET', agent },
      );
      expect(sim.connectionsOpened - before).toBe(2);
    } finally {
      agent.destroy();
    }
  });
});

describe('PostaGuverciniSimulator lifecycle', () => {
  it('refuses to give URLs before start, and starts on fixed ports', async () => {
    const probe = new PostaGuverciniSimulator();
    expect(() => probe.accounts).toThrow(
      'PostaGuverciniSimulator is not running; await sim.start() first',
    );
    await probe.start();
    const otpPort = Number(new URL(probe.otpBaseUrl).port);
    const bulkPort = Number(new URL(probe.bulkBaseUrl).port);
    await probe.stop();
    const fixed = new PostaGuverciniSimulator({ otpPort, bulkPort, credit: { otp: 5 } });
    await fixed.start();
    try {
      expect(fixed.otpBaseUrl).toBe(`http://127.0.0.1:${otpPort}`);
      expect(fixed.bulkBaseUrl).toBe(`http://127.0.0.1:${bulkPort}`);
      expect([fixed.creditOf('otp'), fixed.creditOf('bulk')]).toEqual([5, 1_000_000]);
      await expect(fixed.start()).rejects.toThrow('already started');
    } finally {
      await fixed.stop();
    }
  });

  it('refuses bad options', () => {
    expect(() => new PostaGuverciniSimulator({ credit: -1 })).toThrow(
      '"credit" must be an integer ≥ 0',
    );
    expect(() => new PostaGuverciniSimulator({ blacklist: ['123'] })).toThrow('"blacklist"');
    expect(
      () => new PostaGuverciniSimulator({ accounts: { otp: { username: '', password: 'x' } } }),
    ).toThrow('"accounts.otp"');
  });

  it('uses custom accounts', async () => {
    const custom = new PostaGuverciniSimulator({
      accounts: { bulk: { username: 'acme', password: 's3cret' } },
    });
    await custom.start();
    try {
      const reply = await exchange(
        `${custom.bulkBaseUrl}/api_http/querycredit.asp?user=acme&password=s3cret`,
        { method: 'GET' },
      );
      expect(reply.body.toString()).toBe('errno=0&errtext=&credit=1000000');
    } finally {
      await custom.stop();
    }
  });
});
