import { randomBytes } from 'node:crypto';
import { ConsoleLogger, type DynamicModule, type INestApplication } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { Redis } from 'ioredis';
import request from 'supertest';
import { InMemoryTransport, RedisOtpStore, SmsTransport } from '../lib/index.js';
import { TEST_PHONES, TEST_USERS, TestAppModule } from './fixtures/test-app.module.js';

type Platform = 'express' | 'fastify';

const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';

/** Collects everything Nest and the package log, to prove no code ever appears in it. */
class CapturingLogger extends ConsoleLogger {
  readonly lines: string[] = [];
  protected override printMessages(messages: unknown[]): void {
    this.lines.push(
      ...messages.map((message) =>
        message instanceof Error ? `${message.message} ${message.stack}` : String(message),
      ),
    );
  }
}

const transfer = { amount: '149.90', currency: 'TRY', payee: 'ACME A.Ş.' };

describe.each<[Platform]>([['express'], ['fastify']])('OtpGuard e2e on %s', (platform) => {
  let app: INestApplication;
  let transport: InMemoryTransport;
  let logger: CapturingLogger;
  const codesSeen: string[] = [];

  async function start(module: DynamicModule): Promise<void> {
    const moduleRef = await Test.createTestingModule({ imports: [module] }).compile();
    logger = new CapturingLogger();
    app =
      platform === 'express'
        ? moduleRef.createNestApplication({ logger })
        : moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger });
    await app.init();
    if (platform === 'fastify') {
      await (app as NestFastifyApplication).getHttpAdapter().getInstance().ready();
    }
    transport = app.get<SmsTransport, InMemoryTransport>(SmsTransport);
  }

  afterEach(async () => {
    if (app !== undefined) {
      // No code in any log line of the whole test.
      for (const code of codesSeen) {
        expect(logger.lines.join('\n')).not.toContain(code);
      }
      await app.close();
    }
    codesSeen.length = 0;
  });

  const http = () => request(app.getHttpServer());

  /** The code of the last SMS to `phone` (from the in-memory transport's outbox). */
  function lastCode(phone: string): { code: string; text: string } {
    const message = transport.lastMessageTo(phone, 'otp');
    if (message === undefined) throw new Error(`no OTP SMS was sent to ${phone}`);
    const code = /(?<!\d)(\d{6})(?!\d)/.exec(message.text)?.[1];
    if (code === undefined) throw new Error('the SMS holds no 6-digit code');
    codesSeen.push(code);
    return { code, text: message.text };
  }

  /** A wrong code that differs from the right one in every digit. */
  const wrong = (code: string): string =>
    code.replace(/\d/g, (digit) => String((Number(digit) + 5) % 10));

  /** Asks a protected route for a challenge and returns its id and the code the SMS carried. */
  async function challenge(
    method: 'post' | 'get',
    path: string,
    user: 'alice' | 'bob',
    body?: object,
  ): Promise<{ challengeId: string; code: string }> {
    const response = await http()[method](path).set('x-test-user', user).send(body);
    expect(response.status).toBe(401);
    const { challengeId } = response.body as { challengeId: string };
    expect(typeof challengeId).toBe('string');
    return { challengeId, code: lastCode(TEST_PHONES[user]).code };
  }

  describe('with @RequireOtp() on the routes', () => {
    beforeEach(() => start(TestAppModule.withRouteGuards()));

    it('challenge → code from the SMS → success, and the handler sees the verification', async () => {
      const first = await http()
        .post('/payments/transfer')
        .set('x-test-user', 'alice')
        .send(transfer);
      expect(first.status).toBe(401);
      expect(first.body).toEqual({
        statusCode: 401,
        error: 'OTP required',
        message: expect.any(String),
        challengeId: expect.any(String),
        expiresAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/),
        resendAvailableAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        maskedPhone: expect.any(String),
        attemptsLeft: 5,
      });
      const { challengeId, maskedPhone, expiresAt } = first.body as {
        challengeId: string;
        maskedPhone: string;
        expiresAt: string;
      };
      expect(first.headers['www-authenticate']).toBe(`OTP challenge="${challengeId}"`);
      expect(maskedPhone).not.toContain('1112233');
      expect(Date.parse(expiresAt) - Date.now()).toBeGreaterThan(170_000);

      // The SMS went to Alice's phone on the OTP channel and shows what is being confirmed.
      const { code, text } = lastCode(TEST_PHONES.alice);
      expect(text).toContain('149.90 TRY');
      expect(text).toContain('ACME A.Ş.');
      expect(JSON.stringify(first.body)).not.toContain(code);

      const second = await http()
        .post('/payments/transfer')
        .set('x-test-user', 'alice')
        .set('X-OTP-Challenge', challengeId)
        .set('X-OTP-Code', code)
        .send(transfer);
      expect(second.status).toBe(201);
      expect(second.body).toEqual({
        transferred: true,
        body: transfer,
        otp: {
          challengeId,
          purpose: 'transfer',
          subject: 'C-1001',
          phone: TEST_PHONES.alice,
          binding: transfer,
          verifiedAt: expect.any(String),
        },
      });
      expect(JSON.stringify(second.body)).not.toContain(code);

      // Single use: the same challenge and code do not open the route again.
      const replay = await http()
        .post('/payments/transfer')
        .set('x-test-user', 'alice')
        .set('X-OTP-Challenge', challengeId)
        .set('X-OTP-Code', code)
        .send(transfer);
      expect(replay.status).toBe(401);
      expect(replay.body).not.toHaveProperty('transferred');
    });

    it('a tampered amount is refused like a wrong code; the original amount still works', async () => {
      const { challengeId, code } = await challenge(
        'post',
        '/payments/transfer',
        'alice',
        transfer,
      );
      const tampered = await http()
        .post('/payments/transfer')
        .set('x-test-user', 'alice')
        .set('X-OTP-Challenge', challengeId)
        .set('X-OTP-Code', code)
        .send({ ...transfer, amount: '14990.00' });
      expect(tampered.status).toBe(401);
      expect(tampered.body).toMatchObject({ reason: 'invalid', attemptsLeft: 4 });
      expect(tampered.body).not.toHaveProperty('transferred');

      const honest = await http()
        .post('/payments/transfer')
        .set('x-test-user', 'alice')
        .set('X-OTP-Challenge', challengeId)
        .set('X-OTP-Code', code)
        .send(transfer);
      expect(honest.status).toBe(201);
    });

    it('a wrong code → 401 with attemptsLeft going down; after the last one → 429 with Retry-After', async () => {
      const { challengeId, code } = await challenge('post', '/account/login/confirm', 'alice');
      const attempt = (otp: string) =>
        http()
          .post('/account/login/confirm')
          .set('x-test-user', 'alice')
          .set('X-OTP-Challenge', challengeId)
          .set('X-OTP-Code', otp);

      const seen: number[] = [];
      for (let i = 0; i < 4; i++) {
        const response = await attempt(wrong(code));
        expect(response.status).toBe(401);
        expect(response.body).toMatchObject({ statusCode: 401, reason: 'invalid' });
        expect(response.headers['www-authenticate']).toContain('error="invalid"');
        seen.push((response.body as { attemptsLeft: number }).attemptsLeft);
      }
      expect(seen).toEqual([4, 3, 2, 1]);

      // The fifth wrong code uses the challenge up; from then on even the right code is refused.
      const fifth = await attempt(wrong(code));
      expect([401, 429]).toContain(fifth.status);
      const locked = await attempt(code);
      expect(locked.status).toBe(429);
      expect(locked.body).toMatchObject({
        statusCode: 429,
        reason: 'locked',
        attemptsLeft: 0,
        action: 'request_new_code',
      });
      // No send cap is reached: a new code can be requested now, so no Retry-After tells the
      // client to wait (issue 14: it said 360 s while a retry got a new code at once).
      expect(locked.headers['retry-after']).toBeUndefined();
      expect(locked.body).not.toHaveProperty('retryAfterSeconds');
      expect(locked.body).not.toHaveProperty('signedIn');
      const fresh = await http().post('/account/login/confirm').set('x-test-user', 'alice');
      expect(fresh.status).toBe(401);
      expect(fresh.body.challengeId).not.toBe(challengeId);
    });

    it('a challenge issued for purpose A does not open route B', async () => {
      // Same user, same subject, no binding: only the purpose differs (login vs password-change).
      const { challengeId, code } = await challenge('post', '/account/login/confirm', 'alice');
      const elsewhere = await http()
        .post('/account/password')
        .set('x-test-user', 'alice')
        .set('X-OTP-Challenge', challengeId)
        .set('X-OTP-Code', code);
      expect(elsewhere.status).toBe(401);
      expect(elsewhere.body).toMatchObject({ reason: 'invalid' });
      expect(elsewhere.body).not.toHaveProperty('changed');
    });

    it('a phone taken from the body is checked again at verification: a code sent to one number does not sign in another', async () => {
      // No user, so no subject: only the phone ties the challenge to someone.
      const first = await http().post('/sign-in/otp').send({ phone: '0532 777 88 99' });
      expect(first.status).toBe(401);
      const { challengeId } = first.body as { challengeId: string };
      const { code } = lastCode('905327778899');

      // The attacker's challenge and code, replayed with the victim's number.
      const asVictim = await http()
        .post('/sign-in/otp')
        .set('X-OTP-Challenge', challengeId)
        .set('X-OTP-Code', code)
        .send({ phone: TEST_USERS.alice.phone });
      expect(asVictim.status).toBe(401);
      expect(asVictim.body).toMatchObject({ reason: 'invalid', attemptsLeft: 4 });
      expect(asVictim.body).not.toHaveProperty('signedIn');
      expect(transport.outbox).toHaveLength(1);

      // The number the code went to, written another way, still signs in.
      const own = await http()
        .post('/sign-in/otp')
        .set('X-OTP-Challenge', challengeId)
        .set('X-OTP-Code', code)
        .send({ phone: '+90 532 777 88 99' });
      expect(own.status).toBe(200);
      expect(own.body).toEqual({ signedIn: true, phone: '905327778899', subject: null });
    });

    it('a phone that is not a string in the body is a bad request, with nothing sent', async () => {
      const response = await http()
        .post('/sign-in/otp')
        .send({ phone: { number: '05327778899' } });
      expect(response.status).toBe(400);
      expect(transport.outbox).toHaveLength(0);
    });

    it('a challenge issued to one user (subject from req.user) is refused for another', async () => {
      const { challengeId, code } = await challenge('post', '/account/login/confirm', 'alice');
      const asBob = await http()
        .post('/account/login/confirm')
        .set('x-test-user', 'bob')
        .set('X-OTP-Challenge', challengeId)
        .set('X-OTP-Code', code);
      expect(asBob.status).toBe(401);
      expect(asBob.body).toMatchObject({ reason: 'invalid' });

      const asAlice = await http()
        .post('/account/login/confirm')
        .set('x-test-user', 'alice')
        .set('X-OTP-Challenge', challengeId)
        .set('X-OTP-Code', code);
      expect(asAlice.status).toBe(200);
      expect(asAlice.body).toEqual({
        signedIn: true,
        phone: TEST_PHONES.alice,
        subject: 'u-alice',
      });
    });

    it('controller options apply to every handler; a handler overrides some of them', async () => {
      // /payments/card: the controller's purpose, subject (customer number) and SMS text.
      const card = await challenge('post', '/payments/card', 'bob');
      expect(lastCode(TEST_PHONES.bob).text).toBe(`Ödeme onay kodunuz: ${card.code}`);
      const paid = await http()
        .post('/payments/card')
        .set('x-test-user', 'bob')
        .set('X-OTP-Challenge', card.challengeId)
        .set('X-OTP-Code', card.code);
      expect(paid.status).toBe(200);
      expect(paid.body.otp).toMatchObject({
        purpose: 'payment',
        subject: 'C-2002',
        phone: TEST_PHONES.bob,
      });

      // /payments/transfer: its own purpose, binding and text; the controller's subject.
      const moved = await challenge('post', '/payments/transfer', 'bob', transfer);
      expect(lastCode(TEST_PHONES.bob).text).toBe(
        `ACME A.Ş. için 149.90 TRY havale onay kodu: ${moved.code}`,
      );
      const done = await http()
        .post('/payments/transfer')
        .set('x-test-user', 'bob')
        .set('X-OTP-Challenge', moved.challengeId)
        .set('X-OTP-Code', moved.code)
        .send(transfer);
      expect(done.status).toBe(201);
      expect(done.body.otp).toMatchObject({ purpose: 'transfer', subject: 'C-2002' });

      // A challenge of one handler of the controller does not open the other.
      const again = await challenge('post', '/payments/card', 'bob');
      const crossed = await http()
        .post('/payments/transfer')
        .set('x-test-user', 'bob')
        .set('X-OTP-Challenge', again.challengeId)
        .set('X-OTP-Code', again.code)
        .send(transfer);
      expect(crossed.status).toBe(401);
    });

    it('@SkipOtp() exempts a handler of a protected controller', async () => {
      const response = await http().get('/payments/history').set('x-test-user', 'alice');
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ history: [], otp: null });
      expect(transport.outbox).toHaveLength(0);
    });

    it('with autoSend false: 401 asking for a challenge, nothing sent', async () => {
      const response = await http().post('/account/email').set('x-test-user', 'alice');
      expect(response.status).toBe(401);
      expect(response.body).toMatchObject({ statusCode: 401, error: 'OTP required' });
      expect(response.body).not.toHaveProperty('challengeId');
      expect(response.headers['www-authenticate']).toBe('OTP');
      expect(transport.outbox).toHaveLength(0);
    });

    it('only one of challenge id and code → 400 naming the headers; no phone → 400', async () => {
      const half = await http()
        .post('/account/login/confirm')
        .set('x-test-user', 'alice')
        .set('X-OTP-Code', '123456');
      expect(half.status).toBe(400);
      expect(half.body.message).toContain('x-otp-challenge');
      const anonymous = await http().post('/account/login/confirm');
      expect(anonymous.status).toBe(400);
      expect(transport.outbox).toHaveLength(0);
    });
  });

  describe('with OtpGuard as APP_GUARD', () => {
    beforeEach(() => start(TestAppModule.withAppGuard()));

    it('@SkipOtp() exempts a route; routes without @RequireOtp() are untouched', async () => {
      const skipped = await http().get('/payments/history').set('x-test-user', 'alice');
      expect(skipped.status).toBe(200);
      const open = await http().get('/account/profile');
      expect(open.status).toBe(200);
      expect(open.body).toEqual({ profile: 'public' });
      expect(transport.outbox).toHaveLength(0);
    });

    it('protects @RequireOtp() routes and verifies each code once though two guards run', async () => {
      const { challengeId, code } = await challenge('post', '/account/login/confirm', 'alice');
      expect(transport.outbox).toHaveLength(1);
      const response = await http()
        .post('/account/login/confirm')
        .set('x-test-user', 'alice')
        .set('X-OTP-Challenge', challengeId)
        .set('X-OTP-Code', code);
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ signedIn: true, subject: 'u-alice' });
    });
  });

  describe('with body fields enabled', () => {
    beforeEach(() => start(TestAppModule.withBodyFields()));

    it('takes the challenge id and code from the body and keeps them from the handler', async () => {
      const { challengeId, code } = await challenge(
        'post',
        '/payments/transfer',
        'alice',
        transfer,
      );
      const response = await http()
        .post('/payments/transfer')
        .set('x-test-user', 'alice')
        .send({ ...transfer, otpChallengeId: challengeId, otpCode: code });
      expect(response.status).toBe(201);
      // The handler saw the body without the OTP fields.
      expect(response.body.body).toEqual(transfer);
      expect(response.body.otp).toMatchObject({ challengeId, purpose: 'transfer' });
    });

    it('a wrong code in the body is refused', async () => {
      const { challengeId, code } = await challenge(
        'post',
        '/payments/transfer',
        'alice',
        transfer,
      );
      const response = await http()
        .post('/payments/transfer')
        .set('x-test-user', 'alice')
        .send({ ...transfer, otpChallengeId: challengeId, otpCode: wrong(code) });
      expect(response.status).toBe(401);
      expect(response.body).toMatchObject({ reason: 'invalid', attemptsLeft: 4 });
    });
  });

  describe('with custom header names and a tight send limit', () => {
    beforeEach(() =>
      start(
        TestAppModule.withRouteGuards({
          guard: { challengeHeader: 'X-Sms-Challenge', codeHeader: 'X-Sms-Code' },
          otp: { phoneLimits: [{ limit: 2, windowSeconds: 600 }] },
        }),
      ),
    );

    it('reads the configured headers', async () => {
      const { challengeId, code } = await challenge('post', '/account/login/confirm', 'alice');
      const response = await http()
        .post('/account/login/confirm')
        .set('x-test-user', 'alice')
        .set('X-Sms-Challenge', challengeId)
        .set('X-Sms-Code', code);
      expect(response.status).toBe(200);
    });

    it('a send over the limit → 429 with Retry-After, nothing sent', async () => {
      await challenge('post', '/account/login/confirm', 'alice');
      await challenge('post', '/account/login/confirm', 'alice');
      const limited = await http().post('/account/login/confirm').set('x-test-user', 'alice');
      expect(limited.status).toBe(429);
      expect(limited.body).toMatchObject({
        statusCode: 429,
        retryAfterSeconds: expect.any(Number),
      });
      expect(Number(limited.headers['retry-after'])).toBe(limited.body.retryAfterSeconds);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(transport.outbox).toHaveLength(2);
    });
  });

  describe('with the Redis store', () => {
    let redis: Redis;
    let prefix: string;

    beforeEach(async () => {
      prefix = `test:otp-guard-e2e:${platform}:${randomBytes(6).toString('hex')}:`;
      redis = new Redis(REDIS_URL);
      await start(
        TestAppModule.withRouteGuards({
          otp: { store: new RedisOtpStore({ client: redis, keyPrefix: prefix }) },
        }),
      );
    });

    afterEach(async () => {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
        cursor = next;
        if (keys.length > 0) await redis.del(...keys);
      } while (cursor !== '0');
      await redis.quit();
    });

    it('challenge → code → success, then the code is used up', async () => {
      const { challengeId, code } = await challenge(
        'post',
        '/payments/transfer',
        'alice',
        transfer,
      );
      const confirm = () =>
        http()
          .post('/payments/transfer')
          .set('x-test-user', 'alice')
          .set('X-OTP-Challenge', challengeId)
          .set('X-OTP-Code', code)
          .send(transfer);
      const done = await confirm();
      expect(done.status).toBe(201);
      expect(done.body.otp).toMatchObject({ challengeId, purpose: 'transfer', subject: 'C-1001' });
      const replay = await confirm();
      expect(replay.status).toBe(401);
    });
  });

  describe('with a store that cannot be reached', () => {
    // Nothing listens on port 1: every store operation is refused by the OS (a real client and a
    // real refusal; the client does not queue commands or reconnect).
    let unreachable: Redis;

    beforeEach(async () => {
      unreachable = new Redis('redis://127.0.0.1:1', {
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      unreachable.on('error', () => undefined);
      await start(
        TestAppModule.withRouteGuards({
          otp: { store: new RedisOtpStore({ client: unreachable, operationTimeoutMs: 500 }) },
        }),
      );
    });

    // With no retries the client ends by itself once refused; disconnect() would leave a timer.
    afterEach(async () => {
      if (unreachable.status !== 'end')
        await new Promise((resolve) => unreachable.once('end', resolve));
    });

    it('sending a challenge → 503, nothing sent', async () => {
      const response = await http().post('/account/login/confirm').set('x-test-user', 'alice');
      expect(response.status).toBe(503);
      expect(response.body).toMatchObject({ statusCode: 503, error: 'OTP unavailable' });
      expect(transport.outbox).toHaveLength(0);
    });

    it('verifying a code → 503 and the handler does not run (fail closed)', async () => {
      const response = await http()
        .post('/account/login/confirm')
        .set('x-test-user', 'alice')
        .set('X-OTP-Challenge', 'AAAAAAAAAAAAAAAAAAAAAA')
        .set('X-OTP-Code', '123456');
      expect(response.status).toBe(503);
      expect(response.body).not.toHaveProperty('signedIn');
      expect(JSON.stringify(response.body)).not.toContain('123456');
    });
  });
});
