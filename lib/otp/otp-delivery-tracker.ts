import type { Logger } from '@nestjs/common';
import type { SmsTransport } from '../transports/sms-transport.js';
import type { DeliveryReport } from '../transports/sms-transport.types.js';
import { type OtpEventDispatcher, describeChallenge, errorName } from './otp-event-dispatcher.js';
import type { ResolvedDeliveryTracking } from './resolve-otp-options.js';
import type { OtpChallengeRecord, OtpStore } from './stores/otp.store.js';

/** One challenge's delivery polling, in the instance that sent it. */
interface DeliveryTracking {
  timer: NodeJS.Timeout | undefined;
  lastStatus: string | undefined;
}

/**
 * Delivery tracking (`otp.trackDelivery`): polls the provider's delivery status of a
 * challenge's SMS with back-off, until a final status, the challenge's expiry, a newer send of
 * it, or shutdown. Each status read is written to the store (this instance is its only writer)
 * and a final one emits `delivered` or `undelivered`.
 */
export class OtpDeliveryTracker {
  /** Challenge id → its delivery polling (this instance's sends only). */
  readonly #tracking = new Map<string, DeliveryTracking>();
  /** Polls under way, awaited on shutdown so none touches a closed store. */
  readonly #polls = new Set<Promise<void>>();
  #stopped = false;

  constructor(
    private readonly policy: ResolvedDeliveryTracking | undefined,
    private readonly transport: SmsTransport,
    private readonly store: OtpStore,
    private readonly events: OtpEventDispatcher,
    private readonly now: () => number,
    private readonly logger: Logger,
  ) {}

  /** Challenges whose delivery this instance is polling right now. */
  get size(): number {
    return this.#tracking.size;
  }

  /** Starts polling the delivery of `messageId` (replacing any earlier polling of the challenge). */
  track(record: OtpChallengeRecord, messageId: string, resends: number): void {
    const policy = this.policy;
    if (policy === undefined || this.#stopped) return;
    const id = record.challengeId;
    this.stop(id);
    const tracking: DeliveryTracking = { timer: undefined, lastStatus: undefined };
    this.#tracking.set(id, tracking);
    let delay = policy.initialDelayMs;
    const schedule = (): void => {
      tracking.timer = setTimeout(() => {
        tracking.timer = undefined;
        const poll = this.poll(record, messageId, resends, tracking).then((again) => {
          if (!again || this.#stopped || this.#tracking.get(id) !== tracking) {
            if (this.#tracking.get(id) === tracking) this.#tracking.delete(id);
            return;
          }
          delay = Math.min(policy.maxDelayMs, Math.ceil(delay * policy.factor));
          schedule();
        });
        this.#polls.add(poll);
        void poll.finally(() => this.#polls.delete(poll));
      }, delay);
      tracking.timer.unref?.();
    };
    schedule();
  }

  /** Stops polling one challenge (cancelled). */
  stop(challengeId: string): void {
    const tracking = this.#tracking.get(challengeId);
    if (tracking === undefined) return;
    clearTimeout(tracking.timer);
    this.#tracking.delete(challengeId);
  }

  /** Stops every polling and waits for polls under way. */
  async shutdown(): Promise<void> {
    this.#stopped = true;
    for (const tracking of this.#tracking.values()) clearTimeout(tracking.timer);
    this.#tracking.clear();
    await Promise.allSettled([...this.#polls]);
  }

  /** One poll; `true` to poll again. Never throws (a failed read is retried, then given up at expiry). */
  private async poll(
    record: OtpChallengeRecord,
    messageId: string,
    resends: number,
    tracking: DeliveryTracking,
  ): Promise<boolean> {
    const id = record.challengeId;
    const current = (): boolean => !this.#stopped && this.#tracking.get(id) === tracking;
    let report: DeliveryReport | undefined;
    try {
      [report] = await this.transport.status({ channel: 'otp', messageIds: [messageId] });
    } catch (error) {
      this.logger.debug?.(
        `Delivery status of challenge ${id} could not be read (${errorName(error)}); retrying.`,
      );
    }
    if (!current()) return false;
    const now = this.now();
    if (report !== undefined && report.status !== tracking.lastStatus) {
      tracking.lastStatus = report.status;
      const written = await this.store
        .setDelivery(
          id,
          resends,
          { status: report.status, providerCode: report.providerCode, messageId, at: now },
          now,
        )
        .catch((error: unknown) => {
          this.logger.warn(
            `Delivery status of challenge ${id} could not be stored (${errorName(error)}).`,
          );
          return true;
        });
      // Resent (another SMS is tracked now) or forgotten: this one is of no interest any more.
      if (!written || !current()) return false;
      if (report.final && report.status !== 'unknown') {
        const name = report.status === 'delivered' ? 'delivered' : 'undelivered';
        if (this.events.wants(name)) {
          this.events.emit(name, {
            challengeId: id,
            ...describeChallenge(record),
            messageId,
            status: report.status,
            providerCode: report.providerCode,
            at: new Date(now),
          });
        }
      }
    }
    if (report?.final === true) return false;
    // Never outlives the challenge.
    return now < record.expiresAt;
  }
}
