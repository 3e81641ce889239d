// Issue 9.2 and 9.3: no credential in any error cause, no secret in any printed object; and
// issue 14.4: start-up validation of otp.secret. A password-protected throwaway redis-server
// (on a free port, no persistence) stands in for a production Redis; the shared Redis is not
// touched.
import { format, inspect } from 'node:util';
import { Controller, Injectable, type INestApplication, Module, Post } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Redis } from 'ioredis';
import {
  BulkSmsService,
  InvalidOptionsError,
  JsonTransport,
  OtpGuard,
  OtpService,
  OtpStore,
  OtpStoreUnavailableError,
  PostaGuverciniHealthIndicator,
  PostaGuverciniModule,
  RedisOtpStore,
  RequireOtp,
  SmsTransport,
} from '../lib/index.js';
import { VALIDATED_MODULE_OPTIONS } from '../lib/posta-guvercini.constants.js';
import { PHONE, TEST_SECRET, createService } from './otp-fixtures.js';
import { RedisServer } from './support/redis-server.js';

const REDIS_PASSWORD = 'r3dis-Pa55word-9Xq';
const WRONG_PASSWORD = 'wr0ng-Pa55word-7Yz';
const ACCOUNT_PASSWORD = 'acc0unt-Pa55word-5Kt';
const OTP_SECRET = 'otp-secret-Hq8Zr1Lw6Tn3Vb9Mc2Xp5Jd7';

/** Every way a person or a log pipeline prints a value. */
function printed(value: unknown): string {
  return [
    inspect(value, { depth: Infinity, showHidden: true }),
    inspect(value),
    format('%o %O %s %j', value, value, value, value),
    JSON.stringify(value) ?? '',
    String(value),
  ].join('\n');
}

/** The error and each error in its cause chain, printed every way, plus each one's own properties. */
function printedChain(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error, depth = 0; e !== undefined && e !== null && depth < 10; depth++) {
    parts.push(printed(e));
    for (const key of Object.getOwnPropertyNames(e)) {
      parts.push(
        inspect((e as Record<string, unknown>)[key], { depth: Infinity, showHidden: true }),
      );
    }
    e = (e as { cause?: unknown }).cause;
  }
  return parts.join('\n');
}

/** How `util.inspect` shows a Buffer's first bytes (`<Buffer 6f 74 70 …>`). */
const bufferForm = (text: string): string =>
  Buffer.from(text)
    .subarray(0, 8)
    .toString('hex')
    .replace(/(..)(?!$)/g, '$1 ');

function expectNoSecret(text: string): void {
  for (const secret of [
    bufferForm(OTP_SECRET),
    bufferForm(TEST_SECRET),
    REDIS_PASSWORD,
    WRONG_PASSWORD,
    ACCOUNT_PASSWORD,
    OTP_SECRET,
    Buffer.from(OTP_SECRET).toString('hex'),
    Buffer.from(OTP_SECRET).toString('base64'),
    TEST_SECRET,
    Buffer.from(TEST_SECRET).toString('hex'),
  ]) {
    expect(text).not.toContain(secret);
  }
}

