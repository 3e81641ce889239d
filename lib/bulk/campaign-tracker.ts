import { ReplaySubject } from 'rxjs';
import { providerTelemetryOn, recordCampaignOutcomes } from '../telemetry/telemetry.js';
import type { SmsChannel } from '../transports/sms-transport.types.js';
import type { CampaignKind } from './campaign-options.js';
import type { CampaignProgress } from './campaign-progress.js';
import type { CampaignReport, CampaignSchedule } from './campaign-report.js';
import type { RecipientOutcome } from './recipient-outcome.js';
import type { AcceptedRecipients } from './recipient-keys.js';

export interface TrackerOptions {
  readonly campaignId: string;
  readonly kind: CampaignKind;
  readonly channel: SmsChannel;
  readonly reportLimit: number;
  readonly total?: number;
  readonly onRecipient?: (outcome: RecipientOutcome) => void | Promise<void>;
  readonly schedule?: CampaignSchedule;
}

/**
 * Counts a campaign's outcomes, keeps the first `reportLimit` of them, hands every one to the
 * campaign's `onRecipient` (one call at a time, awaited) and publishes progress snapshots.
 * Memory is bounded by `reportLimit` whatever the campaign size.
 */
export class CampaignTracker {
  readonly startedAt = new Date();
  private sent = 0;
  private skipped = 0;
  private failed = 0;
  private requests = 0;
  private credits = 0;
  private total: number | undefined;
  private readonly kept: RecipientOutcome[] = [];
  private truncated = false;
  /** Whether `kept` is sorted by input index. */
  private sorted = true;
  /**
   * Once `kept` was cut back to `reportLimit`, the index of its last outcome: a later outcome
   * with a higher index can never be among the first `reportLimit`, so it is not kept at all.
   */
  private cutoff = Number.POSITIVE_INFINITY;
  private cancelled = false;
  private cancelledRecipients = 0;
  private schedule: CampaignSchedule | undefined;
  private final: CampaignReport | undefined;
  private deliveries: Promise<void> = Promise.resolve();
  private sinkFailed = false;
  // ReplaySubject(1), not BehaviorSubject: a subscriber arriving after the campaign finished
  // still gets the final snapshot before `complete` (a completed BehaviorSubject replays nothing).
  private readonly subject = new ReplaySubject<CampaignProgress>(1);
  private latest: CampaignProgress;

  constructor(private readonly options: TrackerOptions) {
    this.total = options.total;
    this.schedule = options.schedule;
    this.latest = this.snapshot(false);
    // An empty campaign's first snapshot would already be its final one: finish() publishes it.
    if (this.total !== 0) this.subject.next(this.latest);
  }

  get progress$() {
    return this.subject.asObservable();
  }

  get progress(): CampaignProgress {
    return this.latest;
  }

  /** Records outcomes; resolves once `onRecipient` has taken all of them (rejects if it throws). */
  async record(outcomes: readonly RecipientOutcome[], requests = 0, credits = 0): Promise<void> {
    recordCampaignOutcomes(outcomes);
    this.requests += requests;
    this.credits += credits;
    const { reportLimit, onRecipient } = this.options;
    for (const outcome of outcomes) {
      if (outcome.status === 'sent') this.sent++;
      else if (outcome.status === 'skipped') this.skipped++;
      else this.failed++;
      if (outcome.error?.code === 'CAMPAIGN_CANCELLED') this.cancelledRecipients++;
      this.keep(outcome, reportLimit);
    }
    this.progressed();
    if (onRecipient && !this.sinkFailed) {
      // One call at a time even when several batches complete together; after the first
      // failure the callback is not called again (the campaign stops).
      const delivery = this.deliveries.then(async () => {
        if (this.sinkFailed) return;
        try {
          for (const outcome of outcomes) {
            const pending = onRecipient(outcome);
            if (pending && typeof pending.then === 'function') await pending;
          }
        } catch (error) {
          this.sinkFailed = true;
          throw error;
        }
      });
      this.deliveries = delivery.catch(() => undefined);
      await delivery;
    }
  }

