import type { Logger } from '@nestjs/common';
import type { SmsTransport } from '../../transports/sms-transport.js';
import type { BatchSender } from '../batch-sender.js';
import type { Campaign, CampaignOperations } from '../campaign.js';
import type { CampaignReport } from '../campaign-report.js';
import type { CampaignTracker } from '../campaign-tracker.js';
import type {
  CampaignDeliveryReport,
  CollectorSettings,
  DeliveryProgress,
  PositionSet,
  TrackedMessage,
} from '../delivery-collector.js';
import type { RecipientOutcome } from '../recipient-outcome.js';
import type { ResolvedDurableOptions } from '../resolve-bulk-options.js';
import { BatchWorker } from './batch-worker.js';
import { CampaignFollower } from './campaign-follower.js';
import type { CampaignControlStore } from './campaign-keys.js';
import { CampaignProducer } from './campaign-producer.js';
import type { StoredCampaign } from './durable-campaign-store.js';
import { DurableContext } from './durable-context.js';
import { DurableDeliveries } from './durable-deliveries.js';
import { cancelQueued, rescheduleQueued } from './hold-and-cancel.js';
import { prepareResume } from './resume.js';

export type { KeyedRun } from './campaign-producer.js';

/**
 * Durable campaigns on BullMQ. The process that starts a campaign streams its input through
 * the same pipeline as in-process campaigns, but queues each batch as a job (`campaignId_n`)
 * instead of sending it; workers (in this process and/or others) send the batches; the
 * starting process follows the results in Redis and feeds `progress$`, `onRecipient` and the
 * report.
 *
 * Exactly-once, given a provider without idempotency keys:
 * 1. Before sending, a worker claims the batch atomically (`inflight|token|t0`); a batch
 *    already `done` is never sent again, whoever picks the job up.
 * 2. Right after the reply, one Lua script records the outcomes, marks the batch `done` and
 *    counts it — only if the worker still owns the batch. The window in which a crash loses a
 *    reply is the provider's processing time plus one Redis round trip.
 * 3. A batch found `inflight` belonged to a worker that died inside that window (or before
 *    sending). It is re-sent only on the bulk host (durable campaigns on `channel: 'otp'` are
 *    refused at validation: the OTP host has no duplicate check) and only while the bulk
 *    host's duplicate-content window is open:
 *    the host deletes a copy of a message it already accepted (status `-202`), so the
 *    recipient gets it once either way, and the status of the re-sent ids tells which copy is
 *    the live one (`-202` → the lost original: reported `sent` with `reason: 'recovered'`
 *    and no id). Past the window the batch is reported `failed` / `outcome_unknown` /
 *    `maybeSent: true` and never re-sent.
 * BullMQ moves the job of a dead worker back to the queue once its lock expires
 * (`lockDurationMs`) and a worker's stalled check notices (`stalledIntervalMs`).
 *
 * This class is the entry the service uses; the work is done by the producer
 * (`CampaignProducer`, queueing), the worker (`BatchWorker`, sending), the progress follower
 * (`CampaignFollower`), the delivery collector (`DurableDeliveries`), held campaigns
 * (hold-and-cancel.ts) and keyed resume (resume.ts), on one shared `DurableContext`.
 */
export class DurableCampaigns {
  private readonly follower: CampaignFollower;
  private readonly producer: CampaignProducer;
  private readonly deliveries: DurableDeliveries;
  private readonly batchWorker: BatchWorker;

  private constructor(private readonly ctx: DurableContext) {
    this.follower = new CampaignFollower(ctx);
    this.producer = new CampaignProducer(ctx, this.follower);
    this.deliveries = new DurableDeliveries(ctx);
    this.batchWorker = new BatchWorker(ctx, this.deliveries);
  }

  static async create(
    options: ResolvedDurableOptions,
    transport: SmsTransport,
    sender: BatchSender,
    logger: Logger,
    concurrency: number,
  ): Promise<DurableCampaigns> {
    const ctx = await DurableContext.connect(options, transport, sender, logger);
    const campaigns = new DurableCampaigns(ctx);
    if (options.worker) await campaigns.batchWorker.start(concurrency);
    return campaigns;
  }

  /** @internal The Redis client (its 'error' events are logged with the password masked). */
  get redis(): NodeJS.EventEmitter {
    return this.ctx.redis;
  }

  /** @internal The BullMQ queue (its 'error' events are logged likewise). */
  get queue(): NodeJS.EventEmitter {
    return this.ctx.queue;
  }

  /** @internal This process's BullMQ worker, when it runs one. */
  get worker(): NodeJS.EventEmitter | undefined {
    return this.batchWorker.bullWorker;
  }

  /** Starts a campaign: queues its batches and follows their results. */
  run(params: Parameters<CampaignProducer['run']>[0]): Promise<CampaignReport> {
    return this.producer.run(params);
  }

  /** A handle on an existing campaign, its report rebuilt from Redis. */
  attach(
    campaignId: string,
    options: {
      reportLimit: number;
      onRecipient?: (outcome: RecipientOutcome) => void | Promise<void>;
    },
    operations: CampaignOperations = {},
  ): Promise<Campaign> {
    return this.follower.attach(campaignId, options, operations);
  }

  /** Feeds `tracker` from Redis until the campaign is done; resolves with the report. */
  followInto(campaignId: string, tracker: CampaignTracker): Promise<CampaignReport> {
    return this.follower.followInto(campaignId, tracker);
  }

  /** The stored meta of a campaign (`CAMPAIGN_STORE_UNAVAILABLE` when Redis fails). */
  meta(campaignId: string): Promise<StoredCampaign | undefined> {
    return this.ctx.meta(campaignId);
  }

  /** Key claims, leases, holds and cancels (see `CampaignControlStore`). */
  get controlStore(): CampaignControlStore {
    return this.ctx.control;
  }

  /** Durable cancel, from any instance (see hold-and-cancel.ts). */
  cancel(campaignId: string): Promise<'ok' | 'started' | 'finished' | 'gone'> {
    return cancelQueued(this.ctx, campaignId);
  }

  /** Moves a held campaign's send time; see `Campaign.reschedule`. */
  reschedule(
    campaignId: string,
    sendAt: Date,
  ): Promise<'ok' | 'started' | 'not_held' | 'cancelled' | 'gone'> {
    return rescheduleQueued(this.ctx, campaignId, sendAt);
  }

  /** Before a keyed campaign is resumed (see resume.ts). */
  prepareResume(campaignId: string): Promise<{ batches: number; queued: PositionSet }> {
    return prepareResume(this.ctx, campaignId);
  }

  /** Starts (or joins) the campaign's delivery collection job. */
  startDeliveries(campaignId: string, settings: CollectorSettings): Promise<void> {
    return this.deliveries.start(campaignId, settings);
  }

  /** Follows a delivery collection job from Redis; resolves with its report. */
  followDeliveries(
    campaignId: string,
    onProgress: (progress: DeliveryProgress) => void,
  ): Promise<CampaignDeliveryReport> {
    return this.deliveries.follow(campaignId, onProgress);
  }

  /** The campaign's accepted messages, batch by batch, from Redis. */
  sentMessages(campaignId: string): AsyncGenerator<readonly TrackedMessage[]> {
    return this.deliveries.sentMessages(campaignId);
  }

  async close(): Promise<void> {
    this.ctx.stop();
    await this.batchWorker.close();
    await this.ctx.close();
  }
}
