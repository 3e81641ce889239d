import { loadOptionalPeer } from '../../optional-peer.js';
import { Logger } from '@nestjs/common';
import { OtpStoreUnavailableError } from '../../errors/otp.errors.js';
import { redactCredentials, sanitizeCause } from '../../errors/redact.js';
import type { RedisOtpScript } from './redis-otp.scripts.js';
import {
  DEFAULT_OPERATION_TIMEOUT_MS,
  type RedisArg,
  type RedisOtpClient,
  type RedisOtpStoreOptions,
} from './redis-otp.options.js';

export type { RedisArg, RedisOtpClient, RedisOtpStoreOptions } from './redis-otp.options.js';

// The Redis client of `RedisOtpStore`: the store's own (opened on first use, closed on
// shutdown) or one passed in (used as it is, never closed); connection errors; the deadline of
// every command; EVALSHA with the EVAL fallback. The operations themselves are in
// redis-otp.store.ts.

/** A command in flight on a client passed in, settled by its reply or by the deadline sweep. */
interface InFlight {
  readonly startedAt: number;
  readonly operation: string;
  readonly reject: (error: unknown) => void;
}

/**
 * The connection of one `RedisOtpStore`. The store's own client bounds every command itself
 * (`commandTimeout`, no offline queue). A client passed in may queue commands while
 * disconnected, so its commands get a deadline here: no timer and no race per command, but one
 * sweep, every quarter of `operationTimeoutMs` while commands are in flight, that fails those
 * older than `operationTimeoutMs`.
 */
export class RedisOtpConnection {
  private readonly logger = new Logger('RedisOtpStore');
  readonly operationTimeoutMs: number;
  readonly ownsClient: boolean;
  private client: RedisOtpClient | undefined;
  private opening: Promise<RedisOtpClient> | undefined;
  private closed = false;
  private readonly inFlight = new Set<InFlight>();
  private sweep: NodeJS.Timeout | undefined;
  /** The options (URL and redisOptions may hold the password): private, never printed. */
  readonly #options: RedisOtpStoreOptions;

  constructor(options: RedisOtpStoreOptions) {
    this.#options = options;
    this.operationTimeoutMs = options.operationTimeoutMs ?? DEFAULT_OPERATION_TIMEOUT_MS;
    this.client = options.client;
    this.ownsClient = options.client === undefined;
  }

  /** The client in use (the store's own once opened, or the one given). */
  get currentClient(): RedisOtpClient | undefined {
    return this.client;
  }

  /**
   * Runs a script by SHA (EVAL when the server does not have it, after a restart): `argv` holds
   * the `numKeys` keys, then the arguments. Fails with `OtpStoreUnavailableError` on any error,
   * after `operationTimeoutMs`, or when the reply is not an array.
   */
  evalScript(
    script: RedisOtpScript,
    numKeys: number,
    argv: readonly RedisArg[],
  ): Promise<unknown[]> {
    const client = this.client;
    if (client === undefined || this.closed) return this.evalScriptOnOpen(script, numKeys, argv);
    // The hot path: one promise chain, no async frame.
    let sent: Promise<unknown>;
    try {
      sent = client.evalsha(script.sha, numKeys, ...argv);
    } catch (error) {
      return this.afterEvalError(client, script, numKeys, argv, error);
    }
    if (this.ownsClient) {
      return sent.then(
        (reply) => arrayReply(script, reply),
        (error: unknown) => this.afterEvalError(client, script, numKeys, argv, error),
      );
    }
    // A client passed in: the same, settled by the reply or by the deadline sweep, whichever
    // comes first (one promise, no timer).
    return new Promise<unknown[]>((resolve, reject) => {
      const entry: InFlight = { startedAt: Date.now(), operation: script.name, reject };
      this.inFlight.add(entry);
      this.sweep ??= this.startSweep();
      sent.then(
        (reply) => {
          if (!this.inFlight.delete(entry)) return;
          if (Array.isArray(reply)) resolve(reply as unknown[]);
          else
            reject(new OtpStoreUnavailableError(`unexpected reply from Redis to ${script.name}`));
        },
        (error: unknown) => {
          if (this.inFlight.delete(entry))
            resolve(this.afterEvalError(client, script, numKeys, argv, error));
        },
      );
    });
  }

