import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import { OtpStoreUnavailableError } from '../../errors/otp.errors.js';
import { redactCredentials, sanitizeCause } from '../../errors/redact.js';
import { InvalidOptionsError } from '../../errors/validation.error.js';
import { loadOptionalPeer } from '../../optional-peer.js';
import {
  type OtpAttemptCandidate,
  type OtpAttemptOutcome,
  type OtpChallengeEnd,
  type OtpChallengeRecord,
  type OtpChallengeSummary,
  type OtpCreateOutcome,
  type OtpDeliveryRecord,
  type OtpLockoutPolicy,
  type OtpRateLimitHit,
  type OtpRateLimitOutcome,
  type OtpReplacement,
  type OtpReplaceOutcome,
  type OtpReplacePolicy,
  OtpStore,
} from './otp.store.js';
import {
  ATTEMPT_SCRIPT,
  CANCEL_SCRIPT,
  CREATE_SCRIPT,
  DELIVERY_SCRIPT,
  GET_SCRIPT,
  HIT_SCRIPT,
  REPLACE_SCRIPT,
  SEND_WAIT_SCRIPT,
  UNLOCK_SCRIPT,
  type RedisOtpScript,
} from './redis-otp.scripts.js';

type RedisArg = string | number;

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
   * An `ioredis` client of yours. The store uses it as it is and never closes it. Give it a
   * `commandTimeout`, or rely on `operationTimeoutMs`, so an outage is noticed quickly.
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
   * (verification fails closed).
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

const DEFAULT_PREFIX = 'posta-guvercini:otp:';
const DEFAULT_OPERATION_TIMEOUT_MS = 1000;

/**
 * Challenges and counters in Redis, for several application instances behind a load balancer.
 * Each operation is one Lua script (one round trip, atomic on the server), every key has a
 * TTL, and no code is ever sent to Redis (only its HMAC). When Redis cannot be reached or does
 * not answer within `operationTimeoutMs`, operations reject with `OtpStoreUnavailableError`
 * (fail closed); they work again as soon as Redis is back. Expiry, cooldowns, send caps and the
 * `otp.lockout` windows are evaluated on the server's clock (`TIME`, read inside each script),
 * so instances whose own clocks disagree enforce the same limits (see `clock`). Needs Redis ≥ 5.
 *
 * Needs the optional peer dependency `ioredis` (loaded on first use) unless given a `client`.
 *
 * ```ts
 * otp: { store: { type: 'redis', url: process.env.REDIS_URL } }
 * // or
 * otp: { store: new RedisOtpStore({ client: myIoredisClient, keyPrefix: 'shop:otp:' }) }
 * ```
 */
export class RedisOtpStore extends OtpStore implements OnApplicationShutdown {
  private readonly logger = new Logger('RedisOtpStore');
  private readonly keyPrefix: string;
  private readonly operationTimeoutMs: number;
  /** '1': the server's TIME; '0': the service's clock. */
  private readonly clockMode: '1' | '0';
  private readonly ownsClient: boolean;
  private client: RedisOtpClient | undefined;
  private opening: Promise<RedisOtpClient> | undefined;
  private closed = false;
  /** The options (URL and redisOptions may hold the password): private, never printed. */
  readonly #options: RedisOtpStoreOptions;

