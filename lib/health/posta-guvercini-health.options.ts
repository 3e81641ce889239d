import { SmsValidationError } from '../errors/validation.error.js';
import type { ValidatedModuleOptions } from '../posta-guvercini.options.js';
import type { SmsChannel } from '../transports/sms-transport.types.js';

// The options of the health indicator: the per-call options of `isHealthy()` and their checks,
// and its defaults resolved once from the module options.

const DEFAULT_HEALTH_TIMEOUT_MS = 5_000;

/** Options of `PostaGuverciniHealthIndicator.isHealthy()`. */
export interface PostaGuverciniHealthOptions {
  /**
   * Which accounts to ask for their credit balance.
   * @default the channels that have an account in the module options (`accounts.otp`,
   * `accounts.bulk`); both when none is configured (memory transport or your own transport)
   */
  readonly channels?: readonly SmsChannel[];
  /**
   * Balance below which an account counts as low on credit: one number for every channel or a
   * number per channel (`{ otp: 500, bulk: 50_000 }`). A channel without a threshold is only
   * checked for answering.
   * @default 0 (no threshold)
   */
  readonly creditThreshold?: number | Readonly<Partial<Record<SmsChannel, number>>>;
  /**
   * What a low balance reports. `degraded` is a warning: the check still answers HTTP 200 and
   * the overall status becomes `degraded`. `down` fails the check (HTTP 503). On
   * `@nestjs/terminus` versions without a `degraded` state (11.x), a warning is reported as
   * `up` with `lowCredit: true` in the details.
   * @default 'degraded'
   */
  readonly lowCredit?: 'degraded' | 'down';
  /**
   * Time limit for the credit queries (run in parallel), in milliseconds. An account that does
   * not answer in time is reported as not answering and the check is `down`.
   * @default 5000
   */
  readonly timeoutMs?: number;
}

/**
 * The health indicator's defaults, resolved once from the module options by
 * `resolveHealthOptions` and injected into `PostaGuverciniHealthIndicator`. Internal.
 */
export interface ResolvedHealthOptions {
  /** Channels checked when `isHealthy()` is given none. */
  readonly channels: readonly SmsChannel[];
}

/**
 * The health slice of the (validated) module options: the channels that have an account
 * (`accounts.otp`, `accounts.bulk`), both when none has (memory transport or your own).
 */
export function resolveHealthOptions(options: ValidatedModuleOptions): ResolvedHealthOptions {
  const all: readonly SmsChannel[] = ['otp', 'bulk'];
  const configured = all.filter((channel) => options.accounts?.[channel] !== undefined);
  return Object.freeze({ channels: Object.freeze(configured.length > 0 ? configured : all) });
}

/**
 * The arguments of one `isHealthy()` call, checked (`SmsValidationError`,
 * `INVALID_HEALTH_OPTION`, before any account is asked): the channels to check, what a low
 * balance reports, the time limit, and each channel's threshold.
 */
export function checkHealthRequest(
  key: unknown,
  options: PostaGuverciniHealthOptions,
  defaults: ResolvedHealthOptions,
): {
  channels: readonly SmsChannel[];
  lowCredit: 'degraded' | 'down';
  timeoutMs: number;
  thresholds: (number | undefined)[];
} {
  if (typeof key !== 'string' || key.trim() === '') {
    throw new SmsValidationError(
      'INVALID_HEALTH_OPTION',
      `key must be a non-empty string (the name of the result in the health report); got ${key === null ? 'null' : typeof key}`,
      'key',
    );
  }
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new SmsValidationError(
      'INVALID_HEALTH_OPTION',
      `options must be an object { channels?, creditThreshold?, lowCredit?, timeoutMs? }; got ${options === null ? 'null' : Array.isArray(options) ? 'an array' : typeof options}`,
      'options',
    );
  }
  const channels = channelsOf(options, defaults);
  const lowCredit = options.lowCredit ?? 'degraded';
  if (lowCredit !== 'degraded' && lowCredit !== 'down') {
    throw new SmsValidationError(
      'INVALID_HEALTH_OPTION',
      `lowCredit must be 'degraded' or 'down', got ${JSON.stringify(lowCredit)}`,
      'lowCredit',
    );
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS;
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1) {
    throw new SmsValidationError(
      'INVALID_HEALTH_OPTION',
      'timeoutMs must be a positive integer number of milliseconds',
      'timeoutMs',
    );
  }
  const thresholds = channels.map((channel) => thresholdOf(options.creditThreshold, channel));
  return { channels, lowCredit, timeoutMs, thresholds };
}

function channelsOf(
  options: PostaGuverciniHealthOptions,
  defaults: ResolvedHealthOptions,
): readonly SmsChannel[] {
  if (options.channels !== undefined) {
    const channels = options.channels as unknown;
    if (
      !Array.isArray(channels) ||
      channels.length === 0 ||
      !(channels as unknown[]).every(isChannel)
    ) {
      throw new SmsValidationError(
        'INVALID_HEALTH_OPTION',
        "channels must be a non-empty list of 'otp' and/or 'bulk'",
        'channels',
      );
    }
    return [...new Set(channels as SmsChannel[])];
  }
  return defaults.channels;
}

function isChannel(value: unknown): value is SmsChannel {
  return value === 'otp' || value === 'bulk';
}

function thresholdOf(
  threshold: PostaGuverciniHealthOptions['creditThreshold'],
  channel: SmsChannel,
): number | undefined {
  const value =
    typeof threshold === 'object' && threshold !== null ? threshold[channel] : threshold;
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new SmsValidationError(
      'INVALID_HEALTH_OPTION',
      'creditThreshold must be a non-negative number or { otp?: number, bulk?: number }',
      'creditThreshold',
    );
  }
  return value === 0 ? undefined : value;
}