  /**
   * Records a keyed batch the provider accepted whole, as `record` would its outcomes: only
   * the outcomes the report keeps are built (with `onRecipient` or metrics, all of them).
   */
  async recordAccepted(
    accepted: AcceptedRecipients,
    requests: number,
    credits: number,
  ): Promise<void> {
    if (this.options.onRecipient || providerTelemetryOn()) {
      return this.record(accepted.outcomes(), requests, credits);
    }
    this.requests += requests;
    this.credits += credits;
    this.sent += accepted.length;
    const reportLimit = this.options.reportLimit;
    for (let i = 0; i < accepted.length; i++) {
      if (reportLimit === 0) {
        this.truncated = true; // what `keep` does with every outcome
        break;
      }
      // An outcome `keep` would drop is not built (`truncated` is already set past the cutoff),
      // and a batch is in input order: past the cutoff, so is the rest of it.
      if (accepted.index(i) > this.cutoff) break;
      this.keep(accepted.outcome(i), reportLimit);
    }
    this.progressed();
  }

  /** Publishes the counts (the snapshot that completes them is left to `finish()`). */
  private progressed(): void {
    const snapshot = this.snapshot(false);
    // The snapshot that completes the count is not published here: `finish()` publishes it
    // once, with `done: true`, so a subscriber sees the final numbers exactly once.
    if (this.total !== undefined && snapshot.processed >= this.total) this.latest = snapshot;
    else this.publish(snapshot);
  }

  /**
   * Keeps the outcomes of the first `reportLimit` recipients in input order. Outcomes arrive in
   * completion order; the list is sorted by `index` and cut back to `reportLimit` whenever it
   * reaches twice that, so memory stays bounded and the work is O(n log reportLimit).
   */
  private keep(outcome: RecipientOutcome, reportLimit: number): void {
    if (reportLimit === 0) {
      this.truncated = true;
      return;
    }
    if (outcome.index > this.cutoff) return; // `truncated` is already set
    this.kept.push(outcome);
    this.sorted = false;
    if (this.kept.length >= 2 * reportLimit) this.trim(reportLimit);
  }

  private trim(reportLimit: number): RecipientOutcome[] {
    if (!this.sorted) {
      this.kept.sort(byIndex);
      this.sorted = true;
    }
    if (this.kept.length > reportLimit) {
      this.kept.length = reportLimit;
      this.truncated = true;
      this.cutoff = this.kept[reportLimit - 1]!.index;
    }
    return this.kept;
  }

  private publish(snapshot: CampaignProgress): void {
    this.latest = snapshot;
    this.subject.next(snapshot);
  }

  /** The input is read: `total` is known (published at once, e.g. for a held campaign). */
  setTotal(total: number): void {
    const changed = this.total !== total;
    this.total = total;
    if (!changed || this.final) return;
    const snapshot = this.snapshot(false);
    // A count already complete is published once, by `finish()`, with `done: true`.
    if (snapshot.processed >= total) this.latest = snapshot;
    else this.publish(snapshot);
  }

  /** The campaign's send time moved (`campaign.reschedule()`, on any instance). */
  rescheduled(sendAt: Date): void {
    if (this.schedule && this.schedule.sendAt.getTime() !== sendAt.getTime())
      this.schedule = { ...this.schedule, sendAt };
  }

  markCancelled(): void {
    this.cancelled = true;
  }

  /** The report as it stands; `finish` also publishes the last snapshot and completes `progress$`. */
  report(): CampaignReport {
    return {
      campaignId: this.options.campaignId,
      kind: this.options.kind,
      channel: this.options.channel,
      total: this.total ?? this.sent + this.skipped + this.failed,
      sent: this.sent,
      skipped: this.skipped,
      failed: this.failed,
      requests: this.requests,
      credits: this.credits,
      startedAt: this.startedAt,
      finishedAt: new Date(),
      cancelled: this.cancelled,
      cancelledRecipients: this.cancelledRecipients,
      ...(this.schedule ? { schedule: this.schedule } : {}),
      recipients: [...this.trim(this.options.reportLimit)],
      recipientsTruncated: this.truncated,
    };
  }

  /** Idempotent: the first call fixes the report; later calls return it again. */
  finish(): CampaignReport {
    if (this.final) return this.final;
    const report = this.report();
    this.final = report;
    this.total = report.total;
    this.publish(this.snapshot(true));
    this.subject.complete();
    return report;
  }

  private snapshot(done: boolean): CampaignProgress {
    return {
      campaignId: this.options.campaignId,
      sent: this.sent,
      skipped: this.skipped,
      failed: this.failed,
      processed: this.sent + this.skipped + this.failed,
      ...(this.total !== undefined ? { total: this.total } : {}),
      requests: this.requests,
      credits: this.credits,
      done,
    };
  }
}

function byIndex(a: RecipientOutcome, b: RecipientOutcome): number {
  return a.index - b.index;
}
