import { Inject, Injectable } from '@nestjs/common';
import { PostaGuverciniError } from '../errors/posta-guvercini.error.js';
import { SmsValidationError } from '../errors/validation.error.js';
import { RESOLVED_HEALTH_OPTIONS } from '../posta-guvercini.constants.js';
import { loadOptionalPeer } from '../optional-peer.js';
import { SmsTransport } from '../transports/sms-transport.js';
import type { SmsChannel } from '../transports/sms-transport.types.js';
import { recordCreditBalance } from '../telemetry/telemetry.js';
import type {
  PostaGuverciniHealthOptions,
  ResolvedHealthOptions,
} from './posta-guvercini-health.options.js';

/** What one account answered to the credit query. */
export type PostaGuverciniAccountHealth =
  | {
      readonly answered: true;
      /** Remaining credit; `'unlimited'` for a transport without a limit (memory). */
      readonly balance: number | 'unlimited';
      /** The threshold this balance was compared with, when one applies. */
      readonly threshold?: number;
      readonly lowCredit: boolean;
      /**
       * Present when the account has no credit left (balance ≤ 0): the provider keeps
       * accepting messages (XML, SOAP, JSON) but holds them with status 110, delivery status
       * `'waiting_credit'`, until credit is loaded — accepted, not sent. Counts as low credit
       * whatever the threshold.
       */
      readonly waitingForCredit?: true;
    }
  | {
      readonly answered: false;
      /** The error's stable code, e.g. `TRANSPORT_TIMEOUT`, `PROVIDER_ERROR`. */
      readonly error: string;
      /** What went wrong, in words. Never contains a password or a credential-bearing URL. */
      readonly message: string;
    };

/** Status of the indicator, as `@nestjs/terminus` understands it. */
export type PostaGuverciniHealthStatus = 'up' | 'degraded' | 'down';

/**
 * The indicator's result, shaped like terminus' `HealthIndicatorResult`: under `key`, the
 * status, one entry per checked channel and, when not `up`, a `message`.
 */
export type PostaGuverciniHealthResult<Key extends string = string> = Record<
  Key,
  {
    status: PostaGuverciniHealthStatus;
    otp?: PostaGuverciniAccountHealth;
    bulk?: PostaGuverciniAccountHealth;
    message?: string;
    /** Only on terminus versions without `degraded`: the `up` result carries the warning. */
    lowCredit?: boolean;
  }
>;

/** The part of terminus' `HealthIndicatorSession` this indicator uses (`degraded` is 12.x). */
interface TerminusSession {
  up(data: Record<string, unknown>): Record<string, unknown>;
  down(data: Record<string, unknown>): Record<string, unknown>;
  degraded?(data: Record<string, unknown>): Record<string, unknown>;
}
interface TerminusHealthIndicatorService {
  check(key: string): TerminusSession;
}

const DEFAULT_KEY = 'posta_guvercini';
const DEFAULT_HEALTH_TIMEOUT_MS = 5_000;

let terminusService: Promise<TerminusHealthIndicatorService> | undefined;

/**
 * Loads `@nestjs/terminus` (an optional peer dependency) the first time a check runs, so that
 * applications without health checks never need it. `HealthIndicatorService` arrived in
 * terminus 11; older majors only have the deprecated `HealthIndicator` base class.
 */
function loadTerminus(): Promise<TerminusHealthIndicatorService> {
  terminusService ??= loadOptionalPeer<{ HealthIndicatorService: new () => unknown }>(
    '@nestjs/terminus',
    'PostaGuverciniHealthIndicator',
    () => import('@nestjs/terminus'),
    'HealthIndicatorService',
  ).then(
    ({ HealthIndicatorService }) => new HealthIndicatorService() as TerminusHealthIndicatorService,
    (error: unknown) => {
      terminusService = undefined;
      throw error;
    },
  );
  return terminusService;
}

/**
 * A `@nestjs/terminus` health indicator for the Posta Güvercini accounts: asks each configured
 * account for its credit balance (one light request per channel, in parallel) and reports
 * `down` when an account does not answer (wrong credentials, host unreachable, timeout) and a
 * warning (`degraded`, or `down` if you choose) when a balance is below `creditThreshold` — or
 * when it is used up, whatever the threshold: the provider then holds new messages with status
 * 110 (`waitingForCredit: true` on the account, delivery status `'waiting_credit'`).
 *
 * `@nestjs/terminus` is an optional peer dependency, loaded only when a check runs.
 *
 * ```ts
 * @Module({ imports: [TerminusModule], controllers: [HealthController], providers: [PostaGuverciniHealthIndicator] })
 * export class HealthModule {}
 *
 * @Controller('health')
 * export class HealthController {
 *   constructor(private readonly health: HealthCheckService, private readonly sms: PostaGuverciniHealthIndicator) {}
 *   @Get() @HealthCheck()
 *   check() {
 *     return this.health.check([() => this.sms.isHealthy('sms', { creditThreshold: { otp: 500, bulk: 10_000 } })]);
 *   }
 * }
 * ```
 */
