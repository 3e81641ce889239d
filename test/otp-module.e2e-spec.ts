// OtpService inside PostaGuverciniModule: providers, options validated at start-up, two app
// instances sharing one Redis (real local Redis, unique key prefix), shutdown, log capture.
import { createServer } from 'node:net';
import type { INestApplication, LoggerService } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Redis } from 'ioredis';
import {
  InMemoryTransport,
  MemoryOtpStore,
  OtpService,
  OtpStore,
  OtpStoreUnavailableError,
  PostaGuverciniModule,
  type PostaGuverciniModuleOptions,
  RedisOtpStore,
} from '../lib/index.js';
import {
  PHONE,
  REDIS_URL,
  TEST_SECRET,
  deleteKeys,
  lastCode,
  uniquePrefix,
  wrongCode,
} from './otp-fixtures.js';

/** Collects every log line the application writes. */
class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];
  private record(level: string, args: unknown[]): void {
    this.lines.push(
      `${level} ${args.map((a) => (a instanceof Error ? `${a.name}: ${a.message} ${a.stack}` : typeof a === 'string' ? a : JSON.stringify(a))).join(' ')}`,
    );
  }
  log(...args: unknown[]): void {
    this.record('log', args);
  }
  error(...args: unknown[]): void {
    this.record('error', args);
  }
  warn(...args: unknown[]): void {
    this.record('warn', args);
  }
  debug(...args: unknown[]): void {
    this.record('debug', args);
  }
  verbose(...args: unknown[]): void {
    this.record('verbose', args);
  }
  fatal(...args: unknown[]): void {
    this.record('fatal', args);
  }
}

