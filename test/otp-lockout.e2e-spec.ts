// Issue 9.1 (account lockout), 9.7 (one clock) and 9.8 (unknown send outcome), through the
// public OtpService API, on both stores (Redis: the real local Redis, REDIS_URL).
import { Redis } from 'ioredis';
import {
  JsonTransport,
  MemoryOtpStore,
  OtpChallengeLockedError,
  OtpDeliveryUncertainError,
  OtpLockedError,
  OtpRateLimitError,
  OtpService,
  RedisOtpStore,
  SmsHttpStatusError,
  type OtpEventMap,
  type OtpStore,
} from '../lib/index.js';
import { otpOptionsFactory } from '../lib/otp/otp.providers.js';
import { PostaGuverciniSimulator } from '../lib/testing/index.js';
import {
  ManualClock,
  PHONE,
  REDIS_URL,
  type StoreKind,
  TEST_SECRET,
  createService,
  createStore,
  deleteKeys,
  lastCode,
  uniquePrefix,
  wrongCode,
} from './otp-fixtures.js';

const DAY = 86_400;

describe.each<StoreKind>(['memory', 'redis'])('otp.lockout on the %s store', (kind) => {
  let under: Awaited<ReturnType<typeof createStore>>;
  beforeEach(async () => {
    under = await createStore(kind, 'lockout');
  });
  afterEach(() => under.dispose());

  /** Presents `count` wrong codes to fresh challenges of the account (5 per challenge at most). */
  async function fail(
    service: OtpService,
    transport: Parameters<typeof lastCode>[0],
    count: number,
    who: { subject?: string; phone?: string } = { subject: 'customer-1' },
  ): Promise<void> {
    const phone = who.phone ?? PHONE;
    while (count > 0) {
      const { challengeId } = await service.send({ phone, purpose: 'login', subject: who.subject });
      const code = lastCode(transport, phone);
      for (let i = 0; i < 5 && count > 0; i++, count--) {
        const result = await service.verify({
          challengeId,
          code: wrongCode(code),
          purpose: 'login',
          subject: who.subject,
        });
        expect(result).toMatchObject({ valid: false, reason: 'invalid' });
      }
    }
  }

  it('locks the account after 10 consecutive wrong codes across challenges: sends, resends and verifications refused', async () => {
    const { service, transport, clock } = createService(under.store, {
      phoneLimits: [],
      resendCooldownSeconds: 0,
    });
    const events: Array<[string, unknown]> = [];
    for (const name of ['locked', 'unlocked', 'rate-limited'] as const) {
      service.events.on(name, (event: OtpEventMap[typeof name][0]) => events.push([name, event]));
    }
    // A challenge sent before the lock, still valid: its right code is refused too.
    const earlier = await service.send({ phone: PHONE, purpose: 'login', subject: 'customer-1' });
    const earlierCode = lastCode(transport);

    await fail(service, transport, 10);
    const accountLocks = events.filter(
      ([name, event]) => name === 'locked' && (event as { scope?: string }).scope === 'account',
    );
    expect(accountLocks).toHaveLength(1);
    expect(accountLocks[0]![1]).toMatchObject({
      scope: 'account',
      subject: 'customer-1',
      maskedPhone: '+90 532 *** ** 67',
      lockedUntil: new Date(clock.now + DAY * 1000),
    });

    const sent = transport.outbox.length;
    const send = await service
      .send({ phone: PHONE, purpose: 'login', subject: 'customer-1' })
      .catch((e: unknown) => e);
    expect(send).toBeInstanceOf(OtpLockedError);
    expect(send).toMatchObject({ code: 'OTP_SUBJECT_LOCKED', retryAfterSeconds: DAY });
    expect(transport.outbox).toHaveLength(sent);

    const verify = await service
      .verify({
        challengeId: earlier.challengeId,
        code: earlierCode,
        purpose: 'login',
        subject: 'customer-1',
      })
      .catch((e: unknown) => e);
    expect(verify).toBeInstanceOf(OtpLockedError);
    await expect(service.resend(earlier.challengeId)).rejects.toBeInstanceOf(OtpLockedError);
    expect(transport.outbox).toHaveLength(sent);

    // Another account on the same phone is not affected.
    await expect(
      service.send({ phone: PHONE, purpose: 'login', subject: 'customer-2' }),
    ).resolves.toMatchObject({ attemptsLeft: 5 });

    // The lock ends after lockSeconds: the earlier challenge's code works again.
    clock.advanceSeconds(DAY - 1);
    await expect(
      service.send({ phone: PHONE, purpose: 'login', subject: 'customer-1' }),
    ).rejects.toMatchObject({ retryAfterSeconds: 1 });
    clock.advanceSeconds(1);
    const after = await service.send({ phone: PHONE, purpose: 'login', subject: 'customer-1' });
    await expect(
      service.verify({
        challengeId: after.challengeId,
        code: lastCode(transport),
        purpose: 'login',
        subject: 'customer-1',
      }),
    ).resolves.toMatchObject({ valid: true });
    const payloads = JSON.stringify(events);
    expect(payloads).not.toContain(TEST_SECRET);
    expect(payloads).not.toContain(earlierCode);
    expect(payloads).not.toContain(PHONE);
  });

  it('a right code resets the count: 9 failures, a success, 9 failures do not lock', async () => {
    const { service, transport } = createService(under.store, { phoneLimits: [] });
    await fail(service, transport, 9);
    const { challengeId } = await service.send({
      phone: PHONE,
      purpose: 'login',
      subject: 'customer-1',
    });
    await expect(
      service.verify({
        challengeId,
        code: lastCode(transport),
        purpose: 'login',
        subject: 'customer-1',
      }),
    ).resolves.toMatchObject({ valid: true });
    await fail(service, transport, 9);
    await expect(
      service.send({ phone: PHONE, purpose: 'login', subject: 'customer-1' }),
    ).resolves.toMatchObject({ attemptsLeft: 5 });
    await fail(service, transport, 1);
    await expect(
      service.send({ phone: PHONE, purpose: 'login', subject: 'customer-1' }),
    ).rejects.toBeInstanceOf(OtpLockedError);
  });

  it('counts failures within windowSeconds only, per phone when there is no subject', async () => {
    const { service, transport, clock } = createService(under.store, {
      phoneLimits: [],
      lockout: { maxFailures: 3, windowSeconds: 60, lockSeconds: 120 },
    });
    await fail(service, transport, 2, { phone: PHONE });
    clock.advanceSeconds(61);
    await fail(service, transport, 2, { phone: PHONE });
    await expect(service.send({ phone: PHONE })).resolves.toBeDefined();
    await fail(service, transport, 1, { phone: PHONE });
    const locked = await service.send({ phone: PHONE }).catch((e: unknown) => e);
    expect(locked).toMatchObject({ code: 'OTP_SUBJECT_LOCKED', retryAfterSeconds: 120 });
    // Another phone is another account.
    await expect(service.send({ phone: '0532 765 43 21' })).resolves.toBeDefined();
  });

  it('unlock() lifts the lock at once and emits unlocked without code or secret', async () => {
    const { service, transport } = createService(under.store, { phoneLimits: [] });
    const unlocked: unknown[] = [];
    service.events.on('unlocked', (event) => unlocked.push(event));
    await fail(service, transport, 10);
    await expect(
      service.send({ phone: PHONE, purpose: 'login', subject: 'customer-1' }),
    ).rejects.toBeInstanceOf(OtpLockedError);
    await expect(service.unlock({ subject: 'customer-1' })).resolves.toBe(true);
    expect(unlocked).toEqual([{ subject: 'customer-1', wasLocked: true, at: expect.any(Date) }]);
    await expect(
      service.send({ phone: PHONE, purpose: 'login', subject: 'customer-1' }),
    ).resolves.toMatchObject({ attemptsLeft: 5 });
    // The count starts from zero again: one failure does not lock.
    await fail(service, transport, 1);
    await expect(
      service.send({ phone: PHONE, purpose: 'login', subject: 'customer-1' }),
    ).resolves.toBeDefined();
    await expect(service.unlock({ phone: '0532 123 45 67' })).resolves.toBe(false);
    expect(JSON.stringify(unlocked)).not.toContain(TEST_SECRET);
  });

  it('lockout: false never locks an account', async () => {
    const { service, transport } = createService(under.store, {
      phoneLimits: [],
      lockout: false,
    });
    await fail(service, transport, 25);
    await expect(
      service.send({ phone: PHONE, purpose: 'login', subject: 'customer-1' }),
    ).resolves.toBeDefined();
  });

  it('a locked challenge tells when send() will really accept a new code (phone cap)', async () => {
    const { service, transport, clock } = createService(under.store, {
      phoneLimits: [{ limit: 1, windowSeconds: 600 }],
    });
    const { challengeId } = await service.send({ phone: PHONE, purpose: 'login' });
    const code = lastCode(transport);
    for (let i = 0; i < 5; i++)
      await service.verify({ challengeId, code: wrongCode(code), purpose: 'login' });
    clock.advanceSeconds(100);
    const locked = await service.verify({ challengeId, code, purpose: 'login' });
    expect(locked).toEqual({
      valid: false,
      reason: 'locked',
      attemptsLeft: 0,
      retryAfterSeconds: 500,
    });
    const resend = await service.resend(challengeId).catch((e: unknown) => e);
    expect(resend).toBeInstanceOf(OtpChallengeLockedError);
    expect((resend as OtpChallengeLockedError).retryAfterSeconds).toBe(500);
    const refused = await service.send({ phone: PHONE, purpose: 'login' }).catch((e) => e);
    expect(refused).toBeInstanceOf(OtpRateLimitError);
    expect((refused as OtpRateLimitError).retryAfterSeconds).toBe(500);
    clock.advanceSeconds(500);
    await expect(service.send({ phone: PHONE, purpose: 'login' })).resolves.toBeDefined();
  });
});

