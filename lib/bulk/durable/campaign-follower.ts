import { BulkCampaignError } from '../../errors/bulk.errors.js';
import { SmsValidationError } from '../../errors/validation.error.js';
import { Campaign, type CampaignOperations } from '../campaign.js';
import type { CampaignReport } from '../campaign-report.js';
import { CampaignTracker } from '../campaign-tracker.js';
import type { RecipientOutcome } from '../recipient-outcome.js';
import { type DurableContext, withReport } from './durable-context.js';

/** How a follower learns how many batches there are. */
export interface FollowState {
  /** Batches queued so far, and whether queueing is over. */
  batches(): Promise<{ batches: number; enqueued: boolean }>;
  /** Set when following must stop early (sink failure). */
  error?: BulkCampaignError;
}

/**
 * The progress follower: reads a campaign's completed batches from Redis and feeds its
 * tracker (`progress$`, `onRecipient`, the report) — for the starting process while it queues,
 * and for any process that attaches to the campaign later.
 */
export class CampaignFollower {
  constructor(private readonly ctx: DurableContext) {}

  /** A handle on an existing campaign, its report rebuilt from Redis. */
  async attach(
    campaignId: string,
    options: {
      reportLimit: number;
      onRecipient?: (outcome: RecipientOutcome) => void | Promise<void>;
    },
    operations: CampaignOperations = {},
  ): Promise<Campaign> {
    const meta = await this.ctx.meta(campaignId);
    if (!meta) {
      throw new SmsValidationError(
        'CAMPAIGN_NOT_FOUND',
        `No durable campaign ${campaignId} in Redis (wrong id, another prefix, or expired)`,
        'campaignId',
      );
    }
    const { holdUntil } = await this.ctx.control.controlFields(campaignId);
    const sendAt = meta.settings.sendAt;
    const tracker = new CampaignTracker({
      campaignId,
      kind: meta.kind,
      channel: meta.channel,
      reportLimit: options.reportLimit,
      ...(sendAt
        ? {
            schedule: {
              sendAt,
              heldBy: holdUntil !== undefined ? ('queue' as const) : ('provider' as const),
              cancellable: holdUntil !== undefined,
            },
          }
        : {}),
      ...(meta.total !== undefined ? { total: meta.total } : {}),
      ...(options.onRecipient ? { onRecipient: options.onRecipient } : {}),
    });
    const done = this.followInto(campaignId, tracker).catch((error: unknown) => {
      tracker.finish();
      throw error;
    });
    done.catch(() => undefined);
    return new Campaign(
      campaignId,
      tracker.progress$,
      done,
      () => undefined,
      () => tracker.progress,
      operations,
    );
  }

  /**
   * Feeds `tracker` from Redis: the outcomes decided without sending, then every completed
   * batch until the campaign is done; resolves with the report.
   */
  async followInto(campaignId: string, tracker: CampaignTracker): Promise<CampaignReport> {
    const meta = await this.ctx.store.get(campaignId);
    if (meta?.cancelled) tracker.markCancelled();
    const state: FollowState = {
      batches: async () => {
        const current = await this.ctx.store.get(campaignId);
        if (current?.total !== undefined) tracker.setTotal(current.total);
        // A cancelled campaign is over once its queued batches are: its starting process
        // stops queueing (or is gone, e.g. it died while reading).
        const { cancelRequested } = await this.ctx.control.controlFields(campaignId);
        return {
          batches: current?.batches ?? 0,
          enqueued: (current?.enqueued ?? true) || cancelRequested,
        };
      },
    };
    for await (const outcomes of this.ctx.store.settled(campaignId))
      await this.recordOrStop(tracker, state, outcomes);
    await this.follow(campaignId, tracker, state);
    if ((await this.ctx.control.controlFields(campaignId)).cancelRequested) tracker.markCancelled();
    if (state.error) throw withReport(state.error, tracker.finish());
    return tracker.finish();
  }

  /** Reads completed batches until every queued batch is done. */
  async follow(campaignId: string, tracker: CampaignTracker, state: FollowState): Promise<void> {
    let cursor = 0;
    for (;;) {
      if (this.ctx.closed) {
        state.error ??= new BulkCampaignError(
          'CAMPAIGN_QUEUE_FAILED',
          `The service shut down while following campaign ${campaignId}; its batches are still sent by the workers: use attach('${campaignId}') after the restart`,
          tracker.report(),
        );
        return;
      }
      let count = 0;
      try {
        const chunk = await this.ctx.store.completedSince(campaignId, cursor);
        count = chunk.count;
        cursor += count;
        if (count > 0)
          await this.recordOrStop(tracker, state, chunk.outcomes, chunk.requests, chunk.credits);
        if (state.error) return;
        const { batches, enqueued } = await state.batches();
        if (enqueued && cursor >= batches) {
          // The send time may have moved since this handle was made (reschedule(), on any
          // instance): the report gives the one the campaign was sent at.
          const sendAt = (await this.ctx.store.get(campaignId))?.settings.sendAt;
          if (sendAt) tracker.rescheduled(sendAt);
          return;
        }
      } catch (error) {
        // Redis hiccup: ioredis reconnects; keep following.
        this.ctx.logger.warn(`Following campaign ${campaignId}: ${this.ctx.describe(error)}`);
      }
      if (count < 100) await this.ctx.sleep(this.ctx.options.pollIntervalMs);
    }
  }

  async recordOrStop(
    tracker: CampaignTracker,
    state: FollowState,
    outcomes: readonly RecipientOutcome[],
    requests = 0,
    credits = 0,
  ): Promise<void> {
    try {
      await tracker.record(outcomes, requests, credits);
    } catch (error) {
      state.error ??= new BulkCampaignError(
        'CAMPAIGN_SINK_FAILED',
        `The campaign's onRecipient callback threw, so this process stopped queueing and following it (batches already queued are still sent): ${this.ctx.describe(error)}`,
        tracker.report(),
        { cause: this.ctx.safe(error) },
      );
    }
  }
}
