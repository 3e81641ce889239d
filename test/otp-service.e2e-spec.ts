// OtpService behaviour on both stores: the memory store and the Redis store on the real local
// Redis (REDIS_URL, unique key prefix per test, cleaned up). A manual clock moves time.
import {
  OtpChallengeLockedError,
  OtpChallengeNotFoundError,
  OtpRateLimitError,
  OtpResendLimitError,
} from '../lib/errors/otp.errors.js';
import { SmsValidationError } from '../lib/errors/validation.error.js';
import type { OtpEventMap } from '../lib/otp/otp.events.js';
import { DEFAULT_OTP_PURPOSE } from '../lib/otp/otp.service.js';
import { MemoryOtpStore } from '../lib/otp/stores/memory-otp.store.js';
import type { OtpAttemptCandidate, OtpAttemptOutcome } from '../lib/otp/stores/otp.store.js';
import {
  ManualClock,
  PHONE,
  type StoreKind,
  type StoreUnderTest,
  createService,
  createStore,
  lastCode,
  wrongCode,
} from './otp-fixtures.js';

const PAYMENT = { amount: '149.90', currency: 'TRY', payee: 'ACME A.Ş.' } as const;

describe.each<StoreKind>(['memory', 'redis'])('OtpService on the %s store', (kind) => {
  let under: StoreUnderTest;

  beforeEach(async () => {
    under = await createStore(
      kind,
      expect.getState().currentTestName?.slice(0, 40).replace(/\W+/g, '-') ?? 'otp',
    );
  });

  afterEach(async () => {
    await under.dispose();
  });

  it('sends a code over the OTP channel and accepts it exactly once', async () => {
    const { service, transport } = createService(under.store);
    const challenge = await service.send({ phone: '+90 532 123 45 67', purpose: 'login' });

    expect(challenge).toEqual({
      challengeId: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
      expiresAt: new Date(Date.UTC(2026, 10, 27, 9, 3, 0)),
      resendAvailableAt: new Date(Date.UTC(2026, 10, 27, 9, 0, 30)),
      maskedPhone: '+90 532 *** ** 67',
      attemptsLeft: 5,
    });
    expect(transport.outbox).toHaveLength(1);
    expect(transport.outbox[0]).toMatchObject({ channel: 'otp', to: PHONE });
    const code = lastCode(transport);
    expect(transport.outbox[0]!.text).toBe(
      `Dogrulama kodunuz: ${code}. Kod 3 dakika gecerlidir. Bu kodu kimseyle paylasmayin.`,
    );

    await expect(
      service.verify({ challengeId: challenge.challengeId, code, purpose: 'login' }),
    ).resolves.toEqual({
      valid: true,
      challengeId: challenge.challengeId,
      purpose: 'login',
      subject: undefined,
      phone: PHONE,
    });
    // Replay of the same, right code.
    await expect(
      service.verify({ challengeId: challenge.challengeId, code, purpose: 'login' }),
    ).resolves.toEqual({
      valid: false,
      reason: 'not_found',
      attemptsLeft: 0,
    });
  });

  it('counts wrong codes down, then locks and refuses even the right code', async () => {
    const { service, transport } = createService(under.store);
    const { challengeId } = await service.send({ phone: PHONE });
    const code = lastCode(transport);
    const left: number[] = [];
    for (let i = 0; i < 5; i++) {
      const result = await service.verify({ challengeId, code: wrongCode(code) });
      expect(result).toMatchObject({ valid: false, reason: 'invalid' });
      left.push(result.valid ? -1 : result.attemptsLeft);
    }
    expect(left).toEqual([4, 3, 2, 1, 0]);
    const locked = await service.verify({ challengeId, code });
    expect(locked).toMatchObject({ valid: false, reason: 'locked', attemptsLeft: 0 });
    // retryAfterSeconds: when send() will really accept a new code; no cap is reached, so now.
    expect(locked.valid === false && locked.retryAfterSeconds).toBe(0);
    await expect(service.resend(challengeId)).rejects.toBeInstanceOf(OtpChallengeLockedError);
  });

  it('evaluates exactly 5 of 200 concurrent wrong guesses, answers the rest locked, then refuses the right code', async () => {
    const { service, transport } = createService(under.store);
    const { challengeId } = await service.send({ phone: PHONE, purpose: 'login' });
    const code = lastCode(transport);
    const guesses = Array.from({ length: 200 }, (_, i) =>
      String((Number(code) + 1 + i) % 1_000_000).padStart(6, '0'),
    );

    const results = await Promise.all(
      guesses.map((guess) => service.verify({ challengeId, code: guess, purpose: 'login' })),
    );

    const reasons = results.map((r) => (r.valid ? 'valid' : r.reason));
    expect(reasons.filter((r) => r === 'invalid')).toHaveLength(5);
    expect(reasons.filter((r) => r === 'locked')).toHaveLength(195);
    await expect(service.verify({ challengeId, code, purpose: 'login' })).resolves.toMatchObject({
      valid: false,
      reason: 'locked',
    });
  });

  it('accepts exactly one of 100 concurrent submissions of the right code', async () => {
    const { service, transport } = createService(under.store);
    const { challengeId } = await service.send({ phone: PHONE });
    const code = lastCode(transport);

    const results = await Promise.all(
      Array.from({ length: 100 }, () => service.verify({ challengeId, code })),
    );

    expect(results.filter((r) => r.valid)).toHaveLength(1);
    expect(results.filter((r) => !r.valid && r.reason === 'not_found')).toHaveLength(99);
  });

  it('expires a code after ttlSeconds without counting the attempt', async () => {
    const { service, transport, clock } = createService(under.store);
    const { challengeId } = await service.send({ phone: PHONE });
    const code = lastCode(transport);

    clock.advanceSeconds(179);
    await expect(service.verify({ challengeId, code: wrongCode(code) })).resolves.toMatchObject({
      reason: 'invalid',
      attemptsLeft: 4,
    });
    clock.advanceSeconds(1);
    await expect(service.verify({ challengeId, code })).resolves.toEqual({
      valid: false,
      reason: 'expired',
      attemptsLeft: 0,
    });
    // Remembered for one more lifetime, then forgotten.
    clock.advanceSeconds(180);
    await expect(service.verify({ challengeId, code })).resolves.toMatchObject({
      reason: 'not_found',
    });
  });

  it('resends after the cooldown with a new code that voids the old one, at most maxResends times', async () => {
    const { service, transport, clock } = createService(under.store);
    const { challengeId } = await service.send({ phone: PHONE, purpose: 'login' });
    const first = lastCode(transport);
    await service.verify({ challengeId, code: wrongCode(first), purpose: 'login' });

    clock.advanceSeconds(29);
    const cooldown = await service.resend(challengeId).catch((error: unknown) => error);
    expect(cooldown).toBeInstanceOf(OtpRateLimitError);
    expect(cooldown).toMatchObject({
      limit: 'resend_cooldown',
      retryAfterSeconds: 1,
      code: 'OTP_RATE_LIMITED',
    });

    clock.advanceSeconds(1);
    const resent = await service.resend(challengeId);
    expect(resent).toMatchObject({
      challengeId,
      attemptsLeft: 4,
      maskedPhone: '+90 532 *** ** 67',
    });
    expect(resent.expiresAt.getTime()).toBe(clock.now + 180_000);
    expect(transport.outbox).toHaveLength(2);
    const second = lastCode(transport);

    if (second !== first) {
      await expect(
        service.verify({ challengeId, code: first, purpose: 'login' }),
      ).resolves.toMatchObject({ reason: 'invalid', attemptsLeft: 3 });
    }
    for (let i = 0; i < 2; i++) {
      clock.advanceSeconds(30);
      await service.resend(challengeId);
    }
    clock.advanceSeconds(30);
    await expect(service.resend(challengeId)).rejects.toBeInstanceOf(OtpResendLimitError);
    const latest = lastCode(transport);
    await expect(
      service.verify({ challengeId, code: latest, purpose: 'login' }),
    ).resolves.toMatchObject({ valid: true });
    await expect(service.resend(challengeId)).rejects.toBeInstanceOf(OtpChallengeNotFoundError);
  });

  it('lets an expired challenge be resent with a fresh lifetime', async () => {
    const { service, transport, clock } = createService(under.store);
    const { challengeId } = await service.send({ phone: PHONE });
    clock.advanceSeconds(200);
    await expect(service.verify({ challengeId, code: lastCode(transport) })).resolves.toMatchObject(
      { reason: 'expired' },
    );
    await service.resend(challengeId);
    await expect(service.verify({ challengeId, code: lastCode(transport) })).resolves.toMatchObject(
      { valid: true },
    );
  });

  it('caps sends per phone: 5 per 10 minutes and 20 per day', async () => {
    const { service, clock } = createService(under.store);
    for (let i = 0; i < 5; i++) {
      await service.send({ phone: PHONE });
      clock.advanceSeconds(60);
    }
    const refused = await service.send({ phone: PHONE }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OtpRateLimitError);
    // The first send was at 0 s, now is 300 s: the window frees up at 600 s.
    expect(refused).toMatchObject({ limit: 'phone', retryAfterSeconds: 300 });
    // Another number is not affected.
    await expect(service.send({ phone: '05329876543' })).resolves.toMatchObject({
      maskedPhone: '+90 532 *** ** 43',
    });

    clock.advanceSeconds(300);
    await service.send({ phone: PHONE });
    // 6 sent so far today; send 14 more, 5 per 10 minutes.
    let sent = 6;
    while (sent < 20) {
      clock.advanceSeconds(601);
      for (let i = 0; i < 5 && sent < 20; i++, sent++) await service.send({ phone: PHONE });
    }
    clock.advanceSeconds(601);
    const daily = await service.send({ phone: PHONE }).catch((error: unknown) => error);
    expect(daily).toMatchObject({ limit: 'phone' });
    expect((daily as OtpRateLimitError).retryAfterSeconds).toBeGreaterThan(3600);
    clock.advanceSeconds((daily as OtpRateLimitError).retryAfterSeconds);
    await expect(service.send({ phone: PHONE })).resolves.toBeDefined();
  });

  it('counts resends against the per-phone cap', async () => {
    const { service, clock } = createService(under.store, {
      phoneLimits: [{ limit: 2, windowSeconds: 600 }],
    });
    const { challengeId } = await service.send({ phone: PHONE });
    clock.advanceSeconds(30);
    await service.resend(challengeId);
    clock.advanceSeconds(30);
    await expect(service.resend(challengeId)).rejects.toMatchObject({
      limit: 'phone',
      retryAfterSeconds: 540,
    });
  });

  it('caps sends per client IP (IPv6 per /64)', async () => {
    const { service } = createService(under.store, {
      ipLimits: [{ limit: 3, windowSeconds: 600 }],
    });
    const phones = ['05321000001', '05321000002', '05321000003', '05321000004'];
    for (const [i, phone] of phones.slice(0, 3).entries()) {
      await service.send({ phone, ip: `2001:db8:1:2::${i + 1}` });
    }
    await expect(
      service.send({ phone: phones[3]!, ip: '2001:db8:1:2:ffff::9' }),
    ).rejects.toMatchObject({ limit: 'ip' });
    await expect(service.send({ phone: phones[3]!, ip: '2001:db8:1:3::1' })).resolves.toBeDefined();
  });

  it('binds a code to the amount and payee: shown in the SMS, any difference fails like a wrong code and counts', async () => {
    const { service, transport } = createService(under.store);
    const { challengeId } = await service.send({
      phone: PHONE,
      purpose: '3ds',
      subject: 'cust-42',
      bind: PAYMENT,
    });
    const code = lastCode(transport);
    expect(transport.lastMessageTo(PHONE)!.text).toBe(
      // One segment: the GSM-7 default template, the payee's Turkish letter transliterated.
      `ACME A.S. icin 149.90 TRY tutarli islem onay kodunuz: ${code}. Kimseyle paylasmayin.`,
    );

    const tampered = [
      { ...PAYMENT, amount: '1149.90' },
      { ...PAYMENT, payee: 'EVIL Ltd.' },
      { amount: '149.90', currency: 'TRY' },
      undefined,
    ];
    const results = [];
    for (const bind of tampered) {
      results.push(
        await service.verify({ challengeId, code, purpose: '3ds', subject: 'cust-42', bind }),
      );
    }
    expect(results).toEqual(
      [4, 3, 2, 1].map((attemptsLeft) => ({ valid: false, reason: 'invalid', attemptsLeft })),
    );
    // Same values in another key order, Unicode in another normal form: the same binding.
    const reordered = { payee: 'ACME A.S\u0327.', currency: 'TRY', amount: '149.90' };
    await expect(
      service.verify({ challengeId, code, purpose: '3ds', subject: 'cust-42', bind: reordered }),
    ).resolves.toMatchObject({
      valid: true,
      purpose: '3ds',
      subject: 'cust-42',
    });
  });

  it('refuses a code for another purpose or another subject like a wrong code', async () => {
    const { service, transport } = createService(under.store);
    const { challengeId } = await service.send({ phone: PHONE, purpose: 'login', subject: 42 });
    const code = lastCode(transport);

    await expect(
      service.verify({ challengeId, code, purpose: 'transfer', subject: 42 }),
    ).resolves.toEqual({
      valid: false,
      reason: 'invalid',
      attemptsLeft: 4,
    });
    await expect(
      service.verify({ challengeId, code, purpose: 'login', subject: 43 }),
    ).resolves.toMatchObject({ reason: 'invalid', attemptsLeft: 3 });
    await expect(service.verify({ challengeId, code, purpose: 'login' })).resolves.toMatchObject({
      reason: 'invalid',
      attemptsLeft: 2,
    });
    await expect(
      service.verify({ challengeId, code, purpose: 'login', subject: '42' }),
    ).resolves.toMatchObject({
      valid: true,
      subject: '42',
    });
  });

  it('verifies without a purpose as the default purpose, like send(): a code sent for another purpose is refused', async () => {
    const { service, transport } = createService(under.store);
    const login = await service.send({ phone: PHONE, purpose: 'login' });
    const loginCode = lastCode(transport);
    await expect(
      service.verify({ challengeId: login.challengeId, code: loginCode }),
    ).resolves.toEqual({ valid: false, reason: 'invalid', attemptsLeft: 4 });
    await expect(
      service.verify({ challengeId: login.challengeId, code: loginCode, purpose: 'login' }),
    ).resolves.toMatchObject({ valid: true, purpose: 'login' });

    const plain = await service.send({ phone: PHONE });
    await expect(
      service.verify({ challengeId: plain.challengeId, code: lastCode(transport) }),
    ).resolves.toMatchObject({ valid: true, purpose: DEFAULT_OTP_PURPOSE });
  });

  it('refuses a code presented for another phone like a wrong code; the same phone in any form passes', async () => {
    const { service, transport } = createService(under.store);
    const { challengeId } = await service.send({ phone: '0532 777 88 99', purpose: 'login' });
    const code = lastCode(transport, '905327778899');

    // The victim's number with the attacker's challenge and code: counted like a wrong code.
    await expect(
      service.verify({ challengeId, code, purpose: 'login', phone: PHONE }),
    ).resolves.toEqual({ valid: false, reason: 'invalid', attemptsLeft: 4 });
    // Not a phone number at all: no match either, and it counts too.
    await expect(
      service.verify({ challengeId, code, purpose: 'login', phone: 'not-a-number' }),
    ).resolves.toEqual({ valid: false, reason: 'invalid', attemptsLeft: 3 });
    await expect(
      service.verify({ challengeId, code, purpose: 'login', phone: '+90 532 777 88 99' }),
    ).resolves.toMatchObject({ valid: true, phone: '905327778899' });
  });

  it('refuses numbers outside the allowed countries before anything is sent or stored', async () => {
    const { service, transport } = createService(under.store);
    await expect(service.send({ phone: '+49 1512 3456789' })).rejects.toMatchObject({
      code: 'PHONE_COUNTRY_NOT_ALLOWED',
    });
    await expect(service.send({ phone: '12345' })).rejects.toBeInstanceOf(SmsValidationError);
    expect(transport.outbox).toHaveLength(0);

    const { service: german, transport: germanOutbox } = createService(under.store, {
      allowedCountries: ['TR', 'DE'],
    });
    await german.send({ phone: '+49 1512 3456789' });
    expect(germanOutbox.outbox[0]!.to).toBe('4915123456789');
  });

  it('cancels a challenge', async () => {
    const { service, transport } = createService(under.store);
    const { challengeId } = await service.send({ phone: PHONE });
    await expect(service.cancel(challengeId)).resolves.toBe(true);
    await expect(service.cancel(challengeId)).resolves.toBe(false);
    await expect(service.verify({ challengeId, code: lastCode(transport) })).resolves.toMatchObject(
      { reason: 'not_found' },
    );
  });

  it('emits audit events without the code', async () => {
    const clock = new ManualClock();
    const hooked: string[] = [];
    const { service, transport } = createService(
      under.store,
      {
        maxAttempts: 2,
        phoneLimits: [{ limit: 2, windowSeconds: 600 }],
        hooks: {
          onSent: () => void hooked.push('sent'),
          onLocked: () => void hooked.push('locked'),
        },
      },
      clock,
    );
    const seen: Array<[string, unknown]> = [];
    for (const name of [
      'sent',
      'verified',
      'failed',
      'locked',
      'rate-limited',
      'cancelled',
    ] as const) {
      service.events.on(name, (event: OtpEventMap[typeof name][0]) => seen.push([name, event]));
    }
    const first = await service.send({ phone: PHONE, purpose: 'login', subject: 'u1' });
    const code1 = lastCode(transport);
    await service.verify({
      challengeId: first.challengeId,
      code: code1,
      purpose: 'login',
      subject: 'u1',
    });
    const second = await service.send({ phone: PHONE, purpose: 'login' });
    const code2 = lastCode(transport);
    await service.verify({
      challengeId: second.challengeId,
      code: wrongCode(code2),
      purpose: 'login',
    });
    await service.verify({
      challengeId: second.challengeId,
      code: wrongCode(code2),
      purpose: 'login',
    });
    await service.send({ phone: PHONE, purpose: 'login' }).catch(() => undefined);

    expect(seen.map(([name]) => name)).toEqual([
      'sent',
      'verified',
      'sent',
      'failed',
      'failed',
      'locked',
      'rate-limited',
    ]);
    expect(hooked).toEqual(['sent', 'sent', 'locked']);
    expect(seen[0]![1]).toEqual({
      challengeId: first.challengeId,
      purpose: 'login',
      subject: 'u1',
      maskedPhone: '+90 532 *** ** 67',
      expiresAt: first.expiresAt,
      resend: false,
      messageId: expect.any(String),
      at: new Date(clock.now),
    });
    expect(seen[4]![1]).toMatchObject({
      challengeId: second.challengeId,
      reason: 'invalid',
      attemptsLeft: 0,
    });
    expect(seen[6]![1]).toMatchObject({
      limit: 'phone',
      retryAfterSeconds: 600,
      maskedPhone: '+90 532 *** ** 67',
    });
    const payloads = JSON.stringify(seen);
    expect(payloads).not.toContain(code1);
    expect(payloads).not.toContain(code2);
    expect(payloads).not.toContain(PHONE);
  });

  it('keeps the challenge out of the store when the SMS cannot be sent', async () => {
    const { service, transport } = createService(under.store);
    const failing = Object.assign(transport, {
      send: async () => {
        throw Object.assign(new Error('provider down'), { name: 'SmsConnectionError' });
      },
    });
    const sent: unknown[] = [];
    service.events.on('sent', (event) => sent.push(event));
    await expect(service.send({ phone: PHONE })).rejects.toThrow('provider down');
    expect(failing.outbox).toHaveLength(0);
    expect(sent).toHaveLength(0);
    await expect(under.challengeCount()).resolves.toBe(0);
  });
});