  constructor(options: RedisOtpStoreOptions) {
    super();
    this.#options = options;
    if (options === null || typeof options !== 'object') {
      throw new InvalidOptionsError('otp.store', 'RedisOtpStore expects { client } or { url }');
    }
    const { client, url, keyPrefix, operationTimeoutMs, redisOptions } = options;
    if (client !== undefined && (client === null || typeof client.evalsha !== 'function')) {
      throw new InvalidOptionsError(
        'otp.store.client',
        'expected an ioredis client (new Redis(…))',
      );
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
    this.clockMode = clock === 'service' ? '0' : '1';
    this.keyPrefix = keyPrefix ?? DEFAULT_PREFIX;
    this.operationTimeoutMs = operationTimeoutMs ?? DEFAULT_OPERATION_TIMEOUT_MS;
    this.client = client;
    this.ownsClient = client === undefined;
  }

  /**
   * Opens a store with its own client and waits (up to `operationTimeoutMs`, at least 2 s) for
   * the first connection. If Redis is not reachable yet, the store is returned anyway and keeps
   * reconnecting: operations fail closed until it answers.
   */
  static async connect(options: RedisOtpStoreOptions): Promise<RedisOtpStore> {
    const store = new RedisOtpStore(options);
    await store.ready();
    return store;
  }

  /** What `JSON.stringify` (and `util.inspect`) show: the key prefix and clock, no connection. */
  override toJSON(): Record<string, unknown> {
    return {
      store: 'RedisOtpStore',
      keyPrefix: this.keyPrefix,
      clock: this.clockMode === '1' ? 'redis' : 'service',
      ownsClient: this.ownsClient,
    };
  }

  /**
   * Opens the store's own client if it is not open yet (the first operation does the same).
   * Waits for its first connection (or a first connection error, or 2 s at most).
   */
  async ready(): Promise<void> {
    await this.getClient();
  }

  override get supportsLockout(): boolean {
    return true;
  }

  async create(
    record: OtpChallengeRecord,
    limits: readonly OtpRateLimitHit[],
    now: number,
    lockout?: OtpLockoutPolicy,
  ): Promise<OtpCreateOutcome> {
    const fields: string[] = [
      'h',
      record.codeHash,
      'b',
      record.bindingDigest,
      'p',
      record.phone,
      'u',
      record.purpose,
      't',
      JSON.stringify(record.text),
      'a',
      String(record.attempts),
      'm',
      String(record.maxAttempts),
      'n',
      String(record.resends),
    ];
    if (record.subject !== undefined) fields.push('s', record.subject);
    if (record.lockoutKey !== undefined) fields.push('x', record.lockoutKey);
    if (record.sendLimits !== undefined) {
      const counters = this.counterKeys(record.sendLimits).map((key, i) => [
        key,
        record.sendLimits![i]!.limit,
        record.sendLimits![i]!.windowMs,
      ]);
      fields.push('L', JSON.stringify(counters));
    }
    const withLockout = lockout !== undefined && record.lockoutKey !== undefined;
    const reply = await this.run(
      CREATE_SCRIPT,
      [
        this.challengeKey(record.challengeId),
        this.accountKey(withLockout ? record.lockoutKey : undefined),
        ...this.counterKeys(limits),
      ],
      [
        now,
        this.clockMode,
        Math.max(1, record.retainUntil - now),
        record.challengeId,
        withLockout ? '1' : '0',
        limits.length,
        ...counterArgs(limits),
        record.createdAt,
        record.expiresAt,
        record.resendAvailableAt,
        record.retainUntil,
        ...fields,
      ],
    );
    const status = Number(reply[0]);
    if (status === 1) return { allowed: true };
    if (status === 0) return refusal(limits, reply);
    if (status === -2)
      return { allowed: false, locked: true, retryAfterMs: Math.max(1, Number(reply[1])) };
    throw new Error(`Challenge id collision: ${record.challengeId}`);
  }

  async attempt(
    challengeId: string,
    candidate: OtpAttemptCandidate,
    now: number,
    lockout?: OtpLockoutPolicy,
  ): Promise<OtpAttemptOutcome> {
    const newCodeLimits = candidate.newCodeLimits ?? [];
    const reply = await this.run(
      ATTEMPT_SCRIPT,
      [this.challengeKey(challengeId), ...this.counterKeys(newCodeLimits)],
      [
        now,
        this.clockMode,
        candidate.codeHash,
        candidate.purpose === undefined ? '0' : '1',
        candidate.purpose ?? '',
        candidate.phone === undefined ? '0' : '1',
        candidate.phone ?? '',
        lockout === undefined ? '0' : '1',
        lockout?.maxFailures ?? 0,
        lockout?.windowMs ?? 0,
        lockout?.lockMs ?? 0,
        this.accountKey(''),
        newCodeLimits.length,
        ...counterArgs(newCodeLimits),
      ],
    );
    const status = Number(reply[0]);
    if (status === 0) return { status: 'not_found' };
    const challenge = summaryOf(reply);
    switch (status) {
      case 1:
        return { status: 'valid', challenge };
      case 2: {
        const accountLockedMs = Number(reply[5] ?? 0);
        return {
          status: 'invalid',
          attemptsLeft: Math.max(0, Number(reply[4])),
          challenge,
          ...(accountLockedMs > 0 ? { accountLockedMs } : {}),
        };
      }
      case 5:
        return {
          status: 'account_locked',
          retryAfterMs: Math.max(1, Number(reply[4])),
          challenge,
        };
      case 3: {
        const newCodeInMs = Number(reply[5] ?? -1);
        return {
          status: 'locked',
          retryAfterMs: Number(reply[4]),
          challenge,
          ...(newCodeInMs >= 0 ? { newCodeInMs } : {}),
        };
      }
      case 4:
        return { status: 'expired', challenge };
      default:
        throw new Error(`Unexpected reply from the attempt script: ${status}`);
    }
  }

  async replace(
    challengeId: string,
    replacement: OtpReplacement,
    policy: OtpReplacePolicy,
    now: number,
  ): Promise<OtpReplaceOutcome> {
    const reply = await this.run(
      REPLACE_SCRIPT,
      [this.challengeKey(challengeId), ...this.counterKeys(policy.limits)],
      [
        now,
        this.clockMode,
        replacement.codeHash,
        replacement.expiresAt,
        replacement.resendAvailableAt,
        replacement.retainUntil,
        policy.maxResends,
        policy.hitId,
        policy.lockout === undefined ? '0' : '1',
        this.accountKey(''),
        policy.limits.length,
        ...counterArgs(policy.limits),
      ],
    );
    switch (Number(reply[0])) {
      case 1:
        return {
          status: 'replaced',
          attempts: Number(reply[1]),
          maxAttempts: Number(reply[2]),
          resends: Number(reply[3]),
        };
      case 0:
        return { status: 'not_found' };
      case 3:
        return {
          status: 'locked',
          retryAfterMs: Number(reply[1]),
          newCodeInMs: Math.max(0, Number(reply[2] ?? 0)),
        };
      case 5:
        return { status: 'cooldown', retryAfterMs: Number(reply[1]) };
      case 6:
        return { status: 'max_resends' };
      case 8:
        return { status: 'account_locked', retryAfterMs: Math.max(1, Number(reply[1])) };
      case 7: {
        const refused = refusal(policy.limits, reply);
        return refused.allowed
          ? { status: 'not_found' }
          : {
              status: 'rate_limited',
              scope: refused.scope,
              ...(refused.cap === undefined ? {} : { cap: refused.cap }),
              retryAfterMs: refused.retryAfterMs,
            };
      }
      default:
        throw new Error(`Unexpected reply from the replace script: ${String(reply[0])}`);
    }
  }

  async get(challengeId: string, now: number): Promise<OtpChallengeRecord | undefined> {
    const reply = await this.run(
      GET_SCRIPT,
      [this.challengeKey(challengeId)],
      [now, this.clockMode],
    );
    if (reply.length < 2) return undefined;
    const shift = Number(reply[0]);
    const fields: Record<string, string> = {};
    for (let i = 1; i + 1 < reply.length; i += 2) fields[String(reply[i])] = String(reply[i + 1]);
    const state = fields['S'] as OtpChallengeEnd | undefined;
    if (fields['h'] === undefined && state === undefined) return undefined;
    // Times on the store's clock, back on the service's.
    const time = (field: string): number => Number(fields[field]) - shift;
    return {
      challengeId,
      codeHash: fields['h'] ?? '',
      bindingDigest: fields['b'] ?? '',
      phone: fields['p'] ?? '',
      purpose: fields['u'] ?? '',
      ...(fields['s'] === undefined ? {} : { subject: fields['s'] }),
      text: JSON.parse(fields['t'] ?? '[]') as string[],
      createdAt: time('c'),
      expiresAt: time('e'),
      resendAvailableAt: time('r'),
      retainUntil: time('k'),
      attempts: Number(fields['a']),
      maxAttempts: Number(fields['m']),
      resends: Number(fields['n']),
      ...(fields['x'] === undefined ? {} : { lockoutKey: fields['x'] }),
      ...(state === undefined ? {} : { state, endedAt: time('E') }),
      sentAt: fields['g'] === undefined ? time('c') : time('g'),
      ...(fields['d'] === undefined
        ? {}
        : {
            delivery: {
              status: fields['d'] as OtpDeliveryRecord['status'],
              providerCode: fields['P'] ?? '',
              messageId: fields['M'] ?? '',
              at: time('D'),
            },
          }),
    };
  }

  override async cancel(
    challengeId: string,
    now: number,
  ): Promise<OtpChallengeSummary | undefined> {
    const reply = await this.run(
      CANCEL_SCRIPT,
      [this.challengeKey(challengeId)],
      [now, this.clockMode],
    );
    return Number(reply[0]) === 1 ? summaryOf(reply) : undefined;
  }

  override async setDelivery(
    challengeId: string,
    resends: number,
    delivery: OtpDeliveryRecord,
    now: number,
  ): Promise<boolean> {
    const reply = await this.run(
      DELIVERY_SCRIPT,
      [this.challengeKey(challengeId)],
      [
        now,
        this.clockMode,
        String(resends),
        delivery.status,
        delivery.providerCode,
        delivery.messageId,
        delivery.at,
      ],
    );
    return Number(reply[0]) === 1;
  }

  async delete(challengeId: string): Promise<boolean> {
    const client = await this.getClient();
    const removed = await this.withDeadline('delete', () =>
      client.del(this.challengeKey(challengeId)),
    );
    return Number(removed) > 0;
  }

  async hit(
    limits: readonly OtpRateLimitHit[],
    hitId: string,
    now: number,
  ): Promise<OtpRateLimitOutcome> {
    if (limits.length === 0) return { allowed: true };
    const reply = await this.run(HIT_SCRIPT, this.counterKeys(limits), [
      now,
      this.clockMode,
      hitId,
      limits.length,
      ...counterArgs(limits),
    ]);
    return Number(reply[0]) === 1 ? { allowed: true } : refusal(limits, reply);
  }

  override async unlock(lockoutKeys: readonly string[], now: number): Promise<boolean> {
    if (lockoutKeys.length === 0) return false;
    const reply = await this.run(
      UNLOCK_SCRIPT,
      lockoutKeys.map((key) => this.accountKey(key)),
      [now, this.clockMode],
    );
    return Number(reply[0]) === 1;
  }

  override async sendWait(
    limits: readonly OtpRateLimitHit[],
    lockoutKey: string | undefined,
    now: number,
  ): Promise<number> {
    const reply = await this.run(
      SEND_WAIT_SCRIPT,
      [this.accountKey(lockoutKey), ...this.counterKeys(limits)],
      [
        now,
        this.clockMode,
        lockoutKey === undefined ? '0' : '1',
        limits.length,
        ...counterArgs(limits),
      ],
    );
    return Math.max(0, Number(reply[0]));
  }

  /** Closes the store's own client (a client you passed in is left open). */
  override async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (!this.ownsClient) return;
    const client =
      this.client ?? (this.opening ? await this.opening.catch(() => undefined) : undefined);
    if (client === undefined) return;
    const ended = new Promise<void>((resolve) => {
      if (client.status === 'end' || client.once === undefined) return resolve();
      const timer = setTimeout(resolve, 2000);
      client.once('end', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    try {
      if (client.status === 'ready') await client.quit();
      else client.disconnect();
    } catch {
      client.disconnect();
    }
    // The socket is really closed only at 'end' (so a test runner or a shutdown sees no open handle).
    await ended;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }

  private challengeKey(challengeId: string): string {
    return `${this.keyPrefix}c:${challengeId}`;
  }

  /** The account key of `otp.lockout` (a placeholder key when there is none). */
  private accountKey(lockoutKey: string | undefined): string {
    return `${this.keyPrefix}a:${lockoutKey ?? '-'}`;
  }

  private counterKeys(limits: readonly OtpRateLimitHit[]): string[] {
    return limits.map((limit) => `${this.keyPrefix}l:${limit.key}`);
  }

  /** Runs a script by SHA, loading it with EVAL when the server does not have it (after a restart). */
  private async run(
    script: RedisOtpScript,
    keys: readonly string[],
    args: readonly RedisArg[],
  ): Promise<unknown[]> {
    const client = await this.getClient();
    const reply = await this.withDeadline(script.name, async () => {
      try {
        return await client.evalsha(script.sha, keys.length, ...keys, ...args);
      } catch (error) {
        if (!isNoScript(error)) throw error;
        return await client.eval(script.lua, keys.length, ...keys, ...args);
      }
    });
    if (!Array.isArray(reply))
      throw new OtpStoreUnavailableError(`unexpected reply from Redis to ${script.name}`);
    return reply as unknown[];
  }

  /** Fails with `OtpStoreUnavailableError` on any error or after `operationTimeoutMs`. */
  private async withDeadline<T>(operation: string, run: () => Promise<T>): Promise<T> {
    if (this.closed) throw new OtpStoreUnavailableError('the Redis store is closed');
    // The store's own client bounds every command itself (commandTimeout, no offline queue);
    // a client passed in may queue commands while disconnected, so it gets a deadline here.
    if (this.ownsClient) {
      try {
        return await run();
      } catch (error) {
        throw this.unavailable(operation, error);
      }
    }
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new OtpStoreUnavailableError(
              `Redis did not answer ${operation} within ${this.operationTimeoutMs} ms`,
            ),
          ),
        this.operationTimeoutMs,
      );
    });
    try {
      return await Promise.race([run(), deadline]);
    } catch (error) {
      throw this.unavailable(operation, error);
    } finally {
      clearTimeout(timer);
    }
  }

  private unavailable(operation: string, error: unknown): OtpStoreUnavailableError {
    if (error instanceof OtpStoreUnavailableError) return error;
    const status = this.client?.status;
    const detail =
      this.ownsClient && status !== undefined && status !== 'ready'
        ? `Redis is not connected (${status})`
        : /timed out/i.test(describeRedisError(error))
          ? `Redis did not answer ${operation} within ${this.operationTimeoutMs} ms`
          : `Redis ${operation} failed: ${describeRedisError(error)}`;
    // The cause is a copy: an ioredis ReplyError carries its command's arguments (AUTH <password>).
    return new OtpStoreUnavailableError(detail, { cause: sanitizeCause(error) });
  }

  private async getClient(): Promise<RedisOtpClient> {
    if (this.client !== undefined) return this.client;
    if (this.closed) throw new OtpStoreUnavailableError('the Redis store is closed');
    this.opening ??= this.openClient().then((client) => (this.client = client));
    return this.opening;
  }

  private async openClient(): Promise<RedisOtpClient> {
    type RedisConstructor = new (...args: unknown[]) => RedisOtpClient;
    const { Redis } = await loadOptionalPeer<{ Redis: RedisConstructor }>(
      'ioredis',
      'The Redis OTP store (otp.store; or pass your own OtpStore)',
      () => import('ioredis'),
      'Redis',
    );
    const defaults = {
      // Fail fast instead of queueing while disconnected: verification must fail closed quickly.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      commandTimeout: this.operationTimeoutMs,
      connectTimeout: Math.max(2000, this.operationTimeoutMs),
      retryStrategy: (times: number) => Math.min(50 * 2 ** Math.min(times, 6), 2000),
      connectionName: 'posta-guvercini-otp',
    };
    const settings = { ...defaults, ...(this.#options.redisOptions ?? {}) };
    const client =
      this.#options.url === undefined
        ? new Redis(settings)
        : new Redis(this.#options.url, settings);
    this.watch(client);
    // With the offline queue off, a command before the first connection would fail: wait for
    // it — or for a first connection error (refused, unknown host…), or 2 s — whichever is first.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, Math.max(2000, this.operationTimeoutMs));
      function done(): void {
        clearTimeout(timer);
        client.off?.('ready', done);
        client.off?.('error', done);
        resolve();
      }
      client.once?.('ready', done);
      client.once?.('error', done);
    });
    if (client.status !== 'ready') {
      this.logger.warn('Redis is not reachable yet; one-time passwords fail closed until it is.');
    }
    return client;
  }

  /** Logs connection loss and recovery once each (never the URL or credentials). */
  private watch(client: RedisOtpClient): void {
    let healthy = true;
    client.on?.('error', (error: unknown) => {
      if (!healthy || this.closed) return;
      healthy = false;
      this.logger.warn(
        `Redis connection error (${describeRedisError(error)}); one-time passwords fail closed until Redis answers again.`,
      );
    });
    client.on?.('ready', () => {
      if (healthy) return;
      healthy = true;
      this.logger.log('Redis connection is back.');
    });
  }
}

