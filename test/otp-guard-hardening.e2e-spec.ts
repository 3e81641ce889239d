// Issue 9 (lockout, strict bindings, unknown send outcome) and issue 14.5 (coherent lock and
// resend) through the guard, on Express and Fastify; the lockout also across two app instances
// sharing one Redis.
import {
  type CanActivate,
  Controller,
  type DynamicModule,
  type ExecutionContext,
  HttpCode,
  type INestApplication,
  Injectable,
  Module,
  Post,
} from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { Redis } from 'ioredis';
import request from 'supertest';
import {
  InMemoryTransport,
  type OtpModuleOptions,
  type OtpVerification,
  OtpVerified,
  PostaGuverciniModule,
  RequireOtp,
  type SendRequest,
  type SendResult,
  SmsTimeoutError,
  SmsTransport,
} from '../lib/index.js';
import { REDIS_URL, deleteKeys, uniquePrefix } from './otp-fixtures.js';

type Platform = 'express' | 'fastify';
const SECRET = 'guard-hardening-secret-4Jq9Zt2Wm7Xc1Vb8Nn3';
const PHONE = '+90 532 111 22 33';
const CANONICAL = '905321112233';

interface TestRequest {
  headers: Record<string, string | string[] | undefined>;
  body?: Record<string, unknown>;
  user?: { id: string; phone: string };
}

@Injectable()
class SignedIn implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<TestRequest>();
    const id = req.headers['x-user'];
    if (typeof id === 'string') req.user = { id, phone: PHONE };
    return true;
  }
}

@Controller()
class HardeningController {
  @Post('login')
  @HttpCode(200)
  @RequireOtp({ purpose: 'login' })
  login(@OtpVerified() otp: OtpVerification) {
    return { signedIn: true, subject: otp.subject };
  }

  /** Bound values read raw from the body: whatever the client sends reaches the check. */
  @Post('transfer')
  @HttpCode(200)
  @RequireOtp<TestRequest>({
    purpose: 'transfer',
    bind: (req) => ({ amount: req.body?.['amount'], payee: req.body?.['payee'] }) as never,
    message: '{payee} için {amount} TL onay kodu: {code}',
  })
  transfer(@OtpVerified() otp: OtpVerification) {
    return { transferred: true, binding: otp.binding };
  }
}

/** An in-memory transport whose next sends are accepted but answered with a timeout. */
class LostAnswerTransport extends InMemoryTransport {
  loseAnswers = 0;
  override async send(request: SendRequest): Promise<SendResult> {
    const result = await super.send(request);
    if (this.loseAnswers > 0) {
      this.loseAnswers--;
      throw new SmsTimeoutError(5000, true);
    }
    return result;
  }
}

@Module({})
class HardeningApp {
  static create(
    otp: Omit<OtpModuleOptions, 'secret'>,
    transport: InMemoryTransport,
  ): DynamicModule {
    return {
      module: HardeningApp,
      imports: [PostaGuverciniModule.forRoot({ transport, otp: { ...otp, secret: SECRET } })],
      controllers: [HardeningController],
      providers: [{ provide: APP_GUARD, useClass: SignedIn }],
    };
  }
}

