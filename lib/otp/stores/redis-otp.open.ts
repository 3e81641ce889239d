import type { Logger } from '@nestjs/common';
import { loadOptionalPeer } from '../../optional-peer.js';
import { redactCredentials } from '../../errors/redact.js';
import type { RedisOtpClient, RedisOtpStoreOptions } from './redis-otp.options.js';

// Opening RedisOtpStore's own client (ioredis, an optional peer) with the store's defaults, and
// logging its connection's loss and recovery.

/**
 * Opens the store's own client and waits for its first connection — or a first connection
 * error (refused, unknown host…), or 2 s (at least `operationTimeoutMs`) — whichever is first.
 */
export async function openRedisClient(
  options: RedisOtpStoreOptions,
  operationTimeoutMs: number,
  logger: Logger,
  isClosed: () => boolean,
): Promise<RedisOtpClient> {
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
    // No commandTimeout (a timer per command): the sweep bounds every command.
    connectTimeout: Math.max(2000, operationTimeoutMs),
    retryStrategy: (times: number) => Math.min(50 * 2 ** Math.min(times, 6), 2000),
    connectionName: 'posta-guvercini-otp',
  };
  const settings = { ...defaults, ...(options.redisOptions ?? {}) };
  const client = options.url === undefined ? new Redis(settings) : new Redis(options.url, settings);
  watch(client, logger, isClosed);
  // With the offline queue off, a command before the first connection would fail: wait for
  // it — or for a first connection error (refused, unknown host…), or 2 s — whichever is first.
  await new Promise<void>((resolve) => {
    const timer = setTimeout(done, Math.max(2000, operationTimeoutMs));
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
    logger.warn('Redis is not reachable yet; one-time passwords fail closed until it is.');
  }
  return client;
}

/** Logs connection loss and recovery once each (never the URL or credentials). */
function watch(client: RedisOtpClient, logger: Logger, isClosed: () => boolean): void {
  let healthy = true;
  client.on?.('error', (error: unknown) => {
    if (!healthy || isClosed()) return;
    healthy = false;
    logger.warn(
      `Redis connection error (${describeRedisError(error)}); one-time passwords fail closed until Redis answers again.`,
    );
  });
  client.on?.('ready', () => {
    if (healthy) return;
    healthy = true;
    logger.log('Redis connection is back.');
  });
}

/** A short reason without addresses' credentials: the error code, or the first words of the message. */
export function describeRedisError(error: unknown): string {
  // Duck-typed: errors may come from another realm (VM contexts), where instanceof Error fails.
  if (error !== null && typeof error === 'object') {
    const { code, message } = error as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && code !== '') return code;
    if (typeof message === 'string') return redactCredentials(message).slice(0, 120);
  }
  return 'unknown error';
}
