// Issue 11 (OTP operations for banks), through the public OtpService API on both stores (Redis:
// the real local Redis, REDIS_URL): challenge status and tombstones, purpose profiles, one
// segment templates with WebOTP / SMS Retriever, test numbers, budgets, lifecycle events.
import { Redis } from 'ioredis';
import {
  InMemoryTransport,
  InvalidOptionsError,
  OtpRateLimitError,
  OtpService,
  RedisOtpStore,
  SmsValidationError,
  analyzeSmsText,
  type OtpEventMap,
} from '../lib/index.js';
import { DEFAULT_OTP_BOUND_MESSAGE, DEFAULT_OTP_MESSAGE } from '../lib/otp/otp-template.js';
import { otpOptionsFactory } from '../lib/otp/otp.providers.js';
import {
  ManualClock,
  PHONE,
  REDIS_URL,
  type StoreKind,
  TEST_SECRET,
  createService,
  createStore,
  lastCode,
  wrongCode,
} from './otp-fixtures.js';

const OTHER_PHONE = '905337654321';
const TEST_NUMBER = '905551112233';
const FIXED_CODE = '246810';

const ALL_EVENTS = [
  'sent',
  'resent',
  'delivered',
  'undelivered',
  'verified',
  'failed',
  'locked',
  'unlocked',
  'cancelled',
  'expired',
  'rateLimited',
  'testNumberUsed',
] as const;

/** Every event the service emits, in order. */
function record(service: OtpService): Array<[string, Record<string, unknown>]> {
  const seen: Array<[string, Record<string, unknown>]> = [];
  for (const name of ALL_EVENTS) {
    service.events.on(name, (event: OtpEventMap[typeof name][0]) =>
      seen.push([name, event as unknown as Record<string, unknown>]),
    );
  }
  return seen;
}

