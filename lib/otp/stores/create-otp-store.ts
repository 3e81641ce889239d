import { InvalidOptionsError } from '../../errors/validation.error.js';
import type { OtpStoreOption } from '../otp.options.js';
import { MemoryOtpStore } from './memory-otp.store.js';
import { OtpStore } from './otp.store.js';
import { RedisOtpStore } from './redis-otp.store.js';

/** Whether a value can serve as a store (an `OtpStore`, even from another copy of the package). */
function isOtpStore(value: unknown): value is OtpStore {
  if (value instanceof OtpStore) return true;
  const candidate = value as Partial<Record<keyof OtpStore, unknown>> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    (['create', 'attempt', 'replace', 'get', 'delete', 'hit'] as const).every(
      (m) => typeof candidate[m] === 'function',
    )
  );
}

/**
 * Builds the store named by `otp.store`: `'memory'` (default), `{ type: 'redis', … }` (opens a
 * client when given a URL and waits briefly for it), or your own `OtpStore` instance.
 */
export async function createOtpStore(option: OtpStoreOption | undefined): Promise<OtpStore> {
  if (option === undefined || option === 'memory') return new MemoryOtpStore();
  if (isOtpStore(option)) return option;
  if (
    option !== null &&
    typeof option === 'object' &&
    (option as { type?: unknown }).type === 'redis'
  ) {
    const { type: _type, ...redis } = option;
    return RedisOtpStore.connect(redis);
  }
  throw new InvalidOptionsError(
    'otp.store',
    "expected 'memory', { type: 'redis', url } / { type: 'redis', client }, or an instance of a class extending OtpStore",
  );
}