describe('otp.lockout with the Redis store: one round trip, two instances, one clock', () => {
  let redis: Redis;
  let prefix: string;
  beforeEach(async () => {
    redis = new Redis(REDIS_URL, { lazyConnect: true });
    await redis.connect();
    prefix = uniquePrefix('lockout-shared');
  });
  afterEach(async () => {
    await deleteKeys(redis, prefix);
    await redis.quit();
  });

  /** An instance on the shared Redis (the store's default clock: Redis TIME) with its own clock. */
  function instance(clock: ManualClock, store?: OtpStore) {
    return createService(
      store ?? new RedisOtpStore({ client: redis, keyPrefix: prefix }),
      { phoneLimits: [], resendCooldownSeconds: 30 },
      clock,
    );
  }

  it('uses one round trip per send and per verify with the lockout on', async () => {
    const calls: string[] = [];
    const counted = new Proxy(redis, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver) as unknown;
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          calls.push(String(property));
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    const { service, transport } = instance(
      new ManualClock(Date.now()),
      new RedisOtpStore({ client: counted, keyPrefix: prefix }),
    );
    const { challengeId } = await service.send({ phone: PHONE, subject: 'u1' });
    expect(calls).toEqual(['evalsha']);
    calls.length = 0;
    await service.verify({ challengeId, code: wrongCode(lastCode(transport)), subject: 'u1' });
    expect(calls).toEqual(['evalsha']);
    calls.length = 0;
    await service.verify({ challengeId, code: lastCode(transport), subject: 'u1' });
    expect(calls).toEqual(['evalsha']);

    // A locked challenge also answers in one round trip, with the wait for a new code (here the
    // per-IP cap of the verifying client: 20 per 10 minutes, all used by this address).
    for (let i = 0; i < 20; i++) {
      await service.send({
        phone: `0532 555 00 ${String(i).padStart(2, '0')}`,
        ip: '198.51.100.7',
      });
    }
    const locked = await service.send({ phone: PHONE, subject: 'u2' }).catch(() => undefined);
    expect(locked).toBeDefined();
    const code = lastCode(transport);
    for (let i = 0; i < 5; i++)
      await service.verify({
        challengeId: locked!.challengeId,
        code: wrongCode(code),
        subject: 'u2',
      });
    calls.length = 0;
    const answer = await service.verify({
      challengeId: locked!.challengeId,
      code,
      subject: 'u2',
      ip: '198.51.100.7',
    });
    expect(calls).toEqual(['evalsha']);
    expect(answer).toMatchObject({ valid: false, reason: 'locked' });
    expect(answer.valid === false && answer.retryAfterSeconds).toBeGreaterThan(590);
  });

  it('reaches the lockout across two instances whose clocks differ by 10 minutes', async () => {
    const a = instance(new ManualClock(Date.now()));
    const b = instance(new ManualClock(Date.now() + 10 * 60_000));
    for (let i = 0; i < 5; i++) {
      // Alternate: each instance sends and one of them presents the wrong codes.
      const sender = i % 2 === 0 ? a : b;
      const verifier = i % 2 === 0 ? b : a;
      const { challengeId } = await sender.service.send({ phone: PHONE, subject: 'shared' });
      const code = lastCode(sender.transport);
      for (let j = 0; j < 2; j++) {
        await expect(
          verifier.service.verify({ challengeId, code: wrongCode(code), subject: 'shared' }),
        ).resolves.toMatchObject({ reason: 'invalid' });
      }
    }
    for (const { service } of [a, b]) {
      const error = await service.send({ phone: PHONE, subject: 'shared' }).catch((e) => e);
      expect(error).toBeInstanceOf(OtpLockedError);
      expect((error as OtpLockedError).retryAfterSeconds).toBeGreaterThan(DAY - 60);
    }
    await expect(b.service.unlock({ subject: 'shared' })).resolves.toBe(true);
    await expect(a.service.send({ phone: PHONE, subject: 'shared' })).resolves.toBeDefined();
  });

  it('enforces expiry, cooldown and send caps on Redis TIME, whatever each instance clock says', async () => {
    const behind = new ManualClock(Date.now());
    const ahead = new ManualClock(Date.now() + 10 * 60_000);
    const a = createService(
      new RedisOtpStore({ client: redis, keyPrefix: prefix }),
      { phoneLimits: [{ limit: 3, windowSeconds: 600 }], resendCooldownSeconds: 30 },
      behind,
    );
    const b = createService(
      new RedisOtpStore({ client: redis, keyPrefix: prefix }),
      { phoneLimits: [{ limit: 3, windowSeconds: 600 }], resendCooldownSeconds: 30 },
      ahead,
    );
    // Sent on the instance that is behind, verified on the one 10 minutes ahead (lifetime 3 min):
    // still valid.
    const first = await a.service.send({ phone: PHONE });
    await expect(
      b.service.verify({ challengeId: first.challengeId, code: lastCode(a.transport) }),
    ).resolves.toMatchObject({ valid: true });

    // The cooldown started on A is still running for B (its clock says 10 minutes later).
    const second = await a.service.send({ phone: PHONE });
    const cooldown = await b.service.resend(second.challengeId).catch((e: unknown) => e);
    expect(cooldown).toBeInstanceOf(OtpRateLimitError);
    expect(cooldown).toMatchObject({ limit: 'resend_cooldown' });
    expect((cooldown as OtpRateLimitError).retryAfterSeconds).toBeGreaterThan(25);

    // The phone cap (3 per 10 minutes) counts both instances' sends in one window: B's third
    // send fills it; neither instance's clock opens it.
    await b.service.send({ phone: PHONE });
    for (const { service } of [a, b]) {
      const capped = await service.send({ phone: PHONE }).catch((e: unknown) => e);
      expect(capped).toBeInstanceOf(OtpRateLimitError);
      expect((capped as OtpRateLimitError).retryAfterSeconds).toBeGreaterThan(590);
    }
    // And the expiry the instances report is on their own clocks, 180 s from "now" for each.
    expect(first.expiresAt.getTime() - behind.now).toBe(180_000);
  });

  it('the memory store keeps the injected clock', async () => {
    const clock = new ManualClock();
    const { service, transport } = createService(new MemoryOtpStore(), {}, clock);
    const { challengeId } = await service.send({ phone: PHONE });
    clock.advanceSeconds(180);
    await expect(service.verify({ challengeId, code: lastCode(transport) })).resolves.toMatchObject(
      { reason: 'expired' },
    );
  });
});