describe.each<[Platform]>([['express'], ['fastify']])('OtpGuard hardening on %s', (platform) => {
  const apps: INestApplication[] = [];
  let redis: Redis;
  let prefix: string;

  beforeAll(async () => {
    redis = new Redis(REDIS_URL, { lazyConnect: true });
    await redis.connect();
  });
  afterAll(() => redis.quit());
  beforeEach(() => {
    prefix = uniquePrefix('guard-hardening');
  });
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
    await deleteKeys(redis, prefix);
  });

  async function start(
    otp: Omit<OtpModuleOptions, 'secret'> = {},
    transport: InMemoryTransport = new InMemoryTransport(),
    /** Trust the proxy by its address (here: loopback), as docs/security.md shows. */
    trustOneProxy = false,
  ): Promise<{ app: INestApplication; transport: InMemoryTransport }> {
    const moduleRef = await Test.createTestingModule({
      imports: [HardeningApp.create(otp, transport)],
    }).compile();
    const app =
      platform === 'express'
        ? moduleRef.createNestApplication<NestExpressApplication>({ logger: false })
        : moduleRef.createNestApplication<NestFastifyApplication>(
            new FastifyAdapter(trustOneProxy ? { trustProxy: 'loopback' } : {}),
            { logger: false },
          );
    if (platform === 'express' && trustOneProxy) {
      (app as NestExpressApplication).set('trust proxy', 'loopback');
    }
    await app.init();
    if (platform === 'fastify') {
      await (app as NestFastifyApplication).getHttpAdapter().getInstance().ready();
    }
    apps.push(app);
    return { app, transport: app.get<SmsTransport, InMemoryTransport>(SmsTransport) };
  }

  const codeIn = (transport: InMemoryTransport): string =>
    /(?<!\d)(\d{6})(?!\d)/.exec(transport.lastMessageTo(CANONICAL, 'otp')?.text ?? '')![1]!;
  const wrong = (code: string): string => code.replace(/\d/g, (d) => String((Number(d) + 5) % 10));

  it('locks the account after 10 wrong codes across challenges and two instances (clocks 10 minutes apart) on one Redis: 429, Retry-After, nothing sent', async () => {
    const store = { type: 'redis' as const, client: redis, keyPrefix: prefix };
    const a = await start({ store, phoneLimits: [] });
    // The second instance's clock is 10 minutes ahead: the store's clock (Redis TIME) rules.
    const b = await start({ store, phoneLimits: [], clock: () => Date.now() + 10 * 60_000 });
    // A challenge sent before the lock: after it, even its right code is refused.
    const early = await request(a.app.getHttpServer()).post('/login').set('x-user', 'u-42');
    const earlyCode = codeIn(a.transport);
    for (let round = 0; round < 5; round++) {
      const [sender, verifier] = round % 2 === 0 ? [a, b] : [b, a];
      const challenge = await request(sender.app.getHttpServer())
        .post('/login')
        .set('x-user', 'u-42');
      expect(challenge.status).toBe(401);
      const code = codeIn(sender.transport);
      for (let i = 0; i < 2; i++) {
        const refused = await request(verifier.app.getHttpServer())
          .post('/login')
          .set('x-user', 'u-42')
          .set('X-OTP-Challenge', challenge.body.challengeId)
          .set('X-OTP-Code', wrong(code));
        expect(refused.status).toBe(401);
      }
    }
    const sent = a.transport.outbox.length + b.transport.outbox.length;
    for (const { app } of [a, b]) {
      const locked = await request(app.getHttpServer()).post('/login').set('x-user', 'u-42');
      expect(locked.status).toBe(429);
      expect(locked.body).toMatchObject({
        statusCode: 429,
        reason: 'account_locked',
        action: 'wait',
      });
      const retryAfter = Number(locked.headers['retry-after']);
      expect(retryAfter).toBeGreaterThan(86_400 - 60);
      expect(locked.body.retryAfterSeconds).toBe(retryAfter);
    }
    const refused = await request(b.app.getHttpServer())
      .post('/login')
      .set('x-user', 'u-42')
      .set('X-OTP-Challenge', early.body.challengeId)
      .set('X-OTP-Code', earlyCode);
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ reason: 'account_locked', action: 'wait' });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(86_400 - 60);
    expect(a.transport.outbox.length + b.transport.outbox.length).toBe(sent);
    // Another account is not affected.
    const other = await request(a.app.getHttpServer()).post('/login').set('x-user', 'u-43');
    expect(other.status).toBe(401);
  });

  it('a locked challenge says when a new code will really be sent, and a retry without a code follows it', async () => {
    const { app, transport } = await start({ phoneLimits: [{ limit: 1, windowSeconds: 600 }] });
    const http = () => request(app.getHttpServer());
    const first = await http().post('/login').set('x-user', 'u-1');
    const code = codeIn(transport);
    for (let i = 0; i < 5; i++) {
      await http()
        .post('/login')
        .set('x-user', 'u-1')
        .set('X-OTP-Challenge', first.body.challengeId)
        .set('X-OTP-Code', wrong(code));
    }
    const locked = await http()
      .post('/login')
      .set('x-user', 'u-1')
      .set('X-OTP-Challenge', first.body.challengeId)
      .set('X-OTP-Code', code);
    expect(locked.status).toBe(429);
    expect(locked.body).toMatchObject({ reason: 'locked', action: 'request_new_code' });
    const wait = Number(locked.headers['retry-after']);
    expect(wait).toBeGreaterThan(590);
    expect(wait).toBeLessThanOrEqual(600);

    // The retry without a code gets no SMS while Retry-After says wait: the same rule.
    const retry = await http().post('/login').set('x-user', 'u-1');
    expect(retry.status).toBe(429);
    expect(retry.body).toMatchObject({ action: 'request_new_code' });
    expect(Math.abs(Number(retry.headers['retry-after']) - wait)).toBeLessThanOrEqual(1);
    expect(transport.outbox).toHaveLength(1);
  });

  it('the per-IP cap behind a proxy, as docs/security.md describes it', async () => {
    const ask = (app: INestApplication, forwardedFor: string, user: string) =>
      request(app.getHttpServer())
        .post('/login')
        .set('x-user', user)
        .set('X-Forwarded-For', forwardedFor);
    const otp = { phoneLimits: [], ipLimits: [{ limit: 1, windowSeconds: 600 }] };

    // Without trusting the proxy, every client has the proxy's (here: loopback) address.
    const shared = await start(otp);
    expect((await ask(shared.app, '198.51.100.1', 'u-1')).status).toBe(401);
    expect((await ask(shared.app, '198.51.100.2', 'u-2')).status).toBe(429);

    // Trusting the proxy's address: the client address the proxy appended counts, and a value
    // the client put in front of it (spoofed) does not.
    const trusted = await start(otp, new InMemoryTransport(), true);
    expect((await ask(trusted.app, '198.51.100.1', 'u-1')).status).toBe(401);
    expect((await ask(trusted.app, '198.51.100.2', 'u-2')).status).toBe(401);
    expect((await ask(trusted.app, '203.0.113.77, 198.51.100.1', 'u-3')).status).toBe(429);
  });

  describe('strict bindings', () => {
    const transfer = { amount: '149.90', payee: 'ACME A.Ş.' };

    it.each<[string, unknown]>([
      ['an object', { value: 149.9 }],
      ['an array', ['149.90']],
      ['a boolean', true],
      ['null', null],
      ['a right-to-left override', '\u202E09.941'],
      ['a bidi isolate', '\u2066149.90\u2069'],
      ['a zero-width space', '149\u200B.90'],
      ['a byte order mark', '\uFEFF149.90'],
      ['a control character', '149.90\u0007'],
    ])('a bound value that is %s → 400 naming the field, nothing sent', async (_what, amount) => {
      const { app, transport } = await start();
      const response = await request(app.getHttpServer())
        .post('/transfer')
        .set('x-user', 'u-1')
        .send({ ...transfer, amount });
      expect(response.status).toBe(400);
      expect(response.body.message).toContain('bind.amount');
      expect(transport.outbox).toHaveLength(0);
    });

    it('a bound value the request does not carry → 400 naming the field, at send and at verification', async () => {
      const { app, transport } = await start();
      const http = () => request(app.getHttpServer());
      const missing = await http().post('/transfer').set('x-user', 'u-1').send({ payee: 'ACME' });
      expect(missing.status).toBe(400);
      expect(missing.body.message).toContain('bind.amount');
      expect(transport.outbox).toHaveLength(0);

      const challenge = await http().post('/transfer').set('x-user', 'u-1').send(transfer);
      expect(challenge.status).toBe(401);
      const code = codeIn(transport);
      const withoutPayee = await http()
        .post('/transfer')
        .set('x-user', 'u-1')
        .set('X-OTP-Challenge', challenge.body.challengeId)
        .set('X-OTP-Code', code)
        .send({ amount: transfer.amount });
      expect(withoutPayee.status).toBe(400);
      expect(withoutPayee.body.message).toContain('bind.payee');
      // Not counted as an attempt: the honest retry passes.
      const honest = await http()
        .post('/transfer')
        .set('x-user', 'u-1')
        .set('X-OTP-Challenge', challenge.body.challengeId)
        .set('X-OTP-Code', code)
        .send(transfer);
      expect(honest.status).toBe(200);
      expect(honest.body).toEqual({ transferred: true, binding: transfer });
    });

    it('a finite number is a bound value', async () => {
      const { app, transport } = await start();
      const challenge = await request(app.getHttpServer())
        .post('/transfer')
        .set('x-user', 'u-1')
        .send({ amount: 149.9, payee: 'ACME' });
      expect(challenge.status).toBe(401);
      expect(transport.lastMessageTo(CANONICAL, 'otp')?.text).toContain('149.9 TL');
    });
  });

  it('a send whose answer was lost (maybeAccepted) answers 401 with the kept challenge, whose code works', async () => {
    const lossy = new LostAnswerTransport();
    lossy.loseAnswers = 1;
    const { app, transport } = await start({}, lossy);
    const challenge = await request(app.getHttpServer()).post('/login').set('x-user', 'u-1');
    expect(challenge.status).toBe(401);
    expect(challenge.body).toMatchObject({
      error: 'OTP required',
      challengeId: expect.any(String),
      attemptsLeft: 5,
    });
    expect(challenge.body.message).toMatch(/may have been sent/);
    expect(challenge.headers['www-authenticate']).toBe(
      `OTP challenge="${challenge.body.challengeId}"`,
    );
    const signedIn = await request(app.getHttpServer())
      .post('/login')
      .set('x-user', 'u-1')
      .set('X-OTP-Challenge', challenge.body.challengeId)
      .set('X-OTP-Code', codeIn(transport));
    expect(signedIn.status).toBe(200);
  });
});
