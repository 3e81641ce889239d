import type { OnApplicationShutdown } from '@nestjs/common';
import {
  type OtpAttemptCandidate,
  type OtpAttemptOutcome,
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
  ATTEMPT_AT_SCRIPT,
  ATTEMPT_SCRIPT,
  type AttemptKeys,
  attemptArgv,
  attemptOutcomeOf,
} from './redis-otp.attempt.js';
import * as lua from './redis-otp.scripts.js';
import { RedisOtpConnection } from './redis-otp.client.js';
import {
  type RedisArg,
  type RedisOtpClient,
  type RedisOtpStoreOptions,
  checkRedisOtpStoreOptions,
} from './redis-otp.options.js';
import * as replies from './redis-otp.replies.js';

export type { RedisOtpClient, RedisOtpStoreOptions } from './redis-otp.options.js';

// The operations of RedisOtpStore: each runs one script (one round trip) with its keys and
// arguments and reads the reply (both in redis-otp.replies.ts). The client, its errors and deadlines are in
// redis-otp.client.ts, the options in redis-otp.options.ts, the Lua in redis-otp.scripts.ts, and
// the verification (script, arguments, reply) in redis-otp.attempt.ts.

const DEFAULT_PREFIX = 'posta-guvercini:otp:';

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
  private readonly keyPrefix: string;
  /** Prefixes of the challenge, counter and `otp.lockout` account keys, and the clock. */
  private readonly keys: AttemptKeys;
  /** '1': the server's TIME; '0': the service's clock. */
  private readonly clockMode: '1' | '0';
  /** The client (own or passed in), its errors and deadlines: redis-otp.client.ts. */
  private readonly connection: RedisOtpConnection;

  constructor(options: RedisOtpStoreOptions) {
    super();
    checkRedisOtpStoreOptions(options);
    this.clockMode = options.clock === 'service' ? '0' : '1';
    this.keyPrefix = options.keyPrefix ?? DEFAULT_PREFIX;
    this.keys = {
      challengePrefix: `${this.keyPrefix}c:`,
      counterPrefix: `${this.keyPrefix}l:`,
      accountPrefix: `${this.keyPrefix}a:`,
      serverClock: this.clockMode === '1',
    };
    this.connection = new RedisOtpConnection(options);
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

  /** The client in use (the store's own once opened, or the one given); `undefined` before opening. */
  protected get client(): RedisOtpClient | undefined {
    return this.connection.currentClient;
  }

  /** What `JSON.stringify` (and `util.inspect`) show: the key prefix and clock, no connection. */
  override toJSON(): Record<string, unknown> {
    return {
      store: 'RedisOtpStore',
      keyPrefix: this.keyPrefix,
      clock: this.clockMode === '1' ? 'redis' : 'service',
      ownsClient: this.connection.ownsClient,
    };
  }

  /**
   * Opens the store's own client if it is not open yet (the first operation does the same).
   * Waits for its first connection (or a first connection error, or 2 s at most).
   */
  async ready(): Promise<void> {
    await this.connection.ready();
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
    const withLockout = lockout !== undefined && record.lockoutKey !== undefined;
    return this.run(
      lua.CREATE_SCRIPT,
      [
        this.challengeKey(record.challengeId),
        this.accountKey(withLockout ? record.lockoutKey : undefined),
        ...this.counterKeys(limits),
      ],
      replies.createArgs(record, limits, now, this.clockMode, withLockout, this.keys.counterPrefix),
      (reply) => replies.createOutcomeOf(reply, limits, record.challengeId),
    );
  }

  attempt(
    challengeId: string,
    candidate: OtpAttemptCandidate,
    now: number,
    lockout?: OtpLockoutPolicy,
  ): Promise<OtpAttemptOutcome> {
    // The hot path: one argv built in place, the reply read as it settles (one promise, no
    // async frame; what it throws rejects, as from an async method).
    try {
      return this.connection.evalScript(
        this.keys.serverClock ? ATTEMPT_SCRIPT : ATTEMPT_AT_SCRIPT,
        1 + (candidate.newCodeLimits?.length ?? 0),
        attemptArgv(this.keys, challengeId, candidate, now, lockout),
        attemptOutcomeOf,
      );
    } catch (error) {
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
      return Promise.reject(error);
    }
  }

  async replace(
    challengeId: string,
    replacement: OtpReplacement,
    policy: OtpReplacePolicy,
    now: number,
  ): Promise<OtpReplaceOutcome> {
    return this.run(
      lua.REPLACE_SCRIPT,
      [this.challengeKey(challengeId), ...this.counterKeys(policy.limits)],
      replies.replaceArgs(replacement, policy, now, this.clockMode, this.keys.accountPrefix),
      (reply) => replies.replaceOutcomeOf(reply, policy.limits),
    );
  }

  async get(challengeId: string, now: number): Promise<OtpChallengeRecord | undefined> {
    return this.run(
      lua.GET_SCRIPT,
      [this.challengeKey(challengeId)],
      [now, this.clockMode],
      (reply) => replies.recordOf(challengeId, reply),
    );
  }

  override async cancel(
    challengeId: string,
    now: number,
  ): Promise<OtpChallengeSummary | undefined> {
    return this.run(
      lua.CANCEL_SCRIPT,
      [this.challengeKey(challengeId)],
      [now, this.clockMode],
      (reply) => (Number(reply[0]) === 1 ? replies.summaryOf(reply) : undefined),
    );
  }

  override async setDelivery(
    challengeId: string,
    resends: number,
    delivery: OtpDeliveryRecord,
    now: number,
  ): Promise<boolean> {
    return this.run(
      lua.DELIVERY_SCRIPT,
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
      (reply) => Number(reply[0]) === 1,
    );
  }

  async delete(challengeId: string): Promise<boolean> {
    return this.connection.del(this.challengeKey(challengeId));
  }

  async hit(
    limits: readonly OtpRateLimitHit[],
    hitId: string,
    now: number,
  ): Promise<OtpRateLimitOutcome> {
    if (limits.length === 0) return { allowed: true };
    return this.run(
      lua.HIT_SCRIPT,
      this.counterKeys(limits),
      [now, this.clockMode, hitId, limits.length, ...replies.counterArgs(limits)],
      (reply) => (Number(reply[0]) === 1 ? { allowed: true } : replies.refusal(limits, reply)),
    );
  }

  override async unlock(lockoutKeys: readonly string[], now: number): Promise<boolean> {
    if (lockoutKeys.length === 0) return false;
    return this.run(
      lua.UNLOCK_SCRIPT,
      lockoutKeys.map((key) => this.accountKey(key)),
      [now, this.clockMode],
      (reply) => Number(reply[0]) === 1,
    );
  }

  override async sendWait(
    limits: readonly OtpRateLimitHit[],
    lockoutKey: string | undefined,
    now: number,
  ): Promise<number> {
    return this.run(
      lua.SEND_WAIT_SCRIPT,
      [this.accountKey(lockoutKey), ...this.counterKeys(limits)],
      [
        now,
        this.clockMode,
        lockoutKey === undefined ? '0' : '1',
        limits.length,
        ...replies.counterArgs(limits),
      ],
      (reply) => Math.max(0, Number(reply[0])),
    );
  }

  /** Closes the store's own client (a client you passed in is left open). */
  override async close(): Promise<void> {
    await this.connection.close();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }

  private challengeKey(challengeId: string): string {
    return this.keys.challengePrefix + challengeId;
  }

  /** The account key of `otp.lockout` (a placeholder key when there is none). */
  private accountKey(lockoutKey: string | undefined): string {
    return this.keys.accountPrefix + (lockoutKey ?? '-');
  }

  private counterKeys(limits: readonly OtpRateLimitHit[]): string[] {
    return limits.map((limit) => this.keys.counterPrefix + limit.key);
  }

  /** Runs a script (one round trip): the keys, then the arguments; `decode` reads the reply. */
  private run<T>(
    script: lua.RedisOtpScript,
    keys: readonly string[],
    args: readonly RedisArg[],
    decode: (reply: unknown[]) => T,
  ): Promise<T> {
    return this.connection.evalScript(script, keys.length, [...keys, ...args], decode);
  }
}