describe.each<StoreKind>(['memory', 'redis'])(
  'a send whose outcome is unknown keeps its challenge (%s store)',
  (kind) => {
    const sim = new PostaGuverciniSimulator();
    let under: Awaited<ReturnType<typeof createStore>>;
    let service: OtpService;
    let transport: JsonTransport;

    beforeAll(() => sim.start());
    afterAll(() => sim.stop());
    beforeEach(async () => {
      sim.reset();
      under = await createStore(kind, 'uncertain');
      transport = new JsonTransport({ accounts: sim.accounts, allowInsecureHttp: true });
      service = new OtpService(
        transport,
        otpOptionsFactory({ transport, otp: { secret: TEST_SECRET } }),
        under.store,
      );
    });
    afterEach(async () => {
      await transport.close();
      await under.dispose();
    });

    /** The code in the last SMS the simulator received for the phone. */
    function simulatorCode(): string {
      const text = sim.lastMessageTo(PHONE)?.text ?? '';
      const code = /(?<!\d)(\d{6})(?!\d)/.exec(text)?.[1];
      if (code === undefined) throw new Error('no code reached the simulator');
      return code;
    }

    it('a malformed reply (the provider processed it): typed error with the challenge, which verifies', async () => {
      sim.injectFault({ kind: 'malformed', operation: 'send' });
      const error = await service.send({ phone: PHONE }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OtpDeliveryUncertainError);
      const { challenge, challengeId, cause } = error as OtpDeliveryUncertainError;
      expect(challengeId).toBe(challenge.challengeId);
      expect(challenge).toMatchObject({ maskedPhone: '+90 532 *** ** 67', attemptsLeft: 5 });
      expect(cause).toMatchObject({ code: 'TRANSPORT_MALFORMED_RESPONSE', maybeAccepted: true });
      await expect(under.challengeCount()).resolves.toBe(1);
      await expect(service.verify({ challengeId, code: simulatorCode() })).resolves.toMatchObject({
        valid: true,
      });
    });

    it('an HTTP 500 keeps the challenge; an HTTP 503 (nothing processed) removes it', async () => {
      sim.injectFault({ kind: 'http-status', status: 500, operation: 'send' });
      const kept = await service.send({ phone: PHONE }).catch((e: unknown) => e);
      expect(kept).toBeInstanceOf(OtpDeliveryUncertainError);
      expect((kept as OtpDeliveryUncertainError).cause).toBeInstanceOf(SmsHttpStatusError);
      await expect(under.challengeCount()).resolves.toBe(1);

      sim.injectFault({ kind: 'http-status', status: 503, operation: 'send' });
      const gone = await service.send({ phone: PHONE }).catch((e: unknown) => e);
      expect(gone).toBeInstanceOf(SmsHttpStatusError);
      expect(gone).toMatchObject({ maybeAccepted: false });
      await expect(under.challengeCount()).resolves.toBe(1);
    });
  },
);