@Injectable()
export class PostaGuverciniHealthIndicator {
  constructor(
    private readonly transport: SmsTransport,
    /** Its defaults, resolved once from the module options (`resolveHealthOptions`). */
    @Inject(RESOLVED_HEALTH_OPTIONS)
    private readonly defaults: ResolvedHealthOptions,
  ) {}

  /** What `console.log` / `util.inspect` show: no options (they hold the passwords). */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `PostaGuverciniHealthIndicator { transport: ${JSON.stringify(this.transport.name)} }`;
  }

  /** What `JSON.stringify` shows: no options. */
  toJSON(): Record<string, unknown> {
    return { name: 'PostaGuverciniHealthIndicator', transport: this.transport.name };
  }

  /**
   * Checks the accounts. Never throws for an account that does not answer (that is a `down`
   * result); throws `SmsValidationError` for wrong options and `MissingDependencyError`
   * (`MISSING_PEER_DEPENDENCY`) when `@nestjs/terminus` (11 or later) is not installed.
   * @param key the key of the result in the health report. @default 'posta_guvercini'
   */
  async isHealthy<const Key extends string = typeof DEFAULT_KEY>(
    key: Key = DEFAULT_KEY as Key,
    options: PostaGuverciniHealthOptions = {},
  ): Promise<PostaGuverciniHealthResult<Key>> {
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
    const channels = this.channelsOf(options);
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
    const session = (await loadTerminus()).check(key);

    const accounts = await Promise.all(
      channels.map((channel, i) => this.checkAccount(channel, thresholds[i], timeoutMs)),
    );
    const details: Record<string, unknown> = {};
    channels.forEach((channel, i) => (details[channel] = accounts[i]));

    const silent = channels.filter((_, i) => !accounts[i]!.answered);
    if (silent.length > 0) {
      const reasons = silent.map((channel) => {
        const account = accounts[channels.indexOf(channel)] as Extract<
          PostaGuverciniAccountHealth,
          { answered: false }
        >;
        return `${channel} account: ${account.message}`;
      });
      return session.down({
        ...details,
        message: `Posta Güvercini did not answer (${reasons.join('; ')})`,
      }) as PostaGuverciniHealthResult<Key>;
    }
    const low = channels.filter((_, i) => (accounts[i] as { lowCredit: boolean }).lowCredit);
    if (low.length === 0) return session.up(details) as PostaGuverciniHealthResult<Key>;

    const waiting = channels.filter(
      (_, i) => (accounts[i] as { waitingForCredit?: true }).waitingForCredit === true,
    );
    const message =
      waiting.length > 0
        ? `Posta Güvercini has no credit on the ${waiting.join(' and ')} account${waiting.length > 1 ? 's' : ''}: nothing is sent until it is topped up (messages accepted meanwhile wait with status 110, waiting_credit)`
        : `Posta Güvercini credit is low on the ${low.join(' and ')} account${low.length > 1 ? 's' : ''}: top up before sending stops`;
    if (lowCredit === 'down')
      return session.down({ ...details, message }) as PostaGuverciniHealthResult<Key>;
    if (typeof session.degraded === 'function') {
      return session.degraded({ ...details, message }) as PostaGuverciniHealthResult<Key>;
    }
    return session.up({ ...details, lowCredit: true, message }) as PostaGuverciniHealthResult<Key>;
  }

  private channelsOf(options: PostaGuverciniHealthOptions): readonly SmsChannel[] {
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
    return this.defaults.channels;
  }

  private async checkAccount(
    channel: SmsChannel,
    threshold: number | undefined,
    timeoutMs: number,
  ): Promise<PostaGuverciniAccountHealth> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new PostaGuverciniError('HEALTH_TIMEOUT', `no credit balance within ${timeoutMs} ms`),
          ),
        timeoutMs,
      );
    });
    try {
      const { balance } = await Promise.race([this.transport.credit(channel), timeout]);
      recordCreditBalance(channel, balance);
      const empty = balance <= 0;
      const isLow = empty || (threshold !== undefined && balance < threshold);
      return {
        answered: true,
        balance: Number.isFinite(balance) ? balance : 'unlimited',
        ...(threshold !== undefined ? { threshold } : {}),
        lowCredit: isLow,
        ...(empty ? { waitingForCredit: true as const } : {}),
      };
    } catch (error) {
      return {
        answered: false,
        error: error instanceof PostaGuverciniError ? error.code : 'UNKNOWN',
        // The package's errors never carry secrets; anything else (a custom transport's error)
        // may, and health reports are often public: only its class name is shown.
        message:
          error instanceof PostaGuverciniError
            ? error.message
            : `unexpected ${error instanceof Error ? error.name : typeof error} from the transport`,
      };
    } finally {
      clearTimeout(timer);
    }
  }
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
