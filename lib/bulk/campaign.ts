import type { Observable } from 'rxjs';
import type { CampaignProgress } from './campaign-progress.js';
import { BulkCampaignError } from '../errors/bulk.errors.js';
import { CampaignStateError } from '../errors/campaign.errors.js';
import { PostaGuverciniError } from '../errors/posta-guvercini.error.js';
import type { CampaignReport } from './campaign-report.js';
import type { DeliveryCollection, DeliveryOptions } from './delivery-collector.js';

/** What a campaign handle can do beyond following (set by `BulkSmsService`). */
export interface CampaignOperations {
  /** Replaces the default cancel (stop + wait for the report). */
  readonly cancel?: () => Promise<CampaignReport>;
  readonly reschedule?: (sendAt: Date) => Promise<void>;
  readonly deliveries?: (options: DeliveryOptions) => DeliveryCollection;
  /** The campaign's `campaignKey`, when it has one. */
  readonly key?: string;
}

/**
 * A running campaign, returned at once by `BulkSmsService.send()` / `sendEach()`.
 *
 * ```ts
 * const campaign = bulk.send({ to: customers(), text: 'Kargonuz yola çıktı', kind: 'informational' });
 * campaign.progress$.subscribe((p) => log(`${p.processed}/${p.total ?? '?'}`));
 * const report = await campaign.done; // { sent, skipped, failed, recipients: [...] }
 * ```
 *
 * `done` resolves with the final report whatever happened to individual recipients (a bad
 * number is reported, never thrown); it rejects only when the campaign as a whole had to stop
 * (`BulkCampaignError`, with the report so far), or, for a request whose `campaignKey` is held
 * by a different campaign, with `CampaignKeyConflictError`. `progress$` replays the latest
 * snapshot to new subscribers, emits after every batch, and completes (never errors) when the
 * campaign ends; the final snapshot (`done: true`, every recipient processed) is emitted exactly
 * once. `sent` counts recipients accepted by the provider; delivery is reported by
 * `BulkSmsService.status()` and `deliveries()`. Beyond following: `cancel()`, `reschedule()`
 * and `deliveries()` (see docs/campaigns.md).
 */
export class Campaign {
  constructor(
    /**
     * Campaign id (a UUID); in durable mode the key to `BulkSmsService.attach()` /
     * `campaign()`. A durable campaign with a `campaignKey` has an id derived from the key.
     */
    readonly id: string,
    /**
     * Progress snapshots: `sent` (accepted by the provider), `skipped`, `failed`, `total` (when
     * known), `done`. The final one (`done: true`) is emitted once and replayed to late
     * subscribers.
     */
    readonly progress$: Observable<CampaignProgress>,
    /** The final report. */
    readonly done: Promise<CampaignReport>,
    private readonly onCancel: () => void,
    private readonly current: () => CampaignProgress,
    private readonly operations: CampaignOperations = {},
  ) {}

  /** The `campaignKey` the campaign was started with, if any. */
  get key(): string | undefined {
    return this.operations.key;
  }

  /** The latest progress snapshot. */
  get progress(): CampaignProgress {
    return this.current();
  }

  /**
   * Stops the campaign and resolves with its final report (`cancelled: true`;
   * `cancelledRecipients` counts the recipients not sent because of it).
   *
   * - In process: no more recipients are read and nothing more is sent. Requests already on
   *   the wire finish and are reported; recipients read but not sent are reported `failed`
   *   with `reason: 'aborted'` (error code `CAMPAIGN_CANCELLED`); `total` counts the
   *   recipients read. Messages the provider already holds for a `sendAt` are not recalled
   *   (no attested cancel call; the report's `schedule` says so).
   * - Durable mode, from any instance: the starting process stops reading, and every batch
   *   still waiting in the queue is removed at once and reported `aborted` /
   *   `CAMPAIGN_CANCELLED`; batches already with a worker finish. A campaign held for its
   *   `sendAt` (see `bulk.holdScheduledOverSeconds`) is cancelled whole until its first batch
   *   leaves; after that, `cancel()` rejects with `CampaignStateError`
   *   `CAMPAIGN_ALREADY_STARTED`.
   *
   * The returned promise may be ignored (a refusal is then not an unhandled rejection).
   */
  cancel(): Promise<CampaignReport> {
    const result = this.operations.cancel
      ? this.operations.cancel()
      : (this.onCancel(),
        this.done.catch((error: unknown) => {
          if (error instanceof BulkCampaignError) return error.report;
          throw error;
        }));
    result.catch(() => undefined);
    return result;
  }

  /**
   * Durable mode, campaigns held in the package's queue (`sendAt` later than
   * `bulk.holdScheduledOverSeconds`): moves the send time. Works until the first batch leaves;
   * then rejects with `CampaignStateError` `CAMPAIGN_ALREADY_STARTED`. Other campaigns
   * (in-process, or scheduled at the provider, or sending now) reject with
   * `CAMPAIGN_NOT_RESCHEDULABLE`. `sendAt` must be in the future, and `validUntil` (if the
   * campaign has one) must stay after it and within 24 h (`SmsValidationError`).
   */
  reschedule(sendAt: Date): Promise<void> {
    const result = this.operations.reschedule
      ? this.operations.reschedule(sendAt)
      : Promise.reject(
          new CampaignStateError(
            'CAMPAIGN_NOT_RESCHEDULABLE',
            'Only durable campaigns held in the package queue (sendAt later than bulk.holdScheduledOverSeconds) can be rescheduled; messages scheduled at the provider cannot be moved (no attested API)',
            this.id,
          ),
        );
    result.catch(() => undefined);
    return result;
  }

  /**
   * Delivery report of the campaign: polls the provider's status of its accepted messages
   * (≤ 800 ids per request where the API takes several, with back-off and bounded
   * concurrency) until every message is final or `until` passes. Returns at once; follow
   * `progress$`, await `done` for counts per `DeliveryStatus` and the non-delivered
   * recipients. In process it starts after the campaign is done and needs every message id in
   * the report (`reportLimit` ≥ the campaign's size); in durable mode the ids are read from
   * Redis and the collection runs as a job that survives restarts.
   */
  deliveries(options: DeliveryOptions = {}): DeliveryCollection {
    if (!this.operations.deliveries) {
      throw new PostaGuverciniError(
        'DELIVERIES_UNAVAILABLE',
        'deliveries() is not available on this handle',
      );
    }
    return this.operations.deliveries(options);
  }
}

/** The report of a campaign that stopped as a whole is the one its error carries. */
export function reportOf(done: Promise<CampaignReport>): Promise<CampaignReport> {
  return done.catch((error: unknown) => {
    if (error instanceof BulkCampaignError) return error.report;
    throw error;
  });
}
