// Shared helpers of the OTP engine specs: a controllable clock, stores on the real local Redis
// with a unique key prefix (cleaned up), and reading codes from the in-memory outbox.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { InMemoryTransport } from '../lib/transports/in-memory.transport.js';
import { OtpService } from '../lib/otp/otp.service.js';
import { otpOptionsFactory } from '../lib/otp/otp.providers.js';
import type { OtpModuleOptions } from '../lib/otp/otp.options.js';
import { MemoryOtpStore } from '../lib/otp/stores/memory-otp.store.js';
import type { OtpStore } from '../lib/otp/stores/otp.store.js';
import { RedisOtpStore } from '../lib/otp/stores/redis-otp.store.js';

export const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
export const TEST_SECRET = 'test-secret-7Qm2vX9pL4rT8wZ1nB6yK3hD5jF0sA';
export const PHONE = '905321234567';

/** A clock the test moves by hand. */
export class ManualClock {
  constructor(public now = Date.UTC(2026, 10, 27, 9, 0, 0)) {}
  readonly read = (): number => this.now;
  advance(ms: number): void {
    this.now += ms;
  }
  advanceSeconds(seconds: number): void {
    this.now += seconds * 1000;
  }
}

/** A unique key prefix per test, so concurrent test runs (and engineers) never collide. */
export function uniquePrefix(label: string): string {
  return `pg-otp-test:${label}:${randomBytes(6).toString('hex')}:`;
}

/** Deletes every key under a prefix. */
export async function deleteKeys(client: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) await client.del(...keys);
  } while (cursor !== '0');
}

export async function countKeys(client: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let count = 0;
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    count += keys.length;
  } while (cursor !== '0');
  return count;
}

/** The last code sent to a number (the first run of `length` digits in the SMS). */
export function lastCode(transport: InMemoryTransport, phone = PHONE, length = 6): string {
  const message = transport.lastMessageTo(phone, 'otp');
  if (message === undefined) throw new Error(`no OTP message to ${phone}`);
  const match = new RegExp(`(?<!\\d)(\\d{${length}})(?!\\d)`).exec(message.text);
  if (match === null) throw new Error('no code in the message');
  return match[1]!;
}

/** A different code of the same length. */
export function wrongCode(code: string): string {
  return code
    .split('')
    .map((digit) => String((Number(digit) + 1) % 10))
    .join('');
}

export type StoreKind = 'memory' | 'redis';

/** One store of either kind; `dispose()` closes and cleans up. */
export interface StoreUnderTest {
  readonly store: OtpStore;
  /** Challenges the store holds right now. */
  challengeCount(): Promise<number>;
  dispose(): Promise<void>;
}

/**
 * A store of the given kind. The Redis store runs on the service's clock (`clock: 'service'`)
 * so these tests can move time with a `ManualClock`; the store's default, Redis `TIME`, has its
 * own tests (test/otp-lockout-clock.e2e-spec.ts).
 */
export async function createStore(kind: StoreKind, label: string): Promise<StoreUnderTest> {
  if (kind === 'memory') {
    const store = new MemoryOtpStore();
    return { store, challengeCount: async () => store.size, dispose: async () => {} };
  }
  const client = new Redis(REDIS_URL, { lazyConnect: true });
  await client.connect();
  const prefix = uniquePrefix(label);
  const store = new RedisOtpStore({ client, keyPrefix: prefix, clock: 'service' });
  return {
    store,
    challengeCount: () => countKeys(client, `${prefix}c:`),
    dispose: async () => {
      await deleteKeys(client, prefix);
      await store.close();
      await client.quit();
    },
  };
}

/** An `OtpService` on the in-memory transport with a manual clock. */
export function createService(
  store: OtpStore,
  otp: OtpModuleOptions = {},
  clock = new ManualClock(),
): { service: OtpService; transport: InMemoryTransport; clock: ManualClock } {
  const transport = new InMemoryTransport();
  const service = new OtpService(
    transport,
    otpOptionsFactory({ transport, otp: { secret: TEST_SECRET, clock: clock.read, ...otp } }),
    store,
  );
  return { service, transport, clock };
}