describe.each<StoreKind>(['memory', 'redis'])('OTP operations on the %s store', (kind) => {
  let under: Awaited<ReturnType<typeof createStore>>;
  beforeEach(async () => {
    under = await createStore(kind, 'ops');
  });
  afterEach(() => under.dispose());

  describe('status()', () => {
    it('follows a challenge: pending → verified (a tombstone: no code hash, replay not_found), then forgotten', async () => {
      const { service, transport, clock } = createService(under.store, {
        resendCooldownSeconds: 0,
      });
      const { challengeId } = await service.send({ phone: PHONE, purpose: 'login' });
      const code = lastCode(transport);
      await service.verify({ challengeId, code: wrongCode(code), purpose: 'login' });
      clock.advanceSeconds(5);
      expect(await service.status(challengeId)).toEqual({
        challengeId,
        state: 'pending',
        delivery: 'unknown',
        sentAt: new Date(clock.now - 5000),
        expiresAt: new Date(clock.now - 5000 + 180_000),
        attemptsLeft: 4,
        resendsLeft: 3,
        maskedPhone: '+90 532 *** ** 67',
        purpose: 'login',
      });
      await service.resend(challengeId);
      const resentCode = lastCode(transport);
      await expect(service.status(challengeId)).resolves.toMatchObject({
        sentAt: new Date(clock.now),
        resendsLeft: 2,
        attemptsLeft: 4,
      });
      await expect(
        service.verify({ challengeId, code: resentCode, purpose: 'login' }),
      ).resolves.toMatchObject({ valid: true });
      const verified = await service.status(challengeId);
      expect(verified).toMatchObject({
        state: 'verified',
        attemptsLeft: 0,
        resendsLeft: 0,
        endedAt: new Date(clock.now),
      });
      expect(JSON.stringify(verified)).not.toContain(resentCode);
      if (kind === 'redis') {
        // The tombstone keeps no code hash and no binding digest.
        const fields = await rawChallenge(under.store, challengeId);
        expect(fields).toMatchObject({ S: 'verified' });
        expect(fields['h']).toBeUndefined();
        expect(fields['b']).toBeUndefined();
      }
      expect(JSON.stringify(verified)).not.toContain(PHONE);
      // Used up: the tombstone accepts nothing and cannot be resent.
      await expect(
        service.verify({ challengeId, code: resentCode, purpose: 'login' }),
      ).resolves.toMatchObject({ valid: false, reason: 'not_found' });
      await expect(service.resend(challengeId)).rejects.toMatchObject({
        code: 'OTP_CHALLENGE_NOT_FOUND',
      });
      await expect(service.cancel(challengeId)).resolves.toBe(false);
      // Kept for one more lifetime after expiry, then forgotten.
      clock.advanceSeconds(2 * 180);
      await expect(service.status(challengeId)).resolves.toBeUndefined();
    });

    it('answers cancelled, expired and locked; unknown ids answer undefined', async () => {
      const { service, transport, clock } = createService(under.store, { maxAttempts: 2 });
      const cancelled = await service.send({ phone: PHONE });
      await expect(service.cancel(cancelled.challengeId)).resolves.toBe(true);
      await expect(service.status(cancelled.challengeId)).resolves.toMatchObject({
        state: 'cancelled',
        endedAt: new Date(clock.now),
        resendsLeft: 0,
      });
      await expect(service.cancel(cancelled.challengeId)).resolves.toBe(false);

      const locked = await service.send({ phone: PHONE });
      const code = lastCode(transport);
      for (let i = 0; i < 2; i++)
        await service.verify({ challengeId: locked.challengeId, code: wrongCode(code) });
      await expect(service.status(locked.challengeId)).resolves.toMatchObject({
        state: 'locked',
        attemptsLeft: 0,
        resendsLeft: 0,
      });

      const expiring = await service.send({ phone: OTHER_PHONE });
      clock.advanceSeconds(180);
      await expect(service.status(expiring.challengeId)).resolves.toMatchObject({
        state: 'expired',
        attemptsLeft: 0,
        resendsLeft: 3,
      });
      await expect(service.status('AAAAAAAAAAAAAAAAAAAAAA')).resolves.toBeUndefined();
      await expect(service.status('not an id')).resolves.toBeUndefined();
    });

    it('two services sharing the store see the same status', async () => {
      const clock = new ManualClock();
      const a = createService(under.store, {}, clock);
      const b = createService(under.store, {}, clock);
      const { challengeId } = await a.service.send({ phone: PHONE, purpose: 'login' });
      await expect(b.service.status(challengeId)).resolves.toMatchObject({ state: 'pending' });
      await b.service.verify({ challengeId, code: lastCode(a.transport), purpose: 'login' });
      await expect(a.service.status(challengeId)).resolves.toMatchObject({ state: 'verified' });
    });
  });

  describe('otp.purposes', () => {
    it('a profile per purpose: code length, lifetime, attempts, resends, template and sender; others keep the defaults', async () => {
      const { service, transport, clock } = createService(under.store, {
        resendCooldownSeconds: 0,
        purposes: {
          '3ds': {
            codeLength: 8,
            ttlSeconds: 120,
            maxAttempts: 4,
            maxResends: 1,
            message: '3D Secure kodunuz: {code}',
            sender: 'BANKA',
          },
          login: { codeLength: 6, ttlSeconds: 300 },
        },
      });
      const threeDs = await service.send({ phone: PHONE, purpose: '3ds' });
      expect(threeDs.attemptsLeft).toBe(4);
      expect(threeDs.expiresAt).toEqual(new Date(clock.now + 120_000));
      const sms = transport.lastMessageTo(PHONE, 'otp')!;
      expect(sms.text).toMatch(/^3D Secure kodunuz: \d{8}$/);
      expect(sms).toMatchObject({ sender: 'BANKA' });
      await service.resend(threeDs.challengeId);
      await expect(service.resend(threeDs.challengeId)).rejects.toMatchObject({
        code: 'OTP_RESEND_LIMIT',
        maxResends: 1,
      });
      await expect(service.status(threeDs.challengeId)).resolves.toMatchObject({
        resendsLeft: 0,
        expiresAt: new Date(clock.now + 120_000),
      });
      const code = lastCode(transport, PHONE, 8);
      await expect(
        service.verify({ challengeId: threeDs.challengeId, code, purpose: '3ds' }),
      ).resolves.toMatchObject({ valid: true });

      const login = await service.send({ phone: PHONE, purpose: 'login' });
      expect(login).toMatchObject({ attemptsLeft: 5 });
      expect(login.expiresAt).toEqual(new Date(clock.now + 300_000));
      const plain = await service.send({ phone: OTHER_PHONE });
      expect(plain.expiresAt).toEqual(new Date(clock.now + 180_000));
      expect(transport.lastMessageTo(OTHER_PHONE, 'otp')!.sender).toBeUndefined();
    });

    it("a purpose's own phoneLimits count its sends apart from the others", async () => {
      const { service } = createService(under.store, {
        phoneLimits: [{ limit: 1, windowSeconds: 600 }],
        purposes: { '3ds': { phoneLimits: [{ limit: 2, windowSeconds: 600 }] } },
      });
      await service.send({ phone: PHONE, purpose: 'login' });
      await expect(service.send({ phone: PHONE, purpose: 'other' })).rejects.toMatchObject({
        limit: 'phone',
      });
      await service.send({ phone: PHONE, purpose: '3ds' });
      await service.send({ phone: PHONE, purpose: '3ds' });
      await expect(service.send({ phone: PHONE, purpose: '3ds' })).rejects.toMatchObject({
        limit: 'phone',
        cap: 'phone',
        retryAfterSeconds: 600,
      });
    });
  });

  describe('otp.testNumbers', () => {
    it('no SMS; the fixed code verifies once; testNumberUsed on every use; the store holds only its HMAC', async () => {
      const { service, transport } = createService(under.store, {
        testNumbers: [{ phone: '0555 111 22 33', code: FIXED_CODE }],
        resendCooldownSeconds: 0,
      });
      const seen = record(service);
      const { challengeId } = await service.send({ phone: TEST_NUMBER, purpose: 'login' });
      await service.resend(challengeId);
      expect(transport.outbox).toHaveLength(0);
      await expect(service.status(challengeId)).resolves.toMatchObject({ delivery: 'unknown' });
      if (kind === 'redis') {
        const fields = await rawChallenge(under.store, challengeId);
        expect(JSON.stringify(fields)).not.toContain(FIXED_CODE);
      }
      await expect(
        service.verify({ challengeId, code: FIXED_CODE, purpose: 'login' }),
      ).resolves.toMatchObject({ valid: true, phone: TEST_NUMBER });
      await expect(
        service.verify({ challengeId, code: FIXED_CODE, purpose: 'login' }),
      ).resolves.toMatchObject({ valid: false, reason: 'not_found' });
      const used = seen.filter(([name]) => name === 'testNumberUsed').map(([, e]) => e);
      expect(used).toEqual([
        expect.objectContaining({ challengeId, action: 'send', maskedPhone: '+90 555 *** ** 33' }),
        expect.objectContaining({ challengeId, action: 'resend' }),
        expect.objectContaining({ challengeId, action: 'verify', purpose: 'login' }),
      ]);
      // Any other number still gets a real SMS.
      await service.send({ phone: PHONE });
      expect(transport.outbox).toHaveLength(1);
    });

    it('still obey attempts, the account lockout and expiry', async () => {
      const { service, clock } = createService(under.store, {
        testNumbers: [{ phone: TEST_NUMBER, code: FIXED_CODE }],
        maxAttempts: 2,
        phoneLimits: [],
        lockout: { maxFailures: 3 },
      });
      const first = await service.send({ phone: TEST_NUMBER });
      for (let i = 0; i < 2; i++)
        await service.verify({ challengeId: first.challengeId, code: '000000' });
      await expect(
        service.verify({ challengeId: first.challengeId, code: FIXED_CODE }),
      ).resolves.toMatchObject({ valid: false, reason: 'locked' });

      const second = await service.send({ phone: TEST_NUMBER });
      clock.advanceSeconds(180);
      await expect(
        service.verify({ challengeId: second.challengeId, code: FIXED_CODE }),
      ).resolves.toMatchObject({ valid: false, reason: 'expired' });

      const third = await service.send({ phone: TEST_NUMBER });
      await service.verify({ challengeId: third.challengeId, code: '000000' });
      // Three consecutive failures: the account (the phone) is locked.
      await expect(
        service.verify({ challengeId: third.challengeId, code: FIXED_CODE }),
      ).rejects.toMatchObject({ code: 'OTP_SUBJECT_LOCKED' });
      await expect(service.send({ phone: TEST_NUMBER })).rejects.toMatchObject({
        code: 'OTP_SUBJECT_LOCKED',
      });
    });
  });

  describe('budgets: otp.globalLimits and otp.limitKeys', () => {
    it('an app-wide cap on codes sent, whatever the phone; resends count', async () => {
      const { service, transport, clock } = createService(under.store, {
        globalLimits: [{ limit: 3, windowSeconds: 60 }],
        resendCooldownSeconds: 0,
      });
      const seen = record(service);
      const first = await service.send({ phone: PHONE });
      clock.advanceSeconds(10);
      await service.send({ phone: OTHER_PHONE });
      await service.resend(first.challengeId);
      const refused = await service.send({ phone: '905001112233' }).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(OtpRateLimitError);
      expect(refused).toMatchObject({ limit: 'global', cap: 'global', retryAfterSeconds: 50 });
      await expect(service.resend(first.challengeId)).rejects.toMatchObject({ cap: 'global' });
      expect(transport.outbox).toHaveLength(3);
      expect(seen.filter(([name]) => name === 'rateLimited').map(([, e]) => e)).toEqual([
        expect.objectContaining({ limit: 'global', cap: 'global', retryAfterSeconds: 50 }),
        expect.objectContaining({ limit: 'global', challengeId: first.challengeId }),
      ]);
      clock.advanceSeconds(50);
      await expect(service.send({ phone: '905001112233' })).resolves.toBeDefined();
    });

    it('named caps keyed by a function of the request; all caps checked and counted together, nothing counted when one refuses', async () => {
      const { service, transport } = createService(under.store, {
        phoneLimits: [{ limit: 2, windowSeconds: 600 }],
        limitKeys: [
          { name: 'customer', key: (r) => r.subject, limits: [{ limit: 1, windowSeconds: 600 }] },
          {
            name: 'prefix',
            key: (r) => r.phone.slice(0, 5),
            limits: [{ limit: 3, windowSeconds: 3600 }],
          },
        ],
      });
      await service.send({ phone: PHONE, subject: 'C-1' });
      const refused = await service.send({ phone: PHONE, subject: 'C-1' }).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(OtpRateLimitError);
      expect(refused).toMatchObject({ limit: 'key', cap: 'customer', retryAfterSeconds: 600 });
      expect((refused as Error).message).toContain('customer');
      // The refused send counted nowhere: the phone still has one send left.
      await service.send({ phone: PHONE, subject: 'C-2' });
      await expect(service.send({ phone: PHONE, subject: 'C-3' })).rejects.toMatchObject({
        cap: 'phone',
      });
      // A send without a subject skips the customer cap; the prefix cap (90532) is reached.
      await service.send({ phone: '905329998877' });
      await expect(service.send({ phone: '905328887766' })).rejects.toMatchObject({
        cap: 'prefix',
        retryAfterSeconds: 3600,
      });
      expect(transport.outbox).toHaveLength(3);
    });
  });

  describe('lifecycle events', () => {
    it('one payload shape per event: challenge id, purpose, masked phone, time; never a code', async () => {
      const clock = new ManualClock();
      const { service, transport } = createService(
        under.store,
        { maxAttempts: 2, resendCooldownSeconds: 0, lockout: { maxFailures: 2 } },
        clock,
      );
      const seen = record(service);
      const codes: string[] = [];
      const a = await service.send({ phone: PHONE, purpose: 'login', subject: 'u1' });
      await service.resend(a.challengeId);
      codes.push(lastCode(transport));
      await service.verify({
        challengeId: a.challengeId,
        code: codes[0]!,
        purpose: 'login',
        subject: 'u1',
      });
      const b = await service.send({ phone: PHONE, purpose: 'login' });
      codes.push(lastCode(transport));
      await service.cancel(b.challengeId);
      const c = await service.send({ phone: PHONE, purpose: 'login', subject: 'u2' });
      codes.push(lastCode(transport));
      clock.advanceSeconds(180);
      await service.verify({ challengeId: c.challengeId, code: codes[2]!, purpose: 'login' });
      const d = await service.send({ phone: OTHER_PHONE, purpose: 'pay', subject: 'u3' });
      codes.push(lastCode(transport, OTHER_PHONE));
      for (let i = 0; i < 2; i++)
        await service.verify({
          challengeId: d.challengeId,
          code: wrongCode(codes[3]!),
          purpose: 'pay',
          subject: 'u3',
        });
      await service.send({ phone: OTHER_PHONE, subject: 'u3' }).catch(() => undefined);
      await service.unlock({ subject: 'u3' });

      expect(seen.map(([name]) => name)).toEqual([
        'sent',
        'sent',
        'resent',
        'verified',
        'sent',
        'cancelled',
        'sent',
        'failed',
        'expired',
        'sent',
        'failed',
        'failed',
        'locked',
        'locked',
        'rateLimited',
        'unlocked',
      ]);
      for (const [name, event] of seen) {
        expect(event['at']).toEqual(expect.any(Date));
        if (name === 'unlocked' || name === 'rateLimited') continue;
        expect(event).toMatchObject({
          challengeId: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
          purpose: expect.any(String),
          maskedPhone: expect.stringMatching(/\*\*\*/),
        });
      }
      expect(seen[14]![1]).toMatchObject({
        limit: 'account_locked',
        purpose: 'default',
        maskedPhone: '+90 533 *** ** 21',
      });
      const payloads = JSON.stringify(seen);
      for (const code of codes) expect(payloads).not.toContain(code);
      expect(payloads).not.toContain(PHONE);
      expect(payloads).not.toContain(TEST_SECRET);
    });

    it('a listener that throws or rejects is logged; the call succeeds and the other listeners still hear it', async () => {
      const { service, transport } = createService(under.store, {
        hooks: {
          onSent: () => {
            throw new Error('audit sink down');
          },
        },
      });
      const errors: string[] = [];
      (service as unknown as { logger: { error: (m: string) => void } }).logger.error = (m) =>
        void errors.push(m);
      service.events.on('sent', () => {
        throw new Error('listener bug');
      });
      // An async listener that rejects (typed as void by EventEmitter, but it happens).
      // eslint-disable-next-line @typescript-eslint/no-misused-promises
      service.events.on('sent', () => Promise.reject(new Error('async listener bug')));
      const heard: string[] = [];
      service.events.on('sent', (event) => void heard.push(event.challengeId));
      const { challengeId } = await service.send({ phone: PHONE });
      await new Promise((resolve) => setImmediate(resolve));
      expect(heard).toEqual([challengeId]);
      expect(errors).toHaveLength(3);
      expect(errors).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/"sent" event listener threw: Error: listener bug/),
          expect.stringMatching(/"sent" event listener rejected: Error: async listener bug/),
          expect.stringMatching(/otp\.hooks\.onSent threw: Error: audit sink down/),
        ]),
      );
      await expect(
        service.verify({ challengeId, code: lastCode(transport) }),
      ).resolves.toMatchObject({ valid: true });
    });
  });
});

