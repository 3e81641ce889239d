// RedisOtpStore against the real local Redis (REDIS_URL), each test under its own key prefix.
import { Redis } from 'ioredis';
import { OtpStoreUnavailableError } from '../../errors/otp.errors.js';
import { InvalidOptionsError } from '../../errors/validation.error.js';
import {
  PHONE,
  REDIS_URL,
  createService,
  deleteKeys,
  lastCode,
  uniquePrefix,
  wrongCode,
} from '../../../test/otp-fixtures.js';
import { RedisServer } from '../../../test/support/redis-server.js';
import type { OtpRateLimitHit } from './otp.store.js';
import { type RedisOtpClient, RedisOtpStore } from './redis-otp.store.js';

/** Counts the commands the store sends through a client (each call is one round trip). */
function counting(client: Redis): { client: RedisOtpClient; calls: string[] } {
  const calls: string[] = [];
  const proxy = new Proxy(client, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (
        typeof value !== 'function' ||
        !['evalsha', 'eval', 'hgetall', 'del'].includes(String(property))
      ) {
        return typeof value === 'function' ? value.bind(target) : value;
      }
      return (...args: unknown[]) => {
        calls.push(String(property));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { client: proxy, calls };
}

/** Keeps the server busy for ARGV[1] ms. */
const BUSY_LUA = `local t = redis.call('TIME')
local stop = tonumber(t[1]) * 1000000 + tonumber(t[2]) + tonumber(ARGV[1]) * 1000
while true do
  t = redis.call('TIME')
  if tonumber(t[1]) * 1000000 + tonumber(t[2]) >= stop then break end
end
return 1`;

describe('RedisOtpStore', () => {
  let redis: Redis;
  let prefix: string;

  beforeEach(async () => {
    redis = new Redis(REDIS_URL, { lazyConnect: true });
    await redis.connect();
    prefix = uniquePrefix('redis-store');
  });

  afterEach(async () => {
    await deleteKeys(redis, prefix);
    await redis.quit();
  });

  it('uses one round trip per send, verify and cancel, and two per resend (read, then replace)', async () => {
    const { client, calls } = counting(redis);
    const { service, transport, clock } = createService(
      new RedisOtpStore({ client, keyPrefix: prefix, clock: 'service' }),
    );

    const { challengeId } = await service.send({ phone: PHONE, ip: '203.0.113.9' });
    expect(calls).toEqual(['evalsha']);
    calls.length = 0;
    await service.verify({ challengeId, code: wrongCode(lastCode(transport)) });
    expect(calls).toEqual(['evalsha']);
    calls.length = 0;
    clock.advanceSeconds(30);
    await service.resend(challengeId);
    // The read is a script too: it answers on the store's clock (otp.lockout / one clock).
    expect(calls).toEqual(['evalsha', 'evalsha']);
    calls.length = 0;
    // Cancelling leaves a tombstone for status(): one script.
    await service.cancel(challengeId);
    expect(calls).toEqual(['evalsha']);
  });

  it('still one round trip per send and per verify with profiles, budgets and lockout on; status() is one too', async () => {
    const { client, calls } = counting(redis);
    const { service, transport } = createService(
      new RedisOtpStore({ client, keyPrefix: prefix, clock: 'service' }),
      {
        purposes: {
          '3ds': {
            maxAttempts: 4,
            ttlSeconds: 120,
            phoneLimits: [{ limit: 9, windowSeconds: 60 }],
          },
        },
        globalLimits: [
          { limit: 1000, windowSeconds: 60 },
          { limit: 10_000, windowSeconds: 3600 },
        ],
        limitKeys: [
          { name: 'customer', key: (r) => r.subject, limits: [{ limit: 5, windowSeconds: 600 }] },
          {
            name: 'prefix',
            key: (r) => r.phone.slice(0, 5),
            limits: [{ limit: 50, windowSeconds: 60 }],
          },
        ],
        lockout: { maxFailures: 10 },
      },
    );
    const { challengeId } = await service.send({
      phone: PHONE,
      purpose: '3ds',
      subject: 'C-1',
      ip: '203.0.113.9',
    });
    expect(calls).toEqual(['evalsha']);
    calls.length = 0;
    const code = lastCode(transport);
    await service.verify({ challengeId, code: wrongCode(code), purpose: '3ds', subject: 'C-1' });
    expect(calls).toEqual(['evalsha']);
    calls.length = 0;
    await expect(
      service.verify({ challengeId, code, purpose: '3ds', subject: 'C-1' }),
    ).resolves.toMatchObject({ valid: true });
    expect(calls).toEqual(['evalsha']);
    calls.length = 0;
    await expect(service.status(challengeId)).resolves.toMatchObject({ state: 'verified' });
    expect(calls).toEqual(['evalsha']);
  });

  it('answers a right code with the challenge as stored: phone, any purpose, any subject or none', async () => {
    // A right code's reply is one string (phone NUL purpose [NUL subject]): what the subject
    // holds, NUL and separators included, comes back unchanged, and no subject stays none.
    const store = new RedisOtpStore({ client: redis, keyPrefix: prefix, clock: 'service' });
    const { service, transport, clock } = createService(store);
    const cases = [
      { purpose: 'giriş onayı 🔐', subject: 'müşteri\u0000|42 \u0000🎉' },
      { purpose: '3ds|a:b', subject: '' + 7 },
      { purpose: 'login', subject: undefined },
    ];
    for (const { purpose, subject } of cases) {
      const { challengeId } = await service.send({ phone: PHONE, purpose, subject });
      await expect(
        service.verify({ challengeId, code: lastCode(transport), purpose, subject }),
      ).resolves.toEqual({ valid: true, challengeId, purpose, subject, phone: '905321234567' });
    }
    // The store's own contract: a candidate that presents no purpose learns it from the reply.
    const { challengeId } = await service.send({ phone: PHONE, purpose: 'ödeme', subject: 'S' });
    const codeHash = (await redis.hget(`${prefix}c:${challengeId}`, 'h'))!;
    await expect(store.attempt(challengeId, { codeHash }, clock.now)).resolves.toEqual({
      status: 'valid',
      challenge: { phone: PHONE, purpose: 'ödeme', subject: 'S' },
    });
  });

  it('sets a TTL on every key and keeps no code and no phone number in key names', async () => {
    const { service, transport } = createService(
      new RedisOtpStore({ client: redis, keyPrefix: prefix }),
    );
    const { challengeId } = await service.send({
      phone: PHONE,
      ip: '203.0.113.9',
      bind: { amount: '10.00', currency: 'TRY', payee: 'X' },
    });
    const code = lastCode(transport);

    const keys = await redis.keys(`${prefix}*`);
    expect(keys).toHaveLength(4); // challenge + 2 phone windows + 1 IP window
    for (const key of keys) {
      expect(key).not.toContain('5321234567');
      expect(key).not.toContain('203.0.113');
      const ttl = await redis.pttl(key);
      expect(ttl).toBeGreaterThan(0);
    }
    // Challenge: kept for two lifetimes (360 s); the day window: 24 h.
    expect(await redis.pttl(`${prefix}c:${challengeId}`)).toBeLessThanOrEqual(360_000);
    const stored = JSON.stringify(await redis.hgetall(`${prefix}c:${challengeId}`));
    expect(stored).not.toContain(code);
  });

  it('applies sliding windows atomically: concurrent sends never exceed a cap', async () => {
    const store = new RedisOtpStore({ client: redis, keyPrefix: prefix, clock: 'service' });
    const limits: OtpRateLimitHit[] = [
      { scope: 'phone', key: 'p:x:600', limit: 5, windowMs: 600_000 },
    ];
    const outcomes = await Promise.all(
      Array.from({ length: 50 }, (_, i) => store.hit(limits, `hit-${i}`, 1_000)),
    );
    expect(outcomes.filter((o) => o.allowed)).toHaveLength(5);
    expect(outcomes.find((o) => !o.allowed)).toEqual({
      allowed: false,
      scope: 'phone',
      retryAfterMs: 600_000,
    });
    await expect(store.hit(limits, 'late', 601_000)).resolves.toEqual({ allowed: true });
  });

  it('leaves a client it was given open, and closes the one it opened', async () => {
    const given = new RedisOtpStore({ client: redis, keyPrefix: prefix });
    await given.close();
    expect(redis.status).toBe('ready');
    await expect(given.get('x', 0)).rejects.toBeInstanceOf(OtpStoreUnavailableError);

    const own = await RedisOtpStore.connect({ url: REDIS_URL, keyPrefix: prefix });
    await expect(own.get('nothing-here', 0)).resolves.toBeUndefined();
    const client = (own as unknown as { client: Redis }).client;
    expect(client.status).toBe('ready');
    await own.close();
    expect(client.status).toBe('end');
  });

  it('opens its own client on first use when given only a URL, and works at once', async () => {
    const store = new RedisOtpStore({ url: REDIS_URL, keyPrefix: prefix });
    const { service, transport } = createService(store);
    const { challengeId } = await service.send({ phone: PHONE });
    await expect(service.verify({ challengeId, code: lastCode(transport) })).resolves.toMatchObject(
      {
        valid: true,
      },
    );
    await store.close();
  });

  it('bounds the commands of its own client by operationTimeoutMs: a server that stops answering fails closed', async () => {
    // A throwaway server, kept busy by a script for 1.5 s (nothing else is answered meanwhile).
    const server = await RedisServer.start();
    const store = await RedisOtpStore.connect({
      url: server.url,
      keyPrefix: prefix,
      operationTimeoutMs: 200,
    });
    const blocker = new Redis(server.url);
    try {
      await expect(store.get('x', 0)).resolves.toBeUndefined();
      const busy = blocker.eval(BUSY_LUA, 0, 1500).catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 50));
      const started = Date.now();
      const error = await store.get('x', 0).catch((failure: unknown) => failure);
      const waited = Date.now() - started;
      expect(error).toBeInstanceOf(OtpStoreUnavailableError);
      expect((error as Error).message).toMatch(/did not answer get within 200 ms/);
      expect(waited).toBeGreaterThanOrEqual(190);
      expect(waited).toBeLessThan(1000);
      await busy;
    } finally {
      await store.close();
      await blocker.quit();
      await server.stop();
    }
  });

  it('validates its options', () => {
    expect(() => new RedisOtpStore({})).toThrow(InvalidOptionsError);
    expect(() => new RedisOtpStore({ url: 'http://localhost:6379' })).toThrow(/otp\.store\.url/);
    expect(() => new RedisOtpStore({ client: redis, url: REDIS_URL })).toThrow(
      /either client or url/,
    );
    expect(() => new RedisOtpStore({ client: redis, keyPrefix: '' })).toThrow(
      /otp\.store\.keyPrefix/,
    );
    expect(() => new RedisOtpStore({ client: redis, operationTimeoutMs: 0 })).toThrow(
      /operationTimeoutMs/,
    );
  });
});
