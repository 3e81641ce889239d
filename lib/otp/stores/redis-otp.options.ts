import { InvalidOptionsError } from '../../errors/validation.error.js';

// The options of RedisOtpStore, the client it accepts, and their validation.

export type RedisArg = string | number;

/**
 * What `RedisOtpStore` needs of a Redis client: an `ioredis` `Redis` instance fits. (Structural,
 * so this package's types do not depend on `ioredis` being installed.)
 */
export interface RedisOtpClient {
  evalsha(sha: string, numKeys: number, ...args: RedisArg[]): Promise<unknown>;
  eval(script: string, numKeys: number, ...args: RedisArg[]): Promise<unknown>;
  hgetall(key: string): Promise<Record<string, string>>;
  del(...keys: string[]): Promise<number>;
  quit(): Promise<unknown>;
  disconnect(): void;
  readonly status?: string;
  on?(event: string, listener: (...args: unknown[]) => void): unknown;
  once?(event: string, listener: (...args: unknown[]) => void): unknown;
  off?(event: string, listener: (...args: unknown[]) => void): unknown;
}

/** Options of `RedisOtpStore` (also `otp.store: { type: 'redis', … }`). */
export interface RedisOtpStoreOptions {
  /**
   * An `ioredis` client of yours. The store uses it as it is and never closes it. Its commands
   * are bounded by `operationTimeoutMs` all the same (no `commandTimeout` needed).
   */
  readonly client?: RedisOtpClient;
  /**
   * `redis://[[user]:password@]host[:port][/db]` (or `rediss://` for TLS): the store opens its
   * own client (offline queue off, no retries per request, reconnecting in the background) and
   * closes it on application shutdown. Never logged.
   */
  readonly url?: string;
  /**
   * Further `ioredis` options for the store's own client (host, port, password, tls, …),
   * applied over the store's defaults. Ignored with `client`.
   */
  readonly redisOptions?: Readonly<Record<string, unknown>>;
  /**
   * Prefix of every key the store writes. Use one per application (and per test).
   * For Redis Cluster put it in a hash tag (`'{otp}:'`) so an operation's keys share a slot.
   * @default 'posta-guvercini:otp:'
   */
  readonly keyPrefix?: string;
  /**
   * Milliseconds an operation may take before it fails with `OtpStoreUnavailableError`
   * (verification fails closed): it fails after 1 to 1¼ times this (one sweep checks the
   * commands in flight every quarter of it; no timer per command).
   * @default 1000
   */
  readonly operationTimeoutMs?: number;
  /**
   * Whose clock expiry, cooldowns, send caps and lockout windows are evaluated on. `'redis'`:
   * the server's `TIME`, read inside each script, so every instance sharing the store enforces
   * the same limits whatever its own clock says. `'service'`: the service's clock
   * (`otp.clock`), only for tests that move a manual clock.
   * @default 'redis'
   */
  readonly clock?: 'redis' | 'service';
}

export const DEFAULT_OPERATION_TIMEOUT_MS = 1000;

/** Validates the options of `RedisOtpStore` (before anything is opened). */
export function checkRedisOtpStoreOptions(options: RedisOtpStoreOptions): void {
  if (options === null || typeof options !== 'object') {
    throw new InvalidOptionsError('otp.store', 'RedisOtpStore expects { client } or { url }');
  }
  const { client, url, keyPrefix, operationTimeoutMs, redisOptions } = options;
  if (client !== undefined && (client === null || typeof client.evalsha !== 'function')) {
    throw new InvalidOptionsError('otp.store.client', 'expected an ioredis client (new Redis(…))');
  }
  if (client !== undefined && url !== undefined) {
    throw new InvalidOptionsError('otp.store', 'give either client or url, not both');
  }
  if (client === undefined && url === undefined && redisOptions === undefined) {
    throw new InvalidOptionsError(
      'otp.store',
      'the Redis store needs a client (an ioredis instance), a url (redis://host:6379) or redisOptions',
    );
  }
  if (url !== undefined && (typeof url !== 'string' || !/^rediss?:\/\//.test(url))) {
    throw new InvalidOptionsError('otp.store.url', 'expected a redis:// or rediss:// URL');
  }
  if (keyPrefix !== undefined && (typeof keyPrefix !== 'string' || keyPrefix.length === 0)) {
    throw new InvalidOptionsError('otp.store.keyPrefix', 'expected a non-empty string');
  }
  if (
    operationTimeoutMs !== undefined &&
    (!Number.isInteger(operationTimeoutMs) ||
      operationTimeoutMs < 10 ||
      operationTimeoutMs > 60_000)
  ) {
    throw new InvalidOptionsError(
      'otp.store.operationTimeoutMs',
      'expected an integer between 10 and 60000',
    );
  }
  const clock = (options as { clock?: unknown }).clock;
  if (clock !== undefined && clock !== 'redis' && clock !== 'service') {
    throw new InvalidOptionsError('otp.store.clock', "expected 'redis' or 'service'");
  }
}
