import { Logger } from '@nestjs/common';
import { OtpStoreUnavailableError } from '../../errors/otp.errors.js';
import { sanitizeCause } from '../../errors/redact.js';
import { describeRedisError, openRedisClient } from './redis-otp.open.js';
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
// every command; EVALSHA with the EVAL fallback. Opening the store's own client is in
// redis-otp.open.ts, the operations themselves in redis-otp.store.ts.

/** A command in flight, settled by its reply or by the deadline sweep, whichever comes first. */
interface InFlight {
  /** The sweep's tick when it was sent. */
  readonly tick: number;
  readonly operation: string;
  readonly reject: (error: unknown) => void;
}

/**
 * The connection of one `RedisOtpStore`. Every command, on the store's own client or on one
 * passed in, gets the same deadline, with no timer and no race per command: one sweep, every
 * quarter of `operationTimeoutMs` while commands are in flight, fails those sent at least
 * `operationTimeoutMs` earlier (after 1 to 1¼ × `operationTimeoutMs`). The store's own client
 * also fails fast while disconnected (no offline queue).
 */
export class RedisOtpConnection {
  private readonly logger = new Logger('RedisOtpStore');
  readonly operationTimeoutMs: number;
  readonly ownsClient: boolean;
  private client: RedisOtpClient | undefined;
  private opening: Promise<RedisOtpClient> | undefined;
  private closed = false;
  /** In sending order (a Set iterates in insertion order), so in tick order. */
  private readonly inFlight = new Set<InFlight>();
  private sweep: NodeJS.Timeout | undefined;
  private tick = 0;
  /** The sweep's period, and the ticks after which a command has failed (≥ operationTimeoutMs). */
  private readonly sweepMs: number;
  private readonly deadlineTicks: number;
  /** The options (URL and redisOptions may hold the password): private, never printed. */
  readonly #options: RedisOtpStoreOptions;

  constructor(options: RedisOtpStoreOptions) {
    this.#options = options;
    this.operationTimeoutMs = options.operationTimeoutMs ?? DEFAULT_OPERATION_TIMEOUT_MS;
    this.sweepMs = Math.max(5, Math.floor(this.operationTimeoutMs / 4));
    // A command sent at tick k fails at tick k + d, after (d - 1) to d periods.
    this.deadlineTicks = Math.ceil(this.operationTimeoutMs / this.sweepMs) + 1;
    this.client = options.client;
    this.ownsClient = options.client === undefined;
  }

  /** The client in use (the store's own once opened, or the one given). */
  get currentClient(): RedisOtpClient | undefined {
    return this.client;
  }

  /**
   * Runs a script by SHA (EVAL when the server does not have it, after a restart): `argv` holds
   * the `numKeys` keys, then the arguments; the reply (an array, or a string when the script
   * says `textReply`) is read by `decode` in the same step (one promise per command). Fails with
   * `OtpStoreUnavailableError` on any error, after `operationTimeoutMs`, or on any other reply.
   */
  evalScript<T, R extends unknown[] | string = unknown[]>(
    script: RedisOtpScript,
    numKeys: number,
    argv: readonly RedisArg[],
    decode: (reply: R) => T,
  ): Promise<T> {
    const client = this.client;
    if (client === undefined || this.closed)
      return this.evalScriptOnOpen(script, numKeys, argv, decode);
    return new Promise<T>((resolve, reject) => {
      const entry = this.track(script.name, reject);
      const onReply = (reply: unknown): void => {
        if (!this.inFlight.delete(entry)) return;
        if (!Array.isArray(reply) && !(script.textReply && typeof reply === 'string')) {
          reject(new OtpStoreUnavailableError(`unexpected reply from Redis to ${script.name}`));
          return;
        }
        try {
          resolve(decode(reply as R));
        } catch (error) {
          // A reply the decoder cannot read: its Error, as it is.
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
          reject(error);
        }
      };
      command(() => client.evalsha(script.sha, numKeys, ...argv)).then(
        onReply,
        (error: unknown) => {
          if (!this.inFlight.has(entry)) return;
          // NOSCRIPT (the server lost its scripts, e.g. after a restart): EVAL once, within the
          // same deadline; anything else fails closed.
          if (isNoScript(error)) {
            command(() => client.eval(script.lua, numKeys, ...argv)).then(onReply, (retryError) => {
              if (this.inFlight.delete(entry)) reject(this.unavailable(script.name, retryError));
            });
          } else if (this.inFlight.delete(entry)) reject(this.unavailable(script.name, error));
        },
      );
    });
  }

  /** `evalScript` before the store's own client is open (or after close). */
  private async evalScriptOnOpen<T, R extends unknown[] | string>(
    script: RedisOtpScript,
    numKeys: number,
    argv: readonly RedisArg[],
    decode: (reply: R) => T,
  ): Promise<T> {
    if (this.closed) throw new OtpStoreUnavailableError('the Redis store is closed');
    await this.getClient();
    return this.evalScript(script, numKeys, argv, decode);
  }

  /** Deletes a key; `true` when it existed. */
  async del(key: string): Promise<boolean> {
    if (this.closed) throw new OtpStoreUnavailableError('the Redis store is closed');
    const client = this.client ?? (await this.getClient());
    return new Promise<boolean>((resolve, reject) => {
      const entry = this.track('delete', reject);
      command(() => client.del(key)).then(
        (count) => {
          if (this.inFlight.delete(entry)) resolve(Number(count) > 0);
        },
        (error: unknown) => {
          if (this.inFlight.delete(entry)) reject(this.unavailable('delete', error));
        },
      );
    });
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
    // Bounded by the 2 s above (no command deadline applies to QUIT): a server that does not
    // answer gets a disconnect.
    try {
      if (client.status === 'ready') void client.quit().catch(() => client.disconnect());
      else client.disconnect();
    } catch {
      client.disconnect();
    }
    // The socket is really closed only at 'end' (so a test runner or a shutdown sees no open handle).
    await ended;
    if (client.status !== 'end') client.disconnect();
  }

  /** Registers a command in flight (and starts the sweep if it is not running). */
  private track(operation: string, reject: (error: unknown) => void): InFlight {
    const entry: InFlight = { tick: this.tick, operation, reject };
    this.inFlight.add(entry);
    this.sweep ??= this.startSweep();
    return entry;
  }

  private startSweep(): NodeJS.Timeout {
    const timer = setInterval(() => {
      this.tick += 1;
      if (this.inFlight.size === 0) return this.stopSweep();
      const late = this.tick - this.deadlineTicks;
      for (const entry of this.inFlight) {
        if (entry.tick > late) break;
        this.inFlight.delete(entry);
        entry.reject(
          new OtpStoreUnavailableError(
            `Redis did not answer ${entry.operation} within ${this.operationTimeoutMs} ms`,
          ),
        );
      }
    }, this.sweepMs);
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
    this.opening ??= openRedisClient(
      this.#options,
      this.operationTimeoutMs,
      this.logger,
      () => this.closed,
    ).then((client) => (this.client = client));
    return this.opening;
  }
}

/**
 * A command's promise: a client that throws instead of rejecting rejects here, with what it
 * threw as it is (the caller turns it into OtpStoreUnavailableError).
 */
function command(send: () => Promise<unknown>): Promise<unknown> {
  try {
    return send();
  } catch (error) {
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
    return Promise.reject(error);
  }
}

function isNoScript(error: unknown): boolean {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' && message.startsWith('NOSCRIPT');
}
