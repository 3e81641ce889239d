import { MAX_RECIPIENTS_PER_REQUEST } from '../posta-guvercini.constants.js';
import type { SmsTransport } from '../transports/sms-transport.js';
import type { DeliveryReport, SmsChannel } from '../transports/sms-transport.types.js';

/**
 * The one place bulk status queries are batched: ids go to `SmsTransport.status` in requests
 * of at most 800, at most `concurrency` requests in flight. `BulkSmsService.status()`, the
 * delivery collector (in process and in the durable worker) and the durable reconciliation all
 * query through it. (A transport whose API takes one id per request — HTTP — fans a request out
 * itself; this batcher bounds how many such requests are open.)
 */
export class StatusBatcher {
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly transport: SmsTransport,
    private readonly channel: SmsChannel,
    private readonly concurrency: number,
  ) {}

  /** Every id's report, in the order given; rejects with the first failed request's error. */
  async all(messageIds: readonly string[]): Promise<DeliveryReport[]> {
    const results = new Array<DeliveryReport[]>(
      Math.ceil(messageIds.length / MAX_RECIPIENTS_PER_REQUEST),
    );
    let failure: { error: unknown } | undefined;
    for (let at = 0, chunk = 0; at < messageIds.length && !failure; chunk++) {
      const ids = messageIds.slice(at, (at += MAX_RECIPIENTS_PER_REQUEST));
      await this.submit(ids, (reports, error) => {
        if (reports) results[chunk] = reports;
        else failure ??= { error };
      });
    }
    await this.drain();
    if (failure) throw failure.error;
    return results.flat();
  }

  /**
   * Queries one chunk (≤ 800 ids) once a slot is free; resolves when it is under way.
   * `settle` gets the reports, or `undefined` and the error (it must not throw).
   */
  async submit(
    messageIds: readonly string[],
    settle: (reports: DeliveryReport[] | undefined, error?: unknown) => void,
  ): Promise<void> {
    while (this.inFlight.size >= this.concurrency) await Promise.race(this.inFlight);
    const task: Promise<void> = this.transport
      .status({ channel: this.channel, messageIds })
      .then(
        (reports) => settle(reports),
        (error: unknown) => settle(undefined, error),
      )
      .finally(() => this.inFlight.delete(task));
    this.inFlight.add(task);
  }

  /** Waits for every submitted chunk. */
  async drain(): Promise<void> {
    await Promise.all(this.inFlight);
  }
}