  /** `evalScript` before the store's own client is open (or after close). */
  private async evalScriptOnOpen(
    script: RedisOtpScript,
    numKeys: number,
    argv: readonly RedisArg[],
  ): Promise<unknown[]> {
    if (this.closed) throw new OtpStoreUnavailableError('the Redis store is closed');
    const client = await this.getClient();
    let reply: unknown;
    try {
      reply = await this.bounded(script.name, client.evalsha(script.sha, numKeys, ...argv));
    } catch (error) {
      return this.afterEvalError(client, script, numKeys, argv, error);
    }
    return arrayReply(script, reply);
  }

  /** NOSCRIPT (the server lost its scripts, e.g. after a restart): EVAL once; anything else fails closed. */
  private async afterEvalError(
    client: RedisOtpClient,
    script: RedisOtpScript,
    numKeys: number,
    argv: readonly RedisArg[],
    error: unknown,
  ): Promise<unknown[]> {
    if (!isNoScript(error)) throw this.unavailable(script.name, error);
    let reply: unknown;
    try {
      reply = await this.bounded(script.name, client.eval(script.lua, numKeys, ...argv));
    } catch (retryError) {
      throw this.unavailable(script.name, retryError);
    }
    return arrayReply(script, reply);
  }

  /** Deletes a key; `true` when it existed. */
  async del(key: string): Promise<boolean> {
    if (this.closed) throw new OtpStoreUnavailableError('the Redis store is closed');
    const client = this.client ?? (await this.getClient());
    try {
      return Number(await this.bounded('delete', client.del(key))) > 0;
    } catch (error) {
      throw this.unavailable('delete', error);
    }
  }

  /**
   * Opens the store's own client if it is not open yet (the first operation does the same).
   * Waits for its first connection (or a first connection error, or 2 s at most).
   */
  async ready(): Promise<void> {
    await this.getClient();
  }

  /** Closes the store's own client (a client you passed in is left open). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopSweep();
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

  /** A command's reply, bounded by the deadline when the client is not the store's own. */
  private bounded<T>(operation: string, reply: Promise<T>): Promise<T> {
    if (this.ownsClient) return reply;
    return new Promise<T>((resolve, reject) => {
      const entry: InFlight = { startedAt: Date.now(), operation, reject };
      this.inFlight.add(entry);
      this.sweep ??= this.startSweep();
      reply.then(
        (value) => {
          if (this.inFlight.delete(entry)) resolve(value);
        },
        (error: unknown) => {
          // The client's own error, passed on as it is (evalScript turns it into OtpStoreUnavailableError).
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
          if (this.inFlight.delete(entry)) reject(error);
        },
      );
    });
  }

  private startSweep(): NodeJS.Timeout {
    const timer = setInterval(
      () => {
        if (this.inFlight.size === 0) return this.stopSweep();
        const late = Date.now() - this.operationTimeoutMs;
        for (const entry of this.inFlight) {
          if (entry.startedAt > late) continue;
          this.inFlight.delete(entry);
          entry.reject(
            new OtpStoreUnavailableError(
              `Redis did not answer ${entry.operation} within ${this.operationTimeoutMs} ms`,
            ),
          );
        }
      },
      Math.max(5, Math.floor(this.operationTimeoutMs / 4)),
    );
    timer.unref?.();
    return timer;
  }

  private stopSweep(): void {
    if (this.sweep === undefined) return;
    clearInterval(this.sweep);
    this.sweep = undefined;
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

function arrayReply(script: RedisOtpScript, reply: unknown): unknown[] {
  if (!Array.isArray(reply))
    throw new OtpStoreUnavailableError(`unexpected reply from Redis to ${script.name}`);
  return reply as unknown[];
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
