import { checkIntegerOption as integer, rejectUnknownOptions } from '../errors/option-checks.js';
import { InvalidOptionsError } from '../errors/validation.error.js';
import { DEFAULT_TIMEOUT_MS, MAX_RECIPIENTS_PER_REQUEST } from '../posta-guvercini.constants.js';
import type { PostaGuverciniModuleOptions } from '../posta-guvercini.options.js';
import type { ResolvedRetry } from './batch-sender.js';
import type { BulkModuleOptions, DurableBulkOptions } from './bulk.options.js';
import {
  type NumberFilter,
  isConsentFilter,
  isOptOutList,
  toConsentFilter,
  toOptOutFilter,
} from './recipient-filters.js';

/** Durable options with defaults applied. */
export interface ResolvedDurableOptions {
  readonly connection: DurableBulkOptions['connection'];
  readonly prefix: string;
  readonly queueName: string;
  readonly worker: boolean;
  readonly lockDurationMs: number;
  readonly stalledIntervalMs: number;
  readonly pollIntervalMs: number;
  readonly providerDuplicateWindowMs: number;
  readonly retentionSeconds: number;
  readonly starterLeaseMs?: number;
  /** Safety margin for re-sending inside the duplicate window: request timeout + 5 s. */
  readonly reconcileMarginMs: number;
}

/** `bulk` options with defaults applied and filters reduced to one shape. */
export interface ResolvedBulkOptions {
  readonly concurrency: number;
  readonly batchSize: number;
  readonly consent?: NumberFilter;
  readonly optOut?: NumberFilter;
  readonly retry: ResolvedRetry;
  readonly reportLimit: number;
  readonly allowedCountries: readonly string[];
  readonly defaultSender?: string;
  readonly durable?: ResolvedDurableOptions;
  readonly campaignKeyTtlSeconds: number;
  readonly holdScheduledOverSeconds: number;
}

const KNOWN: Record<keyof BulkModuleOptions, true> = {
  concurrency: true,
  batchSize: true,
  consentFilter: true,
  optOut: true,
  retry: true,
  reportLimit: true,
  allowedCountries: true,
  durable: true,
  campaignKeyTtlSeconds: true,
  holdScheduledOverSeconds: true,
};

const KNOWN_DURABLE: Record<keyof DurableBulkOptions, true> = {
  connection: true,
  prefix: true,
  queueName: true,
  worker: true,
  lockDurationMs: true,
  stalledIntervalMs: true,
  pollIntervalMs: true,
  providerDuplicateWindowMs: true,
  retentionSeconds: true,
  starterLeaseMs: true,
};

/** Every slice `resolveBulkOptions` returned: what `BulkSmsService` takes without resolving again. */
const resolved = new WeakSet<object>();

/** Whether `value` is a slice `resolveBulkOptions` made (not raw module options). */
export function isResolvedBulkOptions(value: unknown): value is ResolvedBulkOptions {
  return typeof value === 'object' && value !== null && resolved.has(value);
}

/**
 * Validates the module option `bulk` once, at start-up, and applies the defaults. Throws
 * `InvalidOptionsError` naming the option (`bulk.concurrency`, `bulk.durable.connection`, …).
 * The module calls it once, in the `BULK_OPTIONS` factory provider (bulk.providers.ts).
 */
export function resolveBulkOptions(options: PostaGuverciniModuleOptions = {}): ResolvedBulkOptions {
  const slice = Object.freeze(resolveSlice(options));
  resolved.add(slice);
  return slice;
}

