// Issue 11: @RequireOtp({ purpose }) picks up the purpose's profile (otp.purposes), and the
// budgets (otp.globalLimits, otp.limitKeys keyed by the HTTP request) refuse with 429 and
// Retry-After, on Express and Fastify, on the real Redis store.
import { Body, Controller, type INestApplication, Module, Post } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { Redis } from 'ioredis';
import request from 'supertest';
import {
  InMemoryTransport,
  OtpService,
  type OtpVerification,
  OtpVerified,
  PostaGuverciniModule,
  RedisOtpStore,
  RequireOtp,
  SmsTransport,
} from '../lib/index.js';
import { REDIS_URL, TEST_SECRET, deleteKeys, uniquePrefix } from './otp-fixtures.js';

type Platform = 'express' | 'fastify';

interface DeviceRequest {
  headers: Record<string, string | string[] | undefined>;
  body?: { phone?: string };
}

@Controller()
class BankController {
  @Post('card/confirm')
  @RequireOtp<DeviceRequest>({ purpose: '3ds', phone: (req) => req.body?.phone })
  confirm(@OtpVerified() otp: OtpVerification): object {
    return { confirmed: otp.purpose };
  }

  @Post('login')
  @RequireOtp<DeviceRequest>({ purpose: 'login', phone: (req) => req.body?.phone })
  login(@Body() body: object): object {
    return { signedIn: true, body };
  }
}

const PHONE_A = '905321112233';
const PHONE_B = '905324445566';
const PHONE_C = '905327778899';

describe.each<[Platform]>([['express'], ['fastify']])('budgets and profiles on %s', (platform) => {
  let app: INestApplication;
  let transport: InMemoryTransport;
  let redis: Redis;
  let prefix: string;

  beforeEach(async () => {
    redis = new Redis(REDIS_URL);
    prefix = uniquePrefix('guard-ops');
    transport = new InMemoryTransport();
    @Module({
      imports: [
        PostaGuverciniModule.forRoot({
          transport,
          otp: {
            secret: TEST_SECRET,
            store: new RedisOtpStore({ client: redis, keyPrefix: prefix }),
            purposes: {
              '3ds': {
                codeLength: 8,
                maxAttempts: 2,
                ttlSeconds: 120,
                message: '3D Secure kodunuz: {code}',
              },
            },
            guard: { message: 'Giris kodunuz: {code}' },
            globalLimits: [{ limit: 4, windowSeconds: 3600 }],
            limitKeys: [
              {
                name: 'device',
                key: (r) => {
                  const id = (r.httpRequest as DeviceRequest | undefined)?.headers['x-device-id'];
                  return typeof id === 'string' ? id : undefined;
                },
                limits: [{ limit: 1, windowSeconds: 600 }],
              },
            ],
          },
        }),
      ],
      controllers: [BankController],
    })
    class AppModule {}
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    app =
      platform === 'express'
        ? moduleRef.createNestApplication({ logger: false })
        : moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), {
            logger: false,
          });
    await app.init();
    if (platform === 'fastify') {
      await (app as NestFastifyApplication).getHttpAdapter().getInstance().ready();
    }
    expect(app.get<SmsTransport, InMemoryTransport>(SmsTransport)).toBe(transport);
  });

  afterEach(async () => {
    await app.close();
    await deleteKeys(redis, prefix);
    await redis.quit();
  });

  const http = () => request(app.getHttpServer());

  it("the '3ds' route uses the '3ds' profile: 8 digits, 2 attempts, 120 s; status() shows it", async () => {
    const first = await http().post('/card/confirm').send({ phone: PHONE_A });
    expect(first.status).toBe(401);
    const { challengeId, attemptsLeft, expiresAt } = first.body as {
      challengeId: string;
      attemptsLeft: number;
      expiresAt: string;
    };
    expect(attemptsLeft).toBe(2);
    expect(Date.parse(expiresAt) - Date.now()).toBeLessThanOrEqual(120_000);
    expect(Date.parse(expiresAt) - Date.now()).toBeGreaterThan(100_000);
    // The profile's template wins over the module-wide otp.guard.message.
    const sms = transport.lastMessageTo(PHONE_A, 'otp')!.text;
    expect(sms).toMatch(/^3D Secure kodunuz: \d{8}$/);
    const code = sms.slice(-8);
    const status = await app.get(OtpService).status(challengeId);
    expect(status).toMatchObject({ state: 'pending', purpose: '3ds', attemptsLeft: 2 });

    const wrong = await http()
      .post('/card/confirm')
      .set('X-OTP-Challenge', challengeId)
      .set(
        'X-OTP-Code',
        code.replace(/\d$/, (d) => String((Number(d) + 1) % 10)),
      )
      .send({ phone: PHONE_A });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toMatchObject({ attemptsLeft: 1 });
    const right = await http()
      .post('/card/confirm')
      .set('X-OTP-Challenge', challengeId)
      .set('X-OTP-Code', code)
      .send({ phone: PHONE_A });
    expect(right.status).toBe(201);
    expect(right.body).toEqual({ confirmed: '3ds' });
    await expect(app.get(OtpService).status(challengeId)).resolves.toMatchObject({
      state: 'verified',
    });

    // Another purpose keeps the module defaults: 6 digits, 5 attempts.
    const login = await http().post('/login').send({ phone: PHONE_B });
    expect(login.status).toBe(401);
    expect(login.body).toMatchObject({ attemptsLeft: 5 });
    expect(transport.lastMessageTo(PHONE_B, 'otp')!.text).toMatch(/^Giris kodunuz: \d{6}$/);
  });

  it('a named cap keyed by a request header → 429 with Retry-After, nothing sent', async () => {
    const first = await http().post('/login').set('x-device-id', 'dev-1').send({ phone: PHONE_A });
    expect(first.status).toBe(401);
    const second = await http().post('/login').set('x-device-id', 'dev-1').send({ phone: PHONE_B });
    expect(second.status).toBe(429);
    expect(second.headers['retry-after']).toBe('600');
    expect(second.body).toMatchObject({ retryAfterSeconds: 600 });
    expect(transport.lastMessageTo(PHONE_B, 'otp')).toBeUndefined();
    // Another device is not affected.
    const other = await http().post('/login').set('x-device-id', 'dev-2').send({ phone: PHONE_B });
    expect(other.status).toBe(401);
  });

  it('the app-wide cap → 429 with Retry-After for any phone once reached', async () => {
    for (const phone of [PHONE_A, PHONE_B, PHONE_C, PHONE_A]) {
      expect((await http().post('/login').send({ phone })).status).toBe(401);
    }
    const refused = await http().post('/login').send({ phone: '905001112233' });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(3500);
    expect(transport.outbox).toHaveLength(4);
  });
});