function counterArgs(limits: readonly OtpRateLimitHit[]): number[] {
  return limits.flatMap((limit) => [limit.limit, limit.windowMs]);
}

function refusal(
  limits: readonly OtpRateLimitHit[],
  reply: readonly unknown[],
): OtpRateLimitOutcome {
  const limit = limits[Number(reply[1]) - 1];
  return {
    allowed: false,
    scope: limit?.scope ?? 'phone',
    ...(limit?.cap === undefined ? {} : { cap: limit.cap }),
    retryAfterMs: Math.max(1, Number(reply[2])),
  };
}

function summaryOf(reply: readonly unknown[]): OtpChallengeSummary {
  const subject = reply[3];
  return {
    phone: String(reply[1]),
    purpose: String(reply[2]),
    ...(typeof subject === 'string' || typeof subject === 'number'
      ? { subject: String(subject) }
      : {}),
  };
}

function isNoScript(error: unknown): boolean {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' && message.startsWith('NOSCRIPT');
}

/** A short reason without addresses' credentials: the error code, or the first words of the message. */
function describeRedisError(error: unknown): string {
  // Duck-typed: errors may come from another realm (VM contexts), where instanceof Error fails.
  if (error !== null && typeof error === 'object') {
    const { code, message } = error as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && code !== '') return code;
    if (typeof message === 'string') return redactCredentials(message).slice(0, 120);
  }
  return 'unknown error';
}