function resolveSlice(options: PostaGuverciniModuleOptions): ResolvedBulkOptions {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new InvalidOptionsError(
      'options',
      'expected the module options object ({ transport, accounts, bulk, … })',
    );
  }
  const bulk: BulkModuleOptions = options.bulk ?? {};
  if (bulk === null || typeof bulk !== 'object' || Array.isArray(bulk)) {
    throw new InvalidOptionsError(
      'bulk',
      'expected an object such as { concurrency: 4, consentFilter }',
    );
  }
  rejectUnknownOptions(bulk, KNOWN, 'bulk');
  const concurrency = integer(bulk.concurrency, 'bulk.concurrency', 4, 1, 64);
  const batchSize = integer(
    bulk.batchSize,
    'bulk.batchSize',
    MAX_RECIPIENTS_PER_REQUEST,
    1,
    MAX_RECIPIENTS_PER_REQUEST,
  );
  const reportLimit =
    bulk.reportLimit === Number.POSITIVE_INFINITY
      ? Number.POSITIVE_INFINITY
      : integer(bulk.reportLimit, 'bulk.reportLimit', 10_000, 0, Number.MAX_SAFE_INTEGER);

  const allowedCountries = bulk.allowedCountries ?? ['TR'];
  if (
    !Array.isArray(allowedCountries) ||
    allowedCountries.length === 0 ||
    allowedCountries.some((c) => typeof c !== 'string' || !/^[A-Z]{2}$/.test(c))
  ) {
    throw new InvalidOptionsError(
      'bulk.allowedCountries',
      "expected a non-empty array of ISO 3166 alpha-2 codes such as ['TR']",
    );
  }

  if (
    bulk.consentFilter !== undefined &&
    typeof bulk.consentFilter !== 'function' &&
    !isConsentFilter(bulk.consentFilter)
  ) {
    throw new InvalidOptionsError(
      'bulk.consentFilter',
      'expected a function (numbers) => allowed numbers, or an instance of a class extending ConsentFilter',
    );
  }
  const optOut = bulk.optOut;
  if (
    optOut !== undefined &&
    typeof optOut !== 'function' &&
    !isOptOutList(optOut) &&
    (typeof optOut !== 'object' || optOut === null || typeof optOut[Symbol.iterator] !== 'function')
  ) {
    throw new InvalidOptionsError(
      'bulk.optOut',
      'expected a list of numbers, a function (numbers) => opted-out numbers, or an instance of a class extending OptOutList',
    );
  }

  let retry: ResolvedRetry;
  if (bulk.retry === false) {
    retry = { maxRetries: 0, initialDelayMs: 0, maxDelayMs: 0 };
  } else {
    const r = bulk.retry ?? {};
    if (typeof r !== 'object' || r === null)
      throw new InvalidOptionsError(
        'bulk.retry',
        'expected false or { maxRetries, initialDelayMs, maxDelayMs }',
      );
    retry = {
      maxRetries: integer(r.maxRetries, 'bulk.retry.maxRetries', 3, 0, 20),
      initialDelayMs: integer(r.initialDelayMs, 'bulk.retry.initialDelayMs', 250, 0, 60_000),
      maxDelayMs: integer(r.maxDelayMs, 'bulk.retry.maxDelayMs', 10_000, 0, 300_000),
    };
  }

  return {
    concurrency,
    batchSize,
    retry,
    campaignKeyTtlSeconds: integer(
      bulk.campaignKeyTtlSeconds,
      'bulk.campaignKeyTtlSeconds',
      7 * 24 * 3600,
      1,
      365 * 24 * 3600,
    ),
    holdScheduledOverSeconds: integer(
      bulk.holdScheduledOverSeconds,
      'bulk.holdScheduledOverSeconds',
      300,
      0,
      365 * 24 * 3600,
    ),
    reportLimit,
    allowedCountries,
    ...(options.sender !== undefined ? { defaultSender: options.sender } : {}),
    ...optional('consent', toConsentFilter(bulk.consentFilter, allowedCountries)),
    ...optional('optOut', toOptOutFilter(optOut, allowedCountries)),
    ...optional(
      'durable',
      bulk.durable === undefined
        ? undefined
        : resolveDurable(bulk.durable, options.timeoutMs ?? DEFAULT_TIMEOUT_MS),
    ),
  };
}

function resolveDurable(durable: DurableBulkOptions, timeoutMs: number): ResolvedDurableOptions {
  if (durable === null || typeof durable !== 'object' || Array.isArray(durable)) {
    throw new InvalidOptionsError(
      'bulk.durable',
      "expected { connection: 'redis://…' } (needs the optional peers bullmq and ioredis)",
    );
  }
  rejectUnknownOptions(durable, KNOWN_DURABLE, 'bulk.durable');
  const { connection } = durable;
  if (typeof connection === 'string') {
    if (!/^rediss?:\/\//.test(connection)) {
      throw new InvalidOptionsError(
        'bulk.durable.connection',
        'expected a redis:// or rediss:// URL, or ioredis options { host, port, … }',
      );
    }
  } else if (connection === null || typeof connection !== 'object' || Array.isArray(connection)) {
    throw new InvalidOptionsError(
      'bulk.durable.connection',
      'expected a redis:// or rediss:// URL, or ioredis options { host, port, … }',
    );
  }
  const prefix = durable.prefix ?? 'posta-guvercini';
  if (typeof prefix !== 'string' || prefix === '' || /[{}\s]/.test(prefix)) {
    throw new InvalidOptionsError(
      'bulk.durable.prefix',
      'expected a non-empty string without spaces or braces',
    );
  }
  const queueName = durable.queueName ?? 'bulk-sms';
  if (typeof queueName !== 'string' || !/^[A-Za-z0-9_.-]+$/.test(queueName)) {
    throw new InvalidOptionsError(
      'bulk.durable.queueName',
      'expected letters, digits, ".", "_" or "-"',
    );
  }
  if (durable.worker !== undefined && typeof durable.worker !== 'boolean') {
    throw new InvalidOptionsError('bulk.durable.worker', 'expected true or false');
  }
  return {
    connection,
    prefix,
    queueName,
    worker: durable.worker ?? true,
    lockDurationMs: integer(
      durable.lockDurationMs,
      'bulk.durable.lockDurationMs',
      15_000,
      1_000,
      600_000,
    ),
    stalledIntervalMs: integer(
      durable.stalledIntervalMs,
      'bulk.durable.stalledIntervalMs',
      5_000,
      500,
      600_000,
    ),
    pollIntervalMs: integer(durable.pollIntervalMs, 'bulk.durable.pollIntervalMs', 250, 10, 60_000),
    providerDuplicateWindowMs: integer(
      durable.providerDuplicateWindowMs,
      'bulk.durable.providerDuplicateWindowMs',
      60_000,
      0,
      86_400_000,
    ),
    retentionSeconds: integer(
      durable.retentionSeconds,
      'bulk.durable.retentionSeconds',
      7 * 24 * 3600,
      60,
      365 * 24 * 3600,
    ),
    starterLeaseMs: integer(
      durable.starterLeaseMs,
      'bulk.durable.starterLeaseMs',
      30_000,
      1_000,
      600_000,
    ),
    reconcileMarginMs: timeoutMs + 5_000,
  };
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
