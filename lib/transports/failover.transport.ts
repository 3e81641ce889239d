import {
  BrokenCircuitError,
  type CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleWhen,
  IsolatedCircuitError,
} from 'cockatiel';
import type { PostaGuverciniError } from '../errors/posta-guvercini.error.js';
import { asPackageError } from '../errors/as-package-error.js';
import { SmsCircuitOpenError, SmsPartialSendError } from '../errors/transport.error.js';
import { InvalidOptionsError } from '../errors/validation.error.js';
import { loadTelemetry, recordBreakerState } from '../telemetry/telemetry.js';
import { SmsTransport } from './sms-transport.js';
import {
  type CreditBalance,
  type DeliveryReport,
  type RecipientResult,
  type SendRequest,
  type SendResult,
  type SmsChannel,
  type StatusRequest,
  isManyToMany,
} from './sms-transport.types.js';
import { isOutage, countsAsOutage, firstFailure, maybeAccepted } from './failover-outage.js';
import type { FailoverMemberState, FailoverTransportOptions } from './failover.options.js';

export type {
  FailoverBreakerOptions,
  FailoverMemberState,
  FailoverTransportOptions,
} from './failover.options.js';

const STATE_NAMES: Readonly<Record<CircuitState, FailoverMemberState>> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Isolated]: 'isolated',
};

interface Member {
  readonly transport: SmsTransport;
  readonly label: string;
  readonly breaker: CircuitBreakerPolicy;
}

/**
 * Ordered fallback over several transports (e.g. JSON first, XML second), each behind its own
 * circuit breaker (cockatiel `ConsecutiveBreaker`).
 *
 * What moves a call on to the next transport: connection-level failures and provider outages
 * — timeouts, resets, refused connections, HTTP 5xx, malformed replies, the provider's own
 * API/database error codes — and a member whose breaker is open. What never does: provider
 * application errors (invalid number, wrong credentials, too many recipients, insufficient
 * credit) and validation errors; those are thrown as they are.
 *
 * A send is never repeated on another transport when the provider may already have accepted
 * it (`maybeAccepted`), unless `resendWhenMaybeAccepted` is true. When a multi-request send
 * fails part-way (`SmsPartialSendError`), only its recipients that were provably not sent (and,
 * if allowed, the maybe-accepted ones) go on to the next transport; the results are merged.
 * Status and credit queries are always safe to retry.
 *
 * Transports are tried in the order given; `close()` closes them all.
 */
export class FailoverTransport extends SmsTransport {
  readonly name = 'failover';
  private readonly members: readonly Member[];
  private readonly resendWhenMaybeAccepted: boolean;

  constructor(transports: SmsTransport[], options: FailoverTransportOptions = {}) {
    super();
    if (
      !Array.isArray(transports) ||
      transports.length === 0 ||
      transports.some((t) => !(t instanceof SmsTransport))
    ) {
      throw new InvalidOptionsError(
        'transports',
        'FailoverTransport needs a non-empty array of SmsTransport instances, in order of preference',
      );
    }
    if (options === null || typeof options !== 'object' || Array.isArray(options)) {
      throw new InvalidOptionsError(
        'options',
        'expected { breaker?: { threshold?, halfOpenAfterMs? }, resendWhenMaybeAccepted? } or nothing',
      );
    }
    const threshold = options.breaker?.threshold ?? 5;
    const halfOpenAfterMs = options.breaker?.halfOpenAfterMs ?? 30_000;
    if (!Number.isInteger(threshold) || threshold < 1)
      throw new InvalidOptionsError('breaker.threshold', 'expected an integer ≥ 1');
    if (!Number.isFinite(halfOpenAfterMs) || halfOpenAfterMs < 0) {
      throw new InvalidOptionsError(
        'breaker.halfOpenAfterMs',
        'expected a number of milliseconds ≥ 0',
      );
    }
    this.resendWhenMaybeAccepted = options.resendWhenMaybeAccepted === true;
    this.members = transports.map((transport, index) => ({
      transport,
      label: `${index}:${transport.name}`,
      breaker: circuitBreaker(handleWhen(countsAsOutage), {
        halfOpenAfter: halfOpenAfterMs,
        breaker: new ConsecutiveBreaker(threshold),
      }),
    }));
    for (const { label, breaker } of this.members)
      breaker.onStateChange((state) => recordBreakerState(label, STATE_NAMES[state]));
    void loadTelemetry();
  }

  /** The member transports, in order of preference. */
  get transports(): readonly SmsTransport[] {
    return this.members.map((member) => member.transport);
  }

  /** Breaker state of each member, in order (`open` = skipped until its trial request). */
  get states(): readonly FailoverMemberState[] {
    return this.members.map((member) => STATE_NAMES[member.breaker.state]);
  }

