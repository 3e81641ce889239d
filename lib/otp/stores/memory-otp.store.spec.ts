import type { OtpChallengeRecord, OtpRateLimitHit } from './otp.store.js';
import { MemoryOtpStore } from './memory-otp.store.js';

const HASH = 'a'.repeat(64);

function record(challengeId: string, now: number): OtpChallengeRecord {
  return {
    challengeId,
    codeHash: HASH,
    bindingDigest: 'b'.repeat(64),
    phone: '905321234567',
    purpose: 'login',
    text: ['Kod: ', ''],
    createdAt: now,
    expiresAt: now + 180_000,
    resendAvailableAt: now + 30_000,
    retainUntil: now + 360_000,
    attempts: 0,
    maxAttempts: 5,
    resends: 0,
  };
}

describe('MemoryOtpStore', () => {
  it('forgets challenges past retainUntil by timestamp, sweeping without timers', async () => {
    const store = new MemoryOtpStore({ sweepIntervalMs: 1000 });
    const t0 = 1_000_000;
    for (let i = 0; i < 100; i++) await store.create(record(`id-${i}`, t0), [], t0);
    expect(store.size).toBe(100);
    await expect(store.get('id-1', t0 + 359_999)).resolves.toMatchObject({ challengeId: 'id-1' });
    // The next create after the sweep interval drops every forgotten challenge.
    await store.create(record('late', t0 + 360_000), [], t0 + 360_000);
    expect(store.size).toBe(1);
  });

  it('counts sliding windows: at most `limit` hits in any window, nothing counted when refused', async () => {
    const store = new MemoryOtpStore();
    const limits: OtpRateLimitHit[] = [
      { scope: 'phone', key: 'p:10', limit: 2, windowMs: 10_000 },
      { scope: 'ip', key: 'i:20', limit: 3, windowMs: 20_000 },
    ];
    await expect(store.hit(limits, 'a', 0)).resolves.toEqual({ allowed: true });
    await expect(store.hit(limits, 'b', 4000)).resolves.toEqual({ allowed: true });
    await expect(store.hit(limits, 'c', 5000)).resolves.toEqual({
      allowed: false,
      scope: 'phone',
      retryAfterMs: 5000,
    });
    // The refused hit counted nowhere: the IP counter still has room for exactly one more.
    await expect(store.hit([limits[1]!], 'd', 9000)).resolves.toEqual({ allowed: true });
    // The phone window has moved past 0 s; the IP counter is full until 0 s + 20 s.
    await expect(store.hit(limits, 'e', 10_000)).resolves.toEqual({
      allowed: false,
      scope: 'ip',
      retryAfterMs: 10_000,
    });
    await expect(store.hit(limits, 'f', 20_000)).resolves.toEqual({ allowed: true });
  });

  it('hands out copies: changing a returned record changes nothing stored', async () => {
    const store = new MemoryOtpStore();
    await store.create(record('x', 0), [], 0);
    const copy = (await store.get('x', 0)) as { attempts: number };
    copy.attempts = 99;
    await expect(store.get('x', 0)).resolves.toMatchObject({ attempts: 0 });
  });
});