async function createApp(
  options: PostaGuverciniModuleOptions,
  logger?: LoggerService,
): Promise<INestApplication> {
  const builder = Test.createTestingModule({ imports: [PostaGuverciniModule.forRoot(options)] });
  // The logger is set before compile, so it also receives what providers log while being created.
  if (logger !== undefined) builder.setLogger(logger);
  const moduleRef = await builder.compile();
  const app = moduleRef.createNestApplication(logger === undefined ? {} : { logger });
  await app.init();
  return app;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('OTP in PostaGuverciniModule', () => {
  const apps: INestApplication[] = [];
  afterEach(async () => {
    while (apps.length > 0) await apps.pop()!.close();
  });

  it('provides OtpService and the default memory OtpStore, sending over the OTP channel', async () => {
    const transport = new InMemoryTransport();
    const app = await createApp({ transport, otp: { secret: TEST_SECRET } });
    apps.push(app);
    expect(app.get(OtpStore)).toBeInstanceOf(MemoryOtpStore);
    const otp = app.get(OtpService);
    const { challengeId } = await otp.send({ phone: '0532 123 45 67', purpose: 'login' });
    expect(transport.outbox.map((m) => m.channel)).toEqual(['otp']);
    await expect(
      otp.verify({ challengeId, code: lastCode(transport), purpose: 'login' }),
    ).resolves.toMatchObject({ valid: true });
  });

  it('stops start-up on a bad otp option, naming it', async () => {
    await expect(createApp({ transport: 'memory', otp: { secret: 'too-short' } })).rejects.toThrow(
      /"otp\.secret"/,
    );
    await expect(createApp({ transport: 'memory', otp: { ttlSeconds: 0 } })).rejects.toThrow(
      /"otp\.ttlSeconds"/,
    );
    await expect(
      createApp({ transport: 'memory', otp: { store: 'postgres' as never } }),
    ).rejects.toThrow(/"otp\.store"/);
    // A misspelt option stops start-up instead of leaving the default silently in force.
    await expect(
      createApp({ transport: 'memory', otp: { maxAttemps: 3 } as never }),
    ).rejects.toThrow(/"otp\.maxAttemps".*unknown option.*'maxAttempts'/);
  });

  it('lets a bulk-only app start without otp.secret, and then refuses OTP naming otp.secret', async () => {
    const app = await createApp({
      transport: 'json',
      accounts: { bulk: { username: 'u', password: 'p' } },
    });
    apps.push(app);
    await expect(app.get(OtpService).send({ phone: PHONE })).rejects.toThrow(
      /"otp\.secret".*required/,
    );
  });

  describe('with the Redis store shared by two application instances', () => {
    let redis: Redis;
    let prefix: string;

    beforeEach(async () => {
      redis = new Redis(REDIS_URL, { lazyConnect: true });
      await redis.connect();
      prefix = uniquePrefix('two-apps');
    });

    afterEach(async () => {
      await deleteKeys(redis, prefix);
      await redis.quit();
    });

    async function twoApps(): Promise<{
      a: OtpService;
      b: OtpService;
      transport: InMemoryTransport;
    }> {
      const transport = new InMemoryTransport();
      const options: PostaGuverciniModuleOptions = {
        transport,
        otp: { secret: TEST_SECRET, store: { type: 'redis', url: REDIS_URL, keyPrefix: prefix } },
      };
      const [first, second] = await Promise.all([createApp(options), createApp(options)]);
      apps.push(first, second);
      return { a: first.get(OtpService), b: second.get(OtpService), transport };
    }

    it('evaluates exactly 5 of 200 concurrent wrong guesses spread over both, then refuses the right code', async () => {
      const { a, b, transport } = await twoApps();
      const { challengeId } = await a.send({ phone: PHONE, purpose: 'login' });
      const code = lastCode(transport);
      const results = await Promise.all(
        Array.from({ length: 200 }, (_, i) => {
          const guess = String((Number(code) + 1 + i) % 1_000_000).padStart(6, '0');
          return (i % 2 === 0 ? a : b).verify({ challengeId, code: guess, purpose: 'login' });
        }),
      );
      const reasons = results.map((r) => (r.valid ? 'valid' : r.reason));
      expect(reasons.filter((r) => r === 'invalid')).toHaveLength(5);
      expect(reasons.filter((r) => r === 'locked')).toHaveLength(195);
      await expect(b.verify({ challengeId, code, purpose: 'login' })).resolves.toMatchObject({
        reason: 'locked',
      });
      await expect(a.verify({ challengeId, code, purpose: 'login' })).resolves.toMatchObject({
        reason: 'locked',
      });
    });

    it('accepts exactly one of 100 concurrent right codes spread over both', async () => {
      const { a, b, transport } = await twoApps();
      const { challengeId } = await b.send({ phone: PHONE });
      const code = lastCode(transport);
      const results = await Promise.all(
        Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? a : b).verify({ challengeId, code })),
      );
      expect(results.filter((r) => r.valid)).toHaveLength(1);
    });

    it('takes the store from forRootAsync (a RedisOtpStore instance built in the factory) and closes it on shutdown', async () => {
      const transport = new InMemoryTransport();
      const moduleRef = await Test.createTestingModule({
        imports: [
          PostaGuverciniModule.forRootAsync({
            useFactory: async () => ({
              transport,
              otp: {
                secret: TEST_SECRET,
                store: new RedisOtpStore({ url: REDIS_URL, keyPrefix: prefix }),
              },
            }),
          }),
        ],
      }).compile();
      const app = moduleRef.createNestApplication();
      await app.init();
      const otp = app.get(OtpService);
      const { challengeId } = await otp.send({ phone: PHONE });
      await expect(otp.verify({ challengeId, code: lastCode(transport) })).resolves.toMatchObject({
        valid: true,
      });
      const store: OtpStore = app.get(OtpStore);
      const own = (store as unknown as { client: Redis }).client;
      await app.close();
      expect(own.status).toBe('end');
    });

    it('closes the Redis client it opened on shutdown, but never a client it was given', async () => {
      const app = await createApp({
        transport: 'memory',
        otp: { secret: TEST_SECRET, store: { type: 'redis', url: REDIS_URL, keyPrefix: prefix } },
      });
      const store = app.get(OtpStore);
      expect(store).toBeInstanceOf(RedisOtpStore);
      const own = (store as unknown as { client: Redis }).client;
      expect(own.status).toBe('ready');
      await app.close();
      expect(own.status).toBe('end');

      const given = await createApp({
        transport: 'memory',
        otp: { secret: TEST_SECRET, store: { type: 'redis', client: redis, keyPrefix: prefix } },
      });
      await given.close();
      expect(redis.status).toBe('ready');
    });
  });

  it('writes no code, secret or Redis password into any log line, event payload or error message', async () => {
    const logger = new CapturingLogger();
    const transport = new InMemoryTransport();
    const events: unknown[] = [];
    const app = await createApp(
      {
        transport,
        otp: {
          secret: TEST_SECRET,
          maxAttempts: 2,
          phoneLimits: [{ limit: 3, windowSeconds: 600 }],
          hooks: {
            onFailed: () => Promise.reject(new Error('audit sink down')),
            onLocked: () => {
              throw new Error('metrics down');
            },
          },
        },
      },
      logger,
    );
    apps.push(app);
    const otp = app.get(OtpService);
    for (const name of [
      'sent',
      'verified',
      'failed',
      'locked',
      'rate-limited',
      'cancelled',
    ] as const) {
      otp.events.on(name, (event: unknown) => events.push({ name, event }));
    }
    const errors: string[] = [];
    const codes: string[] = [];

    const bound = await otp.send({
      phone: PHONE,
      purpose: '3ds',
      bind: { amount: '149.90', currency: 'TRY', payee: 'ACME' },
    });
    codes.push(lastCode(transport));
    await otp.verify({
      challengeId: bound.challengeId,
      code: codes[0]!,
      purpose: '3ds',
      bind: { amount: '1.00', currency: 'TRY', payee: 'ACME' },
    });
    await otp.verify({
      challengeId: bound.challengeId,
      code: wrongCode(codes[0]!),
      purpose: '3ds',
    });
    await otp.verify({ challengeId: bound.challengeId, code: codes[0]!, purpose: '3ds' });
    const second = await otp.send({ phone: PHONE });
    codes.push(lastCode(transport));
    await otp.resend(second.challengeId).catch((error: Error) => errors.push(error.message));
    await otp.verify({ challengeId: second.challengeId, code: codes[1]! });
    await otp.send({ phone: PHONE }).then(() => codes.push(lastCode(transport)));
    await otp.send({ phone: PHONE }).catch((error: Error) => errors.push(error.message));
    // Delivery failure.
    const send = transport.send.bind(transport);
    transport.send = async () => {
      throw new Error('provider unreachable');
    };
    await otp.send({ phone: '05329998877' }).catch((error: Error) => errors.push(error.message));
    transport.send = send;

    // Store down (nothing listens on the port), with a password in the URL.
    const port = await freePort();
    const downLogger = new CapturingLogger();
    const down = await createApp(
      {
        transport,
        otp: {
          secret: TEST_SECRET,
          store: {
            type: 'redis',
            url: `redis://otp:hunter2-redis-password@127.0.0.1:${port}`,
            operationTimeoutMs: 200,
          },
        },
      },
      downLogger,
    );
    apps.push(down);
    const unavailable = await down
      .get(OtpService)
      .verify({ challengeId: bound.challengeId, code: codes[0]! })
      .catch((error: unknown) => error);
    expect(unavailable).toBeInstanceOf(OtpStoreUnavailableError);
    errors.push((unavailable as Error).message);

    const everything = [
      ...logger.lines,
      ...downLogger.lines,
      JSON.stringify(events),
      ...errors,
    ].join('\n');
    // The capture did see the failures (so the check below is not vacuous).
    expect(everything).toContain('could not be sent');
    expect(everything).toContain('audit sink down');
    expect(errors.join('\n')).toContain('try again in');
    if (process.env['SHOW_OTP_LOGS']) console.log(everything);
    expect(downLogger.lines.join('\n')).toContain('Redis is not reachable yet');
    expect(downLogger.lines.join('\n')).toContain('store is unavailable');
    expect(codes).toHaveLength(3);
    for (const code of codes) expect(everything).not.toMatch(new RegExp(`(?<!\\d)${code}(?!\\d)`));
    expect(everything).not.toContain(TEST_SECRET);
    expect(everything).not.toContain(Buffer.from(TEST_SECRET).toString('hex'));
    expect(everything).not.toContain('hunter2-redis-password');
    expect(everything).not.toContain(PHONE);
  });
});
