import { BulkCampaignError, campaignInputFailed, countOf } from '../../errors/bulk.errors.js';
import { CampaignKeyConflictError } from '../../errors/campaign.errors.js';
import { PostaGuverciniError } from '../../errors/posta-guvercini.error.js';
import type { InputHash } from '../campaign-fingerprint.js';
import type { InputSummary } from '../campaign-keys.js';
import type { CampaignReport } from '../campaign-report.js';
import type { CampaignSettings } from '../campaign-rules.js';
import type { CampaignTracker } from '../campaign-tracker.js';
import { abortedOutcomes } from '../outcomes.js';
import type { RecipientOutcome } from '../recipient-outcome.js';
import type { PipelineEvent } from '../recipient-pipeline.js';
import type { RunControl } from '../run-control.js';
import type { CampaignFollower, FollowState } from './campaign-follower.js';
import { type BatchJob, type DurableContext, withReport } from './durable-context.js';
import { activeTraceParent } from '../../telemetry/trace-carrier.js';

/** What a keyed run needs: the lease, the input hash, and for a resume what to skip. */
export interface KeyedRun {
  readonly token: string;
  readonly epoch: string;
  readonly leaseMs: number;
  readonly hash: InputHash;
  readonly summary: Promise<InputSummary>;
  readonly stopLease: () => void;
  readonly resume?: { readonly batches: number };
}

/**
 * The producer: streams a campaign's input through the pipeline in the starting process and
 * queues each batch as a BullMQ job (`campaignId_n`) instead of sending it, fenced by the
 * starter's lease for a keyed campaign; follows the results meanwhile (`CampaignFollower`).
 */
export class CampaignProducer {
  constructor(
    private readonly ctx: DurableContext,
    private readonly follower: CampaignFollower,
  ) {}

  /** Starts a campaign: queues its batches and follows their results. */
  async run(params: {
    readonly campaignId: string;
    readonly settings: CampaignSettings;
    readonly text: string | undefined;
    readonly pipeline: AsyncGenerator<PipelineEvent, void, undefined>;
    readonly tracker: CampaignTracker;
    readonly control: RunControl;
    /** Held in the queue until this time (ms), see `bulk.holdScheduledOverSeconds`. */
    readonly holdUntil?: number;
    /** A keyed campaign: queueing is fenced by the starter's lease. */
    readonly keyed?: KeyedRun;
  }): Promise<CampaignReport> {
    const { campaignId, settings, text, pipeline, tracker, control, keyed } = params;
    const jobPrefix = keyed ? `${campaignId}.${keyed.epoch}` : campaignId;
    try {
      // (A resumed campaign whose meta never got written — its starter died at once — starts afresh.)
      if (!keyed?.resume || !(await this.ctx.store.get(campaignId))) {
        await this.ctx.store.create(campaignId, settings, text, activeTraceParent());
        await this.ctx.control.setFields(campaignId, {
          jobPrefix,
          ...(params.holdUntil !== undefined ? { holdUntil: String(params.holdUntil) } : {}),
        });
      }
    } catch (error) {
      await pipeline.return();
      throw new BulkCampaignError(
        'CAMPAIGN_QUEUE_FAILED',
        `Campaign ${campaignId} could not be created in Redis; nothing was read or sent: ${this.ctx.describe(error)}`,
        tracker.finish(),
        { cause: this.ctx.safe(error) },
      );
    }
    let batches = keyed?.resume?.batches ?? 0;
    let enqueued = false;
    let inputError: unknown;
    let inputFailed = false;
    const state: FollowState = { batches: async () => ({ batches, enqueued }) };
    const following = this.follower.follow(campaignId, tracker, state);
    const settle = async (outcomes: RecipientOutcome[]): Promise<void> => {
      await this.ctx.store.addSettled(campaignId, outcomes);
      await this.follower.recordOrStop(tracker, state, outcomes);
      if (state.error)
        control.cancel(
          new PostaGuverciniError(
            'CAMPAIGN_STOPPED',
            'Not sent: the campaign stopped because its onRecipient callback threw',
          ),
        );
    };
    let queueError: unknown;
    try {
      for await (const event of pipeline) {
        if (this.ctx.closed)
          control.cancel(
            new PostaGuverciniError(
              'CAMPAIGN_STOPPED',
              'Not sent: the application shut down while the campaign was being queued',
            ),
          );
        if (event.type === 'settled') {
          await settle(event.outcomes);
        } else if (event.type === 'batch') {
          if (control.stopReason) {
            await settle(abortedOutcomes(event.recipients, control.stopReason));
            continue;
          }
          if (await this.ctx.control.controlFields(campaignId).then((f) => f.cancelRequested)) {
            control.cancel();
            await settle(abortedOutcomes(event.recipients, control.stopReason!));
            continue;
          }
          const r = event.recipients.map((r): BatchJob['r'][number] =>
            r.text === undefined ? [r.to, r.index] : [r.to, r.index, r.text],
          );
          const delay =
            params.holdUntil !== undefined ? Math.max(0, params.holdUntil - Date.now()) : 0;
          if (keyed) {
            const n = await this.ctx.control.reserveBatch(campaignId, keyed.token, keyed.leaseMs);
            if (n < 0) throw new Error('another process took over this campaign (lease lost)');
            await this.ctx.queue.add(
              'batch',
              { c: campaignId, b: n, r },
              { jobId: `${jobPrefix}_${n}`, ...(delay > 0 ? { delay } : {}) },
            );
            if (
              !(await this.ctx.control.commitBatch(
                campaignId,
                keyed.token,
                n,
                keyed.hash.count,
                keyed.hash.digestSoFar(),
              ))
            )
              throw new Error('another process took over this campaign (lease lost)');
            batches = n + 1;
          } else {
            const data: BatchJob = { c: campaignId, b: batches, r };
            await this.ctx.queue.add('batch', data, {
              jobId: `${jobPrefix}_${batches}`,
              ...(delay > 0 ? { delay } : {}),
            });
            batches++;
            await this.ctx.store.batchQueued(campaignId);
          }
        } else {
          tracker.setTotal(event.total);
          if ('error' in event) {
            inputFailed = true;
            inputError = event.error;
          }
        }
      }
      if (control.cancelled) tracker.markCancelled();
      await this.ctx.store.markEnqueued(campaignId, tracker.report().total, control.cancelled);
      if (keyed) await this.ctx.control.markRead(campaignId, keyed.token, await keyed.summary);
    } catch (error) {
      queueError = error;
    }
    keyed?.stopLease();
    enqueued = true;
    // A resumed run whose input is not the one the campaign read: nothing of it was queued.
    if (queueError instanceof CampaignKeyConflictError) throw queueError;
    if (queueError !== undefined) {
      state.error ??= new BulkCampaignError(
        'CAMPAIGN_QUEUE_FAILED',
        `Queueing campaign ${campaignId} in Redis failed after ${countOf(batches, 'batch', 'batches')} (those are still sent by the workers): ${this.ctx.describe(queueError)}`,
        tracker.report(),
        { cause: this.ctx.safe(queueError) },
      );
    }
    await following;
    if ((await this.ctx.control.controlFields(campaignId).catch(() => undefined))?.cancelRequested)
      tracker.markCancelled();
    if (state.error) throw withReport(state.error, tracker.finish());
    if (inputFailed) {
      throw campaignInputFailed(tracker.progress.processed, inputError, tracker.finish());
    }
    return tracker.finish();
  }
}
