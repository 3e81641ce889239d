import type { Observable } from 'rxjs';
import type { CampaignProgress } from './campaign-progress.js';
import type { CampaignReport } from './campaign-report.js';

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
 * (`BulkCampaignError`, with the report so far). `progress$` replays the latest snapshot to
 * new subscribers, emits after every batch, and completes (never errors) when the campaign ends;
 * the final snapshot (`done: true`, every recipient processed) is emitted exactly once. `sent`
 * counts recipients accepted by the provider; delivery is reported by `BulkSmsService.status()`.
 */
export class Campaign {
  constructor(
    /** Campaign id (a UUID); in durable mode the key to `BulkSmsService.attach()`. */
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
  ) {}

  /** The latest progress snapshot. */
  get progress(): CampaignProgress {
    return this.current();
  }

  /**
   * Stops the campaign: no more recipients are read and nothing more is sent. Requests already
   * on the wire finish and are reported; recipients read but not sent are reported `failed`
   * with `reason: 'aborted'`; the report has `cancelled: true` and `total` counts the
   * recipients read. In durable mode, batches already queued are still sent by the workers.
   */
  cancel(): void {
    this.onCancel();
  }
}