describe('OtpService with a store of its own that compares only the code hash', () => {
  /** A store written before `candidate.phone` / `candidate.purpose` existed. */
  class HashOnlyStore extends MemoryOtpStore {
    override attempt(
      challengeId: string,
      candidate: OtpAttemptCandidate,
      now: number,
    ): Promise<OtpAttemptOutcome> {
      return super.attempt(challengeId, { codeHash: candidate.codeHash }, now);
    }
  }

  it('still refuses a right code presented for another phone or purpose (the challenge is used up)', async () => {
    const { service, transport } = createService(new HashOnlyStore());
    const failed: unknown[] = [];
    service.events.on('failed', (event) => failed.push(event));

    const first = await service.send({ phone: PHONE, purpose: 'login' });
    await expect(
      service.verify({
        challengeId: first.challengeId,
        code: lastCode(transport),
        purpose: 'login',
        phone: '0532 777 88 99',
      }),
    ).resolves.toEqual({ valid: false, reason: 'invalid', attemptsLeft: 0 });

    const second = await service.send({ phone: PHONE, purpose: 'login' });
    await expect(
      service.verify({
        challengeId: second.challengeId,
        code: lastCode(transport),
        purpose: 'transfer',
      }),
    ).resolves.toEqual({ valid: false, reason: 'invalid', attemptsLeft: 0 });
    expect(failed).toHaveLength(2);
  });
});