/** The raw fields of a challenge in Redis (to prove what is stored). */
async function rawChallenge(store: unknown, challengeId: string): Promise<Record<string, string>> {
  const prefix = (store as RedisOtpStore).toJSON()['keyPrefix'] as string;
  const client = new Redis(REDIS_URL);
  try {
    return await client.hgetall(`${prefix}c:${challengeId}`);
  } finally {
    await client.quit();
  }
}

describe('one segment, WebOTP and SMS Retriever (otp.maxSegments, otp.bindLimits)', () => {
  const secret = { secret: TEST_SECRET };
  const service = (otp: object): OtpService => {
    const transport = new InMemoryTransport();
    return new OtpService(transport, otpOptionsFactory({ transport, otp: { ...secret, ...otp } }));
  };

  it('the default templates fit one segment in the worst case: 10-digit code, 16-character amount, 40-character payee', () => {
    const code = '9'.repeat(10);
    const plain = DEFAULT_OTP_MESSAGE.replace('{code}', code).replace('{minutes}', '60');
    const bound = DEFAULT_OTP_BOUND_MESSAGE.replace('{code}', code)
      .replace('{amount}', '1.234.567.890,00')
      .replace('{currency}', 'TRY')
      .replace('{payee}', 'P'.repeat(40));
    expect(analyzeSmsText(plain)).toMatchObject({ encoding: 'gsm7', segments: 1 });
    expect(analyzeSmsText(bound)).toMatchObject({ encoding: 'gsm7', segments: 1 });
    // Start-up accepts them with both autofill lines (6-digit codes, the default).
    expect(() =>
      service({ webOtpDomain: 'bank.com.tr', androidAppHash: 'FA+9qCX9VSu' }),
    ).not.toThrow();
  });

  it('start-up fails naming the template and its segment count', () => {
    const long = `Sayın müşterimiz, ${'işleminiz '.repeat(5)}için kodunuz {code}`;
    expect(() => service({ message: long })).toThrow(InvalidOptionsError);
    expect(() => service({ message: long })).toThrow(/otp\.message.*costs 2 SMS segments/);
    expect(() =>
      service({
        purposes: { '3ds': { boundMessage: `{payee} {amount} ${'x'.repeat(100)} {code}` } },
      }),
    ).toThrow(/otp\.purposes\.3ds\.boundMessage.*costs 2 SMS segments/);
    // The bound values are measured at their otp.bindLimits lengths.
    expect(() => service({ bindLimits: { payee: 120 } })).toThrow(/otp\.boundMessage.*costs 2/);
    // The WebOTP and SMS Retriever lines count.
    const tight = `${'x'.repeat(140)} {code}`;
    expect(() => service({ message: tight })).not.toThrow();
    expect(() => service({ message: tight, webOtpDomain: 'bank.com.tr' })).toThrow(
      /otp\.message.*costs 2 SMS segments/,
    );
    expect(() =>
      service({ message: tight, maxSegments: 2, webOtpDomain: 'bank.com.tr' }),
    ).not.toThrow();
  });

  it('ends the SMS with the WebOTP line and carries the SMS Retriever hash', async () => {
    const transport = new InMemoryTransport();
    const otp = new OtpService(
      transport,
      otpOptionsFactory({
        transport,
        otp: { ...secret, webOtpDomain: 'bank.com.tr', androidAppHash: 'FA+9qCX9VSu' },
      }),
    );
    const { challengeId } = await otp.send({ phone: PHONE });
    const code = lastCode(transport);
    const text = transport.lastMessageTo(PHONE, 'otp')!.text;
    expect(text.split('\n')).toEqual([
      `Dogrulama kodunuz: ${code}. Kod 3 dakika gecerlidir. Bu kodu kimseyle paylasmayin.`,
      'FA+9qCX9VSu',
      '',
      `@bank.com.tr #${code}`,
    ]);
    expect(analyzeSmsText(text).segments).toBe(1);
    await expect(otp.verify({ challengeId, code })).resolves.toMatchObject({ valid: true });
    expect(() => service({ webOtpDomain: 'https://bank.com.tr/' })).toThrow(/otp\.webOtpDomain/);
    expect(() => service({ androidAppHash: 'short' })).toThrow(/otp\.androidAppHash/);
  });

  it('refuses a bound value longer than its limit at send (INVALID_OTP_BINDING), before anything is sent', async () => {
    const transport = new InMemoryTransport();
    const otp = new OtpService(transport, otpOptionsFactory({ transport, otp: secret }));
    const refused = await otp
      .send({ phone: PHONE, bind: { amount: '1', currency: 'TRY', payee: 'P'.repeat(41) } })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(SmsValidationError);
    expect(refused).toMatchObject({ code: 'INVALID_OTP_BINDING', field: 'bind.payee' });
    expect(transport.outbox).toHaveLength(0);
    // At the limit, with a Turkish payee: one segment (its letters transliterated).
    await otp.send({
      phone: PHONE,
      bind: { amount: '1.234.567.890,00', currency: 'TRY', payee: `Şişli Ağaç ${'Ü'.repeat(29)}` },
    });
    const text = transport.lastMessageTo(PHONE, 'otp')!.text;
    expect(text.startsWith('Sisli Agac ÜÜ')).toBe(true);
    expect(analyzeSmsText(text).segments).toBe(1);
  });
});