  async send(request: SendRequest): Promise<SendResult> {
    return this.sendFrom(0, request);
  }

  /**
   * A text is accepted only when every member can carry it, since any of them may end up
   * sending it.
   */
  override assertText(text: string, field = 'text'): void {
    for (const member of this.members) member.transport.assertText(text, field);
  }

  /** What logs and `JSON.stringify` show: members and breaker states (members show no credentials). */
  toJSON(): {
    transport: 'failover';
    members: { transport: unknown; state: FailoverMemberState }[];
  } {
    const states = this.states;
    return {
      transport: 'failover',
      members: this.members.map((member, i) => ({
        transport:
          typeof (member.transport as { toJSON?: unknown }).toJSON === 'function'
            ? member.transport
            : member.transport.name,
        state: states[i]!,
      })),
    };
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `FailoverTransport ${JSON.stringify(this.toJSON())}`;
  }

  async status(request: StatusRequest): Promise<DeliveryReport[]> {
    return this.query((transport) => transport.status(request));
  }

  async credit(channel: SmsChannel): Promise<CreditBalance> {
    return this.query((transport) => transport.credit(channel));
  }

  override async close(): Promise<void> {
    const results = await Promise.allSettled(
      this.members.map((member) => member.transport.close()),
    );
    const failure = results.find(
      (result): result is PromiseRejectedResult => result.status === 'rejected',
    );
    if (failure) throw failure.reason;
  }

  private async sendFrom(start: number, request: SendRequest): Promise<SendResult> {
    let lastError: Error | undefined;
    const skipped: string[] = [];
    for (let i = start; i < this.members.length; i++) {
      const member = this.members[i]!;
      try {
        return await member.breaker.execute(() => member.transport.send(request));
      } catch (error) {
        if (error instanceof BrokenCircuitError || error instanceof IsolatedCircuitError) {
          skipped.push(member.label);
          continue;
        }
        if (error instanceof SmsPartialSendError && i + 1 < this.members.length) {
          return this.resendRest(i + 1, request, error);
        }
        if (!isOutage(error) || (maybeAccepted(error) && !this.resendWhenMaybeAccepted))
          throw error;
        lastError = error as Error;
      }
    }
    throw lastError ?? new SmsCircuitOpenError(skipped);
  }

  /** Sends the recipients of a partial failure that may go to the next transports; merges. */
  private async resendRest(
    next: number,
    request: SendRequest,
    partial: SmsPartialSendError,
  ): Promise<SendResult> {
    const entries = partial.result.recipients;
    const positions: number[] = [];
    entries.forEach((entry, i) => {
      if (
        entry.status === 'failed' &&
        isOutage(entry.error) &&
        (!maybeAccepted(entry.error) || this.resendWhenMaybeAccepted)
      ) {
        positions.push(i);
      }
    });
    if (positions.length === 0) throw partial;
    const rest: SendRequest = isManyToMany(request)
      ? { ...request, messages: positions.map((i) => request.messages[i]!) }
      : { ...request, to: positions.map((i) => request.to[i]!) };
    let retried: SendResult;
    let failure: PostaGuverciniError | undefined;
    try {
      retried = await this.sendFrom(next, rest);
    } catch (error) {
      if (error instanceof SmsPartialSendError) {
        retried = error.result;
        failure = asPackageError(error.cause);
      } else {
        failure = asPackageError(error);
        const failedAgain = failure;
        retried = {
          recipients: positions.map((i): RecipientResult => ({
            to: entries[i]!.to,
            status: 'failed',
            error: failedAgain,
          })),
          credits: 0,
          requests: 0,
          providerCodes: [],
        };
      }
    }
    const recipients = [...entries];
    positions.forEach((position, k) => (recipients[position] = retried.recipients[k]!));
    const merged: SendResult = {
      recipients,
      credits: partial.result.credits + retried.credits,
      requests: partial.result.requests + retried.requests,
      providerCodes: [...partial.result.providerCodes, ...retried.providerCodes],
    };
    const cause = failure ?? firstFailure(recipients);
    if (cause !== undefined) throw new SmsPartialSendError(merged, cause);
    return merged;
  }

  /** Status and credit: safe to repeat, so any outage moves on. */
  private async query<T>(call: (transport: SmsTransport) => Promise<T>): Promise<T> {
    let lastError: Error | undefined;
    const skipped: string[] = [];
    for (const member of this.members) {
      try {
        return await member.breaker.execute(() => call(member.transport));
      } catch (error) {
        if (error instanceof BrokenCircuitError || error instanceof IsolatedCircuitError) {
          skipped.push(member.label);
          continue;
        }
        if (!isOutage(error)) throw error;
        lastError = error as Error;
      }
    }
    throw lastError ?? new SmsCircuitOpenError(skipped);
  }
}