describe('secrets and credentials', () => {
  let redis: RedisServer;
  let port: number;

  beforeAll(async () => {
    redis = await RedisServer.start({ requirepass: REDIS_PASSWORD });
    port = redis.port;
  });

  afterAll(async () => {
    await redis.stop('SIGKILL');
  });

  describe('no credential in any error cause (wrong Redis password)', () => {
    it('a client of yours: OtpStoreUnavailableError without the AUTH/HELLO arguments anywhere in its chain', async () => {
      const client = new Redis({
        port,
        host: '127.0.0.1',
        password: WRONG_PASSWORD,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      client.on('error', () => undefined);
      try {
        const { service } = createService(new RedisOtpStore({ client, keyPrefix: 'secrets:' }));
        const send = await service.send({ phone: PHONE }).catch((e: unknown) => e);
        expect(send).toBeInstanceOf(OtpStoreUnavailableError);
        // The driver's reason stays readable; only its credentials are gone.
        expect(printedChain(send)).toMatch(/WRONGPASS|NOAUTH|not connected|did not answer/);
        expectNoSecret(printedChain(send));

        const verify = await service
          .verify({ challengeId: 'A'.repeat(22), code: '123456' })
          .catch((e: unknown) => e);
        expect(verify).toBeInstanceOf(OtpStoreUnavailableError);
        expectNoSecret(printedChain(verify));
      } finally {
        if (client.status !== 'end') {
          const ended = new Promise((resolve) => client.once('end', resolve));
          client.disconnect();
          await ended;
        }
      }
    });

    it('the store’s own client (url and redisOptions with the wrong password)', async () => {
      for (const options of [
        { url: `redis://:${WRONG_PASSWORD}@127.0.0.1:${port}/0` },
        { redisOptions: { host: '127.0.0.1', port, password: WRONG_PASSWORD } },
      ]) {
        const store = await RedisOtpStore.connect({ ...options, keyPrefix: 'secrets:' });
        try {
          const { service } = createService(store);
          const error = await service.send({ phone: PHONE }).catch((e: unknown) => e);
          expect(error).toBeInstanceOf(OtpStoreUnavailableError);
          expectNoSecret(printedChain(error));
        } finally {
          await store.close();
        }
      }
    });
  });

  describe('no secret in any printed object', () => {
    let app: INestApplication;

    @Controller()
    class Guarded {
      @Post('confirm')
      @RequireOtp({ purpose: 'confirm' })
      confirm() {
        return { ok: true };
      }
    }

    beforeAll(async () => {
      const moduleRef = await Test.createTestingModule({
        imports: [
          PostaGuverciniModule.forRoot({
            transport: 'json',
            accounts: {
              otp: { username: 'otp-user', password: ACCOUNT_PASSWORD },
              bulk: { username: 'bulk-user', password: ACCOUNT_PASSWORD },
            },
            otp: {
              secret: OTP_SECRET,
              store: {
                type: 'redis',
                redisOptions: { host: '127.0.0.1', port, password: REDIS_PASSWORD },
                keyPrefix: 'secrets:',
              },
            },
          }),
        ],
        controllers: [Guarded],
        providers: [PostaGuverciniHealthIndicator],
      }).compile();
      app = moduleRef.createNestApplication({ logger: false });
      await app.init();
    });
    afterAll(() => app.close());

    it('OtpService, the store, the transport, the options, the health indicator and the guard', async () => {
      const objects = {
        service: app.get(OtpService),
        store: app.get(OtpStore),
        transport: app.get(SmsTransport),
        options: app.get(VALIDATED_MODULE_OPTIONS),
        health: app.get(PostaGuverciniHealthIndicator),
        guard: app.get(OtpGuard, { strict: false }),
        bulk: app.get(BulkSmsService),
      };
      expect(objects.store).toBeInstanceOf(RedisOtpStore);
      // The store works with the right password (so it really holds it).
      await expect(objects.store.get('A'.repeat(22), Date.now())).resolves.toBeUndefined();
      for (const [name, value] of Object.entries(objects)) {
        expect(value).toBeDefined();
        const text = printed(value);
        expect(`${name}: ${text}`).not.toMatch(new RegExp(`${OTP_SECRET}|${ACCOUNT_PASSWORD}`));
        expectNoSecret(text);
      }
      expectNoSecret(printed(objects));
    });

    it('a RedisOtpStore made by hand with a password in its URL or redisOptions', () => {
      const stores = [
        new RedisOtpStore({ url: `redis://:${REDIS_PASSWORD}@127.0.0.1:${port}/0` }),
        new RedisOtpStore({ redisOptions: { password: REDIS_PASSWORD } }),
      ];
      for (const store of stores) expectNoSecret(printed(store));
    });

    it('BulkSmsService with a durable queue whose Redis URL holds the password', async () => {
      const moduleRef = await Test.createTestingModule({
        imports: [
          PostaGuverciniModule.forRoot({
            transport: 'memory',
            bulk: {
              durable: {
                connection: `redis://:${REDIS_PASSWORD}@127.0.0.1:${port}/0`,
                worker: false,
              },
            },
          }),
        ],
      }).compile();
      expectNoSecret(printed(moduleRef.get(BulkSmsService)));
      await moduleRef.close();
    });

    it('a wire transport made by hand', () => {
      const transport = new JsonTransport({
        accounts: { otp: { username: 'u', password: ACCOUNT_PASSWORD } },
      });
      expectNoSecret(printed(transport));
      return transport.close();
    });
  });
});

describe('start-up validation of otp.secret (wire transport, no otp block)', () => {
  const wire = {
    transport: 'json' as const,
    accounts: { otp: { username: 'u', password: ACCOUNT_PASSWORD } },
  };

  async function boot(
    metadata: Parameters<typeof Test.createTestingModule>[0],
  ): Promise<INestApplication> {
    const moduleRef = await Test.createTestingModule(metadata).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    return app;
  }

  it('@RequireOtp() on a route stops start-up with InvalidOptionsError naming otp.secret', async () => {
    @Controller()
    class Guarded {
      @Post('pay')
      @RequireOtp({ purpose: 'pay' })
      pay() {
        return { paid: true };
      }
    }
    const error = await boot({
      imports: [PostaGuverciniModule.forRoot(wire)],
      controllers: [Guarded],
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidOptionsError);
    expect((error as InvalidOptionsError).message).toMatch(/otp\.secret/);
    expect((error as InvalidOptionsError).message).toContain('Guarded');
  });

  it('a provider injecting OtpService stops start-up the same way', async () => {
    @Injectable()
    class LoginService {
      constructor(readonly otp: OtpService) {}
    }
    @Module({ providers: [LoginService] })
    class LoginModule {}
    const error = await boot({
      imports: [PostaGuverciniModule.forRoot(wire), LoginModule],
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidOptionsError);
    expect((error as InvalidOptionsError).message).toMatch(/otp\.secret/);
  });

  it('a bulk-only app (no OtpService user, no @RequireOtp()) starts', async () => {
    @Controller()
    class Plain {
      @Post('hello')
      hello() {
        return {};
      }
    }
    const app = await boot({ imports: [PostaGuverciniModule.forRoot(wire)], controllers: [Plain] });
    await app.close();
  });
});