describe('a template given at send is measured at send', () => {
  it('refuses one that cannot fit otp.maxSegments (OTP_TEMPLATE_TOO_LONG), nothing sent', async () => {
    const transport = new InMemoryTransport();
    const otp = new OtpService(
      transport,
      otpOptionsFactory({ transport, otp: { secret: TEST_SECRET } }),
    );
    const refused = await otp
      .send({ phone: PHONE, message: `${'😀'.repeat(80)} {code}` })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(SmsValidationError);
    expect(refused).toMatchObject({ code: 'OTP_TEMPLATE_TOO_LONG' });
    expect(transport.outbox).toHaveLength(0);
    // Turkish letters alone are transliterated when that makes it fit.
    await otp.send({ phone: PHONE, message: `Şifreniz: {code}. ${'ğ'.repeat(80)}` });
    const text = transport.lastMessageTo(PHONE, 'otp')!.text;
    expect(text.startsWith('Sifreniz: ')).toBe(true);
    expect(analyzeSmsText(text)).toMatchObject({ encoding: 'gsm7', segments: 1 });
  });
});

describe('start-up checks of the new options', () => {
  const build = (otp: object): OtpService => {
    const transport = new InMemoryTransport();
    return new OtpService(
      transport,
      otpOptionsFactory({ transport, otp: { secret: TEST_SECRET, ...otp } }),
    );
  };

  it('an unknown key in a purpose profile stops start-up, naming it', () => {
    expect(() => build({ purposes: { '3ds': { maxAttemps: 4 } } })).toThrow(InvalidOptionsError);
    expect(() => build({ purposes: { '3ds': { maxAttemps: 4 } } })).toThrow(
      'otp.purposes.3ds.maxAttemps',
    );
    expect(() => build({ purposes: { login: { codeLength: 12 } } })).toThrow(
      'otp.purposes.login.codeLength',
    );
  });

  it('test numbers stop start-up with NODE_ENV=production unless explicitly allowed', () => {
    const before = process.env['NODE_ENV'];
    process.env['NODE_ENV'] = 'production';
    try {
      const testNumbers = [{ phone: TEST_NUMBER, code: FIXED_CODE }];
      expect(() => build({ testNumbers })).toThrow(/otp\.testNumbers.*NODE_ENV=production/);
      expect(() => build({ testNumbers, allowTestNumbersInProduction: true })).not.toThrow();
    } finally {
      process.env['NODE_ENV'] = before;
    }
    expect(() => build({ testNumbers: [{ phone: TEST_NUMBER, code: '12ab' }] })).toThrow(
      'otp.testNumbers[0].code',
    );
  });

  it('limit keys need a unique name, a function and limits', () => {
    const limits = [{ limit: 1, windowSeconds: 60 }];
    expect(() => build({ limitKeys: [{ name: 'a b', key: () => 'x', limits }] })).toThrow(
      'otp.limitKeys[0].name',
    );
    expect(() => build({ limitKeys: [{ name: 'device', key: 'x', limits }] })).toThrow(
      'otp.limitKeys[0].key',
    );
    expect(() => build({ limitKeys: [{ name: 'device', key: () => 'x', limits: [] }] })).toThrow(
      'otp.limitKeys[0].limits',
    );
    expect(() => build({ globalLimits: [{ limit: 0, windowSeconds: 60 }] })).toThrow(
      'otp.globalLimits[0].limit',
    );
  });
});
