import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import request from 'supertest';
import { PostaGuverciniSimulator } from 'nestjs-posta-guvercini/testing';
import { analyzeSmsText } from 'nestjs-posta-guvercini';
import {
  codeIn,
  DEMO_PHONE_CANONICAL,
  parseSse,
  progressOf,
  reportOf,
  type RunningSample,
  startSample,
} from './sample-app.fixture.js';

type HttpServer = Parameters<typeof request>[0];

/** A delivery report line of `GET /api/campaigns/:id/statuses`. */
interface StatusJson {
  messageId: string;
  status: string;
  final: boolean;
  providerCode: string;
}

/** Reads a Server-Sent Events response to its end. */
function sse(server: HttpServer, path: string) {
  return request(server)
    .get(path)
    .set('Accept', 'text/event-stream')
    .buffer(true)
    .parse((response, callback) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => callback(null, body));
    });
}

describe('Sample app (HTTP) on the embedded simulator', () => {
  let sample: RunningSample;
  let server: HttpServer;

  beforeAll(async () => {
    sample = await startSample();
    server = sample.app.getHttpServer();
  });

  afterAll(async () => {
    await sample.close();
  });

  beforeEach(() => sample.simulator.reset());

  describe('pages and start-up', () => {
    it('serves the pages with a strict content security policy', async () => {
      const home = await request(server).get('/').expect(200).expect('Content-Type', /html/);
      expect(home.text).toContain('Posta Güvercini for NestJS');
      expect(home.headers['content-security-policy']).toContain("script-src 'self'");
      expect(home.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      await request(server).get('/branch/login').expect(200).expect('Content-Type', /html/);
      await request(server).get('/checkout/confirm').expect(200);
      await request(server).get('/campaigns/').expect(200);
      await request(server).get('/assets/styles.css').expect(200).expect('Content-Type', /css/);
    });

    it('runs on the simulator on loopback, with no credentials', async () => {
      const { body } = await request(server).get('/api/info').expect(200);
      expect(body.mode).toBe('embedded');
      expect(body.backend).toMatch(
        /^embedded simulator \(json API\) on http:\/\/127\.0\.0\.1:\d+ \(OTP\) and http:\/\/127\.0\.0\.1:\d+ \(bulk\)$/,
      );
      expect(body.features).toEqual({ otp: true, bulk: true, outbox: true });
    });
  });

  describe('internet-branch login', () => {
    it('needs the password step before any code is sent', async () => {
      const response = await request(server).post('/api/branch/otp').send({}).expect(401);
      expect(response.body.message).toMatch(/customer number and password first/);
      expect(response.body.challengeId).toBeUndefined();
      expect(sample.simulator.messages).toHaveLength(0);
    });

    it('refuses a wrong password without sending anything', async () => {
      await request(server)
        .post('/api/branch/login')
        .send({ customerNo: '10000001', password: 'nope' })
        .expect(401);
      await request(server)
        .post('/api/branch/login')
        .send({ customerNo: '99999999', password: 'demo1234' })
        .expect(401);
      expect(sample.simulator.messages).toHaveLength(0);
    });

    it('password, then the OTP from the SMS, then the signed-in page', async () => {
      const agent = request.agent(server);
      const login = await agent
        .post('/api/branch/login')
        .send({ customerNo: '10000001', password: 'demo1234' })
        .expect(200);
      expect(login.body).toEqual({ next: '/branch/otp' });
      const passwordCookie = login.headers['set-cookie']![0]!.split(';')[0]!;

      const challenge = await agent.post('/api/branch/otp').send({}).expect(401);
      expect(challenge.body).toMatchObject({
        challengeId: expect.any(String),
        maskedPhone: expect.any(String),
      });
      expect(challenge.headers['www-authenticate']).toBe(
        `OTP challenge="${challenge.body.challengeId}"`,
      );
      const sms = sample.simulator.lastMessageTo(DEMO_PHONE_CANONICAL, 'otp');
      expect(sms).toBeDefined();
      expect(sample.simulator.messages.filter((m) => m.profile === 'bulk')).toHaveLength(0);
      const code = codeIn(sms!.text);

      const wrongCode = code === '000000' ? '111111' : '000000';
      const wrong = await agent
        .post('/api/branch/otp')
        .set('X-OTP-Challenge', challenge.body.challengeId)
        .set('X-OTP-Code', wrongCode)
        .send({})
        .expect(401);
      expect(wrong.body).toMatchObject({ reason: 'invalid', attemptsLeft: 4 });
      await agent.get('/api/branch/me').expect(401);

      const ok = await agent
        .post('/api/branch/otp')
        .set('X-OTP-Challenge', challenge.body.challengeId)
        .set('X-OTP-Code', code)
        .send({})
        .expect(200);
      expect(ok.body).toEqual({ next: '/branch/account' });

      const me = await agent.get('/api/branch/me').expect(200);
      expect(me.body).toMatchObject({ customerNo: '10000001', name: 'Ayşe Yılmaz' });
      expect(me.body.accounts.length).toBeGreaterThan(0);

      // The session id changed when the customer signed in: the pre-OTP cookie is worthless.
      await request(server).get('/api/branch/me').set('Cookie', passwordCookie).expect(401);
      await request(server)
        .post('/api/branch/otp')
        .set('Cookie', passwordCookie)
        .set('X-OTP-Challenge', challenge.body.challengeId)
        .set('X-OTP-Code', code)
        .send({})
        .expect(401);

      await agent.post('/api/branch/logout').expect(204);
      await agent.get('/api/branch/me').expect(401);
    });
  });

  describe('3-D Secure', () => {
    async function openPayment(amount = '149.90') {
      const { body } = await request(server)
        .post('/api/payments')
        .send({ merchant: 'ACME Elektronik A.Ş.', amount, cardNumber: '4355 0843 5508 4358' })
        .expect(201);
      expect(body).toMatchObject({
        amount,
        currency: 'TRY',
        status: 'awaiting_confirmation',
        cardLast4: '4358',
      });
      return body as { id: string; next: string };
    }

    const approve = (amount: string) => ({
      amount,
      currency: 'TRY',
      payee: 'ACME Elektronik A.Ş.',
    });

    it('refuses bad checkout input before anything is sent', async () => {
      for (const body of [
        { merchant: 'ACME', amount: '-5', cardNumber: '4355084355084358' },
        { merchant: 'ACME', amount: '12.345', cardNumber: '4355084355084358' },
        { merchant: 'ACME', amount: '10', cardNumber: '4111111111111111' },
        { merchant: '', amount: '10', cardNumber: '4355084355084358' },
      ]) {
        await request(server).post('/api/payments').send(body).expect(400);
      }
      expect(sample.simulator.messages).toHaveLength(0);
    });

    it('sends a code bound to the amount and payee (shown in the SMS) and authorizes with it', async () => {
      const payment = await openPayment('149.90');
      expect(payment.next).toBe(`/checkout/confirm?payment=${payment.id}`);
      const challenge = await request(server)
        .post(`/api/payments/${payment.id}/confirm`)
        .send(approve('149.90'))
        .expect(401);
      const sms = sample.simulator.lastMessageTo(DEMO_PHONE_CANONICAL, 'otp')!;
      expect(sms.text).toContain('149.90 TRY');
      // One SMS segment (otp.maxSegments: 1): the Turkish letters are transliterated to fit.
      expect(sms.text).toContain('ACME Elektronik A.S.');
      expect(analyzeSmsText(sms.text).segments).toBe(1);

      const ok = await request(server)
        .post(`/api/payments/${payment.id}/confirm`)
        .set('X-OTP-Challenge', challenge.body.challengeId)
        .set('X-OTP-Code', codeIn(sms.text))
        .send(approve('149.90'))
        .expect(200);
      expect(ok.body).toMatchObject({
        status: 'authorized',
        amount: '149.90',
        next: `/checkout/done?payment=${payment.id}`,
      });
      await request(server)
        .post(`/api/payments/${payment.id}/confirm`)
        .send(approve('149.90'))
        .expect(409);
      expect(
        (await request(server).get(`/api/payments/${payment.id}`).expect(200)).body.status,
      ).toBe('authorized');
    });

    it('refuses the code when the amount changed after it was sent, like a wrong code', async () => {
      const payment = await openPayment('2500.00');
      const challenge = await request(server)
        .post(`/api/payments/${payment.id}/confirm`)
        .send(approve('2500.00'))
        .expect(401);
      const code = codeIn(sample.simulator.lastMessageTo(DEMO_PHONE_CANONICAL, 'otp')!.text);

      const tampered = await request(server)
        .post(`/api/payments/${payment.id}/confirm`)
        .set('X-OTP-Challenge', challenge.body.challengeId)
        .set('X-OTP-Code', code)
        .send(approve('25000.00'))
        .expect(401);
      expect(tampered.body).toMatchObject({ reason: 'invalid', attemptsLeft: 4 });
      expect((await request(server).get(`/api/payments/${payment.id}`)).body.status).toBe(
        'awaiting_confirmation',
      );

      const otherPayee = await request(server)
        .post(`/api/payments/${payment.id}/confirm`)
        .set('X-OTP-Challenge', challenge.body.challengeId)
        .set('X-OTP-Code', code)
        .send({ ...approve('2500.00'), payee: 'Evil Ltd.' })
        .expect(401);
      expect(otherPayee.body).toMatchObject({ reason: 'invalid', attemptsLeft: 3 });

      // The card holder's own request, with the amount the SMS showed, still goes through.
      await request(server)
        .post(`/api/payments/${payment.id}/confirm`)
        .set('X-OTP-Challenge', challenge.body.challengeId)
        .set('X-OTP-Code', code)
        .send(approve('2500.00'))
        .expect(200);
    });

    it('does not pay an amount other than the order even with a valid code for it', async () => {
      const payment = await openPayment('80.00');
      // Tampered before the code was sent: the SMS shows the wrong amount.
      const challenge = await request(server)
        .post(`/api/payments/${payment.id}/confirm`)
        .send(approve('8.00'))
        .expect(401);
      const sms = sample.simulator.lastMessageTo(DEMO_PHONE_CANONICAL, 'otp')!;
      expect(sms.text).toContain('8.00 TRY');
      const response = await request(server)
        .post(`/api/payments/${payment.id}/confirm`)
        .set('X-OTP-Challenge', challenge.body.challengeId)
        .set('X-OTP-Code', codeIn(sms.text))
        .send(approve('8.00'))
        .expect(409);
      expect(response.body.message).toMatch(/differs from the order/);
      expect((await request(server).get(`/api/payments/${payment.id}`)).body.status).toBe(
        'awaiting_confirmation',
      );
    });

    it('a login code does not confirm a payment', async () => {
      const agent = request.agent(server);
      await agent
        .post('/api/branch/login')
        .send({ customerNo: '10000001', password: 'demo1234' })
        .expect(200);
      const login = await agent.post('/api/branch/otp').send({}).expect(401);
      const loginCode = codeIn(sample.simulator.lastMessageTo(DEMO_PHONE_CANONICAL, 'otp')!.text);
      const payment = await openPayment('10.00');
      const response = await request(server)
        .post(`/api/payments/${payment.id}/confirm`)
        .set('X-OTP-Challenge', login.body.challengeId)
        .set('X-OTP-Code', loginCode)
        .send(approve('10.00'));
      expect(response.status).toBe(401);
      expect(response.body.challengeId).toBeUndefined();
    });
  });

  describe('bulk campaign', () => {
    const numbers = [
      '+90 532 100 00 02', // consented (even)
      '05321000003', // odd: no consent for commercial
      '5321000004',
      '+90 532 100 00 02', // duplicate
      '12345', // invalid
      '+90 532 999 99 99', // on the demo opt-out list
      '+90 532 999 99 98', // blacklisted at the provider (status -242)
    ].join('\n');

    it('streams progress over SSE, then the report, then delivery statuses', async () => {
      const started = await request(server)
        .post('/api/campaigns')
        .send({ numbers, text: 'Hesap özetiniz hazır.', kind: 'informational' })
        .expect(202);
      expect(started.body).toMatchObject({
        id: expect.any(String),
        total: 7,
        events: `/api/campaigns/${started.body.id}/events`,
      });

      const stream = await sse(server, started.body.events)
        .expect(200)
        .expect('Content-Type', /text\/event-stream/);
      const events = parseSse(stream.body as string);
      const progress = progressOf(events);
      expect(progress.length).toBeGreaterThan(0);
      expect(progress.at(-1)).toMatchObject({
        done: true,
        sent: 4,
        skipped: 3,
        failed: 0,
        total: 7,
      });
      const report = reportOf(events);
      expect(report).toMatchObject({ total: 7, sent: 4, skipped: 3, failed: 0, requests: 1 });
      expect(report.recipients.map((r) => [r.to, r.status, r.reason])).toEqual([
        ['905321000002', 'sent', undefined],
        ['905321000003', 'sent', undefined],
        ['905321000004', 'sent', undefined],
        ['905321000002', 'skipped', 'duplicate'],
        ['12345', 'skipped', 'invalid_number'],
        ['905329999999', 'skipped', 'opted_out'],
        ['905329999998', 'sent', undefined],
      ]);
      expect(
        sample.simulator.messages
          .filter((m) => m.profile === 'bulk')
          .map((m) => m.to)
          .sort(),
      ).toEqual(['905321000002', '905321000003', '905321000004', '905329999998']);

      // Delivery: the simulator moves 200 → 300 → 400 on its clock; the blacklisted one is refused.
      sample.simulator.advance(10_000);
      const { body } = await request(server)
        .get(`/api/campaigns/${started.body.id}/statuses`)
        .expect(200);
      const statuses = (body as { statuses: StatusJson[] }).statuses;
      const byNumber = new Map<string, StatusJson>();
      for (const line of report.recipients.filter((r) => r.messageId)) {
        const status = statuses.find((s) => s.messageId === line.messageId);
        if (status) byNumber.set(line.to, status);
      }
      expect(byNumber.get('905321000002')).toMatchObject({
        status: 'delivered',
        final: true,
        providerCode: '400',
      });
      expect(byNumber.get('905329999998')).toMatchObject({ final: true, providerCode: '-242' });
      expect(byNumber.get('905329999998')!.status).not.toBe('delivered');

      const stored = await request(server).get(`/api/campaigns/${started.body.id}`).expect(200);
      expect(stored.body).toMatchObject({ finished: true, sent: 4, skipped: 3 });
    });

    it('streams live progress batch by batch while a campaign runs', async () => {
      // 1,700 numbers = 3 requests of at most 800; each answer is held back a little so the
      // stream is open while the campaign runs.
      const many = Array.from({ length: 1_700 }, (_, i) => `0532${String(3_000_000 + i)}`).join(
        '\n',
      );
      sample.simulator.injectFault({
        kind: 'latency',
        ms: 300,
        profile: 'bulk',
        operation: 'send',
        times: Infinity,
      });
      const started = await request(server)
        .post('/api/campaigns')
        .send({ numbers: many, text: 'Sistem bakımı bu gece 02:00-04:00.', kind: 'informational' })
        .expect(202);
      const events = parseSse((await sse(server, started.body.events).expect(200)).body as string);
      const progress = progressOf(events);
      expect(progress.length).toBeGreaterThanOrEqual(2);
      expect(progress[0]!.done).toBe(false);
      expect(progress.at(-1)).toMatchObject({
        done: true,
        sent: 1_700,
        processed: 1_700,
        total: 1_700,
        requests: 3,
      });
      for (let i = 1; i < progress.length; i++) {
        expect(progress[i]!.processed).toBeGreaterThanOrEqual(progress[i - 1]!.processed);
      }
      expect(events.at(-1)).toMatchObject({ event: 'report', data: { sent: 1_700, requests: 3 } });
      expect(
        sample.simulator.requests.filter(
          (r) => r.profile === 'bulk' && r.operation.toLowerCase().includes('send'),
        ),
      ).toHaveLength(3);
    });

    it('sends a commercial campaign only to numbers with (demo) consent', async () => {
      const started = await request(server)
        .post('/api/campaigns')
        .send({ numbers, text: 'Hafta sonu %20 indirim!', kind: 'commercial' })
        .expect(202);
      const events = parseSse((await sse(server, started.body.events).expect(200)).body as string);
      const report = reportOf(events);
      const skipped = Object.fromEntries(
        report.recipients.filter((r) => r.status === 'skipped').map((r) => [r.to, r.reason]),
      );
      expect(skipped['905321000003']).toBe('no_consent');
      expect(sample.simulator.messages.map((m) => m.to).sort()).toEqual([
        '905321000002',
        '905321000004',
        '905329999998',
      ]);
    });

    it('schedules with a validity window on the bulk host', async () => {
      const sendAt = new Date(Date.now() + 2 * 3_600_000);
      const started = await request(server)
        .post('/api/campaigns')
        .send({
          numbers: '+90 532 100 00 06',
          text: 'Randevunuz yarın 10:00.',
          kind: 'informational',
          sendAt: sendAt.toISOString(),
          validityHours: 6,
        })
        .expect(202);
      const events = parseSse((await sse(server, started.body.events).expect(200)).body as string);
      expect(reportOf(events)).toMatchObject({ sent: 1 });
      const message = sample.simulator.lastMessageTo('905321000006', 'bulk')!;
      // Minute precision on the wire.
      expect(Math.abs(message.sendAt!.getTime() - sendAt.getTime())).toBeLessThan(60_000);
      expect(
        Math.abs(message.validUntil!.getTime() - (sendAt.getTime() + 6 * 3_600_000)),
      ).toBeLessThan(60_000);
      const { body } = await request(server)
        .get(`/api/campaigns/${started.body.id}/statuses`)
        .expect(200);
      expect(body.statuses[0]).toMatchObject({ status: 'scheduled', final: false });
    });

    it('refuses bad campaigns with a clear message before sending', async () => {
      // `field` names the form control the page shows the message under.
      const cases: Array<[object, RegExp, string]> = [
        [{ numbers: '', text: 'x', kind: 'informational' }, /at least one phone number/, 'numbers'],
        [{ numbers: '05321000002', text: '   ', kind: 'informational' }, /message text/, 'text'],
        [
          { numbers: '05321000002', text: 'x', kind: 'spam' },
          /informational or commercial/,
          'kind',
        ],
        [
          {
            numbers: '05321000002',
            text: 'x',
            kind: 'informational',
            sendAt: '2001-01-01T10:00:00Z',
          },
          /in the past/,
          'sendAt',
        ],
        [
          { numbers: '05321000002', text: 'x', kind: 'informational', validityHours: 48 },
          /1 to 24 hours/,
          'validity',
        ],
      ];
      for (const [body, message, field] of cases) {
        const response = await request(server).post('/api/campaigns').send(body).expect(400);
        expect(response.body.message).toMatch(message);
        expect(response.body.field).toBe(field);
      }
      expect(sample.simulator.messages).toHaveLength(0);
    });

    it('answers 404 for an unknown campaign, also on the event stream', async () => {
      await request(server).get('/api/campaigns/6f1c1f8e-51a4-4d5b-9a0e-2f0a3c1c9b11').expect(404);
      await request(server)
        .get('/api/campaigns/6f1c1f8e-51a4-4d5b-9a0e-2f0a3c1c9b11/events')
        .expect(404);
    });

    it('previews the cost of a text', async () => {
      const ascii = await request(server)
        .post('/api/campaigns/preview')
        .send({ text: 'Kargonuz yola cikti.' })
        .expect(200);
      expect(ascii.body).toMatchObject({ encoding: 'gsm7', segments: 1 });
      const turkish = await request(server)
        .post('/api/campaigns/preview')
        .send({ text: 'ş'.repeat(71) })
        .expect(200);
      expect(turkish.body).toMatchObject({
        encoding: 'ucs2',
        segments: 2,
        transliteratedSegments: 1,
      });
    });
  });

  describe('outbox and health', () => {
    it('lists what the simulator received, newest first', async () => {
      for (const [numbers, text] of [
        ['05321000008', 'Birinci'],
        ['05321000010', 'İkinci'],
      ]) {
        const started = await request(server)
          .post('/api/campaigns')
          .send({ numbers, text, kind: 'informational' })
          .expect(202);
        await sse(server, started.body.events).expect(200);
      }
      const { body } = await request(server).get('/api/outbox').expect(200);
      expect((body as { messages: Array<{ text: string }> }).messages.map((m) => m.text)).toEqual([
        'İkinci',
        'Birinci',
      ]);
      expect(body.messages[0]).toMatchObject({
        channel: 'bulk',
        to: '905321000010',
        status: '200',
        id: expect.stringMatching(/^C1_/),
      });
    });

    it('GET /health reports the two accounts, degraded below the threshold, down when one fails', async () => {
      const ok = await request(server).get('/health').expect(200);
      expect(ok.body).toMatchObject({
        status: 'ok',
        details: {
          posta_guvercini: {
            status: 'up',
            otp: { answered: true, lowCredit: false },
            bulk: { answered: true },
          },
        },
      });

      sample.simulator.setCredit('bulk', 999);
      const low = await request(server).get('/health').expect(200);
      expect(low.body.status).toBe('degraded');
      expect(low.body.details.posta_guvercini.bulk).toMatchObject({
        balance: 999,
        threshold: 1_000,
        lowCredit: true,
      });

      sample.simulator.injectFault({
        kind: 'http-status',
        status: 503,
        profile: 'otp',
        operation: 'credit',
        times: Infinity,
      });
      const down = await request(server).get('/health').expect(503);
      expect(down.body.error.posta_guvercini.otp).toMatchObject({
        answered: false,
        error: 'TRANSPORT_HTTP_STATUS',
      });
    });
  });
});

describe('Sample app configuration', () => {
  it('refuses real credentials without OTP_SECRET or SAMPLE_CUSTOMER_PHONE, naming the variable', async () => {
    const credentials = {
      POSTA_GUVERCINI_OTP_USERNAME: 'bank',
      POSTA_GUVERCINI_OTP_PASSWORD: 'pw-123',
    };
    await expect(startSample(credentials)).rejects.toThrow(/OTP_SECRET/);
    await expect(startSample({ ...credentials, OTP_SECRET: 'x'.repeat(40) })).rejects.toThrow(
      /SAMPLE_CUSTOMER_PHONE/,
    );
    await expect(startSample({ POSTA_GUVERCINI_OTP_USERNAME: 'bank' })).rejects.toThrow(
      /POSTA_GUVERCINI_OTP_PASSWORD/,
    );
    await expect(startSample({ PORT: 'eighty' })).rejects.toThrow(/PORT/);
    await expect(startSample({ POSTA_GUVERCINI_TRANSPORT: 'smtp' })).rejects.toThrow(
      /POSTA_GUVERCINI_TRANSPORT/,
    );
  });

  it('with credentials, talks to the configured hosts (here a simulator standing in for Posta Güvercini) and has no outbox', async () => {
    const provider = new PostaGuverciniSimulator({
      accounts: {
        otp: { username: 'bank-otp', password: 'otp-pw-1' },
        bulk: { username: 'bank-bulk', password: 'bulk-pw-1' },
      },
    });
    await provider.start();
    let sample: RunningSample | undefined;
    try {
      sample = await startSample({
        POSTA_GUVERCINI_TRANSPORT: 'xml',
        POSTA_GUVERCINI_OTP_USERNAME: 'bank-otp',
        POSTA_GUVERCINI_OTP_PASSWORD: 'otp-pw-1',
        POSTA_GUVERCINI_OTP_BASE_URL: provider.otpBaseUrl,
        POSTA_GUVERCINI_BULK_USERNAME: 'bank-bulk',
        POSTA_GUVERCINI_BULK_PASSWORD: 'bulk-pw-1',
        POSTA_GUVERCINI_BULK_BASE_URL: provider.bulkBaseUrl,
        OTP_SECRET: randomBytes(36).toString('base64'),
        SAMPLE_CUSTOMER_PHONE: '0533 765 43 21',
      });
      const server = sample.app.getHttpServer();
      const { body: info } = await request(server).get('/api/info').expect(200);
      expect(info).toMatchObject({
        mode: 'provider',
        features: { otp: true, bulk: true, outbox: false },
      });
      expect(info.backend).toContain('xml API');
      expect(JSON.stringify(info)).not.toContain('otp-pw-1');
      await request(server).get('/api/outbox').expect(404);

      const agent = request.agent(server);
      await agent
        .post('/api/branch/login')
        .send({ customerNo: '10000001', password: 'demo1234' })
        .expect(200);
      const challenge = await agent.post('/api/branch/otp').send({}).expect(401);
      const sms = provider.lastMessageTo('905337654321', 'otp')!;
      expect(sms.api).toBe('xml');
      await agent
        .post('/api/branch/otp')
        .set('X-OTP-Challenge', challenge.body.challengeId)
        .set('X-OTP-Code', codeIn(sms.text))
        .send({})
        .expect(200);
      await request(server).get('/health').expect(200);
    } finally {
      await sample?.close();
      await provider.stop();
    }
  });

  it('with only the OTP account, refuses campaigns and checks only that account', async () => {
    const provider = new PostaGuverciniSimulator();
    await provider.start();
    let sample: RunningSample | undefined;
    try {
      sample = await startSample({
        POSTA_GUVERCINI_OTP_USERNAME: 'otp-user',
        POSTA_GUVERCINI_OTP_PASSWORD: 'otp-secret',
        POSTA_GUVERCINI_OTP_BASE_URL: provider.otpBaseUrl,
        OTP_SECRET: randomBytes(36).toString('base64'),
        SAMPLE_CUSTOMER_PHONE: '+905337654321',
      });
      const server = sample.app.getHttpServer();
      const { body: info } = await request(server).get('/api/info').expect(200);
      expect(info.features).toEqual({ otp: true, bulk: false, outbox: false });
      const refused = await request(server)
        .post('/api/campaigns')
        .send({ numbers: '05321000002', text: 'x', kind: 'informational' })
        .expect(503);
      expect(refused.body.message).toMatch(/POSTA_GUVERCINI_BULK_USERNAME/);
      const health = await request(server).get('/health').expect(200);
      expect(Object.keys(health.body.details.posta_guvercini).sort()).toEqual(['otp', 'status']);
      expect(provider.messages).toHaveLength(0);
    } finally {
      await sample?.close();
      await provider.stop();
    }
  });

  it('with REDIS_URL, keeps the OTP challenges in Redis under REDIS_KEY_PREFIX', async () => {
    const prefix = `pg-sample-test:${randomBytes(6).toString('hex')}:`;
    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    const sample = await startSample({
      REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      REDIS_KEY_PREFIX: prefix,
    });
    try {
      const server = sample.app.getHttpServer();
      const agent = request.agent(server);
      await agent
        .post('/api/branch/login')
        .send({ customerNo: '10000001', password: 'demo1234' })
        .expect(200);
      const challenge = await agent.post('/api/branch/otp').send({}).expect(401);
      const keys = await redis.keys(`${prefix}*`);
      expect(keys.length).toBeGreaterThan(0);
      // Codes are stored only as HMACs: no key or value holds the code itself.
      const code = codeIn(sample.simulator.lastMessageTo(DEMO_PHONE_CANONICAL, 'otp')!.text);
      for (const key of keys) {
        const type = await redis.type(key);
        const dump =
          type === 'hash'
            ? JSON.stringify(await redis.hgetall(key))
            : type === 'string'
              ? await redis.get(key)
              : '';
        expect(`${key} ${dump}`).not.toContain(code);
      }
      await agent
        .post('/api/branch/otp')
        .set('X-OTP-Challenge', challenge.body.challengeId)
        .set('X-OTP-Code', code)
        .send({})
        .expect(200);
    } finally {
      await sample.close();
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
    }
  });

  it('SIMULATOR_LATENCY_MS holds back every bulk send of the embedded simulator, not the OTP host', async () => {
    const slow = await startSample({ SIMULATOR_LATENCY_MS: '50' });
    try {
      const server = slow.app.getHttpServer();
      const many = Array.from({ length: 900 }, (_, i) => `0532${String(5_000_000 + i)}`).join('\n');
      const started = await request(server)
        .post('/api/campaigns')
        .send({ numbers: many, text: 'Gecikmeli kampanya', kind: 'informational' })
        .expect(202);
      await sse(server, started.body.events).expect(200);
      const sends = slow.simulator.requests.filter((r) => r.profile === 'bulk');
      expect(sends).toHaveLength(2);
      expect(sends.every((r) => r.fault === 'latency')).toBe(true);
      await request(server).get('/health').expect(200);
      expect(slow.simulator.requests.filter((r) => r.fault === 'latency')).toHaveLength(2);
    } finally {
      await slow.close();
    }
    await expect(startSample({ SIMULATOR_LATENCY_MS: 'slow' })).rejects.toThrow(
      'Environment variable SIMULATOR_LATENCY_MS: expected an integer between 0 and 60000, got "slow"',
    );
  });

  it('with POSTA_GUVERCINI_TRANSPORT=memory, keeps the SMS in the in-memory outbox', async () => {
    const sample = await startSample({ POSTA_GUVERCINI_TRANSPORT: 'memory' });
    try {
      const server = sample.app.getHttpServer();
      expect((await request(server).get('/api/info')).body.mode).toBe('memory');
      const agent = request.agent(server);
      await agent
        .post('/api/branch/login')
        .send({ customerNo: '10000001', password: 'demo1234' })
        .expect(200);
      await agent.post('/api/branch/otp').send({}).expect(401);
      const { body } = await request(server).get('/api/outbox').expect(200);
      expect(body.messages).toHaveLength(1);
      expect(body.messages[0]).toMatchObject({ channel: 'otp', to: DEMO_PHONE_CANONICAL });
      expect(body.messages[0].text).toMatch(/\d{6}/);
    } finally {
      await sample.close();
    }
  });
});
