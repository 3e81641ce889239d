import { Inject, Injectable } from '@nestjs/common';
import { PostaGuverciniError } from '../errors/posta-guvercini.error.js';
import { RESOLVED_HEALTH_OPTIONS } from '../posta-guvercini.constants.js';
import { SmsTransport } from '../transports/sms-transport.js';
import type { SmsChannel } from '../transports/sms-transport.types.js';
import { recordCreditBalance } from '../telemetry/telemetry.js';
import { loadTerminus } from './health-terminus.js';
import {
  type PostaGuverciniHealthOptions,
  type ResolvedHealthOptions,
  checkHealthRequest,
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

const DEFAULT_KEY = 'posta_guvercini';

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
    const { channels, lowCredit, timeoutMs, thresholds } = checkHealthRequest(
      key,
      options,
      this.defaults,
    );
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
