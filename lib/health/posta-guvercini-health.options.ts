import type { ValidatedModuleOptions } from '../posta-guvercini.options.js';
import type { SmsChannel } from '../transports/sms-transport.types.js';

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
