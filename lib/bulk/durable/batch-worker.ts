import type { ErrorCode } from '../../errors/error-code.js';
import { randomUUID } from 'node:crypto';
import type { Job, Worker } from 'bullmq';
import { PostaGuverciniError } from '../../errors/posta-guvercini.error.js';
import { analyzeSmsText } from '../../message/sms-text.js';
import type { BatchResult } from '../batch-sender.js';
import type { CampaignSettings } from '../campaign-rules.js';
import { abortedOutcomes, failedOutcomes } from '../outcomes.js';
import type { ReadyRecipient, RecipientOutcome } from '../recipient-outcome.js';
import { StatusBatcher } from '../status-batcher.js';
import type { StoredCampaign } from './durable-campaign-store.js';
import {
  type BatchJob,
  cancelledError,
  type DurableContext,
  encodeBatch,
  recipientsOf,
} from './durable-context.js';
import type { DurableDeliveries } from './durable-deliveries.js';
import { loadDurableDependencies } from './load-durable-dependencies.js';
import { underTraceParent } from '../../telemetry/trace-carrier.js';

/**
 * The worker of durable campaigns on BullMQ. The process that starts a campaign streams its input through
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
 */
export class BatchWorker {
  private worker: Worker | undefined;

  constructor(
    private readonly ctx: DurableContext,
    private readonly deliveries: DurableDeliveries,
  ) {}

  /** The BullMQ worker, once `start()` ran. */
  get bullWorker(): Worker | undefined {
    return this.worker;
  }

  /** Starts this process's BullMQ worker (batches and delivery rounds). */
  async start(concurrency: number): Promise<void> {
    const { options, logger } = this.ctx;
    this.ctx.DelayedError = (
      (await import('bullmq')) as { DelayedError: new () => Error }
    ).DelayedError;
    const { Worker } = await loadDurableDependencies();
    const describe = (error: unknown): string => this.ctx.describe(error);
    const worker = new Worker(
      options.queueName,
      (job: Job<BatchJob>, token?: string) => this.process(job, token),
      {
        connection: this.ctx.bullConnection,
        prefix: options.prefix,
        concurrency,
        lockDuration: options.lockDurationMs,
        stalledInterval: options.stalledIntervalMs,
        maxStalledCount: 100,
      },
    );
    worker.on('error', (error: Error) => logger.warn(`BullMQ worker: ${describe(error)}`));
    worker.on('failed', (job: Job<BatchJob> | undefined, error: Error) => {
      if (job)
        logger.error(
          `${job.name === 'deliveries' ? 'Delivery collection' : `Batch ${job.data.b}`} of campaign ${job.data.c} failed (attempt ${job.attemptsMade}): ${describe(error)}`,
        );
    });
    this.worker = worker;
  }

  async close(): Promise<void> {
    await this.worker?.close();
  }

  /**
   * Worker side: sends one batch exactly once (see the class comment), as a child of the span
   * that started the campaign when one was carried (lib/telemetry/trace-carrier.ts).
   */
  async process(job: Job<BatchJob>, jobToken?: string): Promise<void> {
    if (job.name === 'deliveries') return this.deliveries.process(job, jobToken);
    const carried = (await this.ctx.campaign(job.data.c))?.traceParent;
    return underTraceParent(carried, () => this.processBatch(job, jobToken));
  }

  private async processBatch(job: Job<BatchJob>, jobToken?: string): Promise<void> {
    const { c: campaignId, b: batch } = job.data;
    const gate = await this.ctx.control.gate(campaignId);
    if (gate.state === 'early' && this.ctx.DelayedError) {
      // Rescheduled later while the job was already due: wait again.
      await job.moveToDelayed(gate.holdUntil, jobToken);
      throw new this.ctx.DelayedError();
    }
    if (gate.state === 'cancelled') {
      await this.ctx.control.recordCancelled(
        campaignId,
        batch,
        abortedOutcomes(recipientsOf(job.data), cancelledError()),
        encodeBatch,
      );
      return;
    }
    const loaded = await this.ctx.campaign(campaignId);
    // A held campaign is handed to the provider now, without the send time.
    const campaign =
      loaded && gate.state === 'go-held'
        ? { ...loaded, settings: withoutSendAt(loaded.settings) }
        : loaded;
    if (!campaign) {
      this.ctx.logger.error(
        `Batch ${batch} of campaign ${campaignId}: the campaign is no longer in Redis (expired?); not sent`,
      );
      return;
    }
    const recipients = recipientsOf(job.data);
    const token = randomUUID();
    const claim = await this.ctx.store.claim(campaignId, batch, token);
    if (claim.state === 'done') return;

    let result: BatchResult;
    if (claim.state === 'inflight') {
      result = await this.reconcile(campaign, recipients, claim.startedAt);
    } else {
      const fresh = await this.ctx.store.get(campaignId);
      result = fresh?.abortedCode
        ? {
            outcomes: abortedAfterFailure(recipients, fresh.abortedCode, fresh.abortedMessage),
            requests: 0,
            credits: 0,
          }
        : await this.ctx.sender.send(campaign.settings, campaign.text, recipients);
    }
    if (result.fatal) await this.ctx.store.markAborted(campaignId, result.fatal);
    const recorded = await this.ctx.store.record(
      campaignId,
      batch,
      token,
      result.outcomes,
      result.requests,
      result.credits,
    );
    if (recorded === -1) {
      this.ctx.logger.warn(
        `Batch ${batch} of campaign ${campaignId} was taken over by another worker; its outcome is recorded there`,
      );
    }
  }

  /** A batch whose earlier attempt died between claiming and recording. */
  private async reconcile(
    campaign: StoredCampaign,
    recipients: ReadyRecipient[],
    startedAt: number,
  ): Promise<BatchResult> {
    const window = this.ctx.options.providerDuplicateWindowMs;
    const elapsed = Date.now() - startedAt;
    // The OTP host has no duplicate check: a re-send would reach every recipient twice.
    // (Durable campaigns on 'otp' are refused up front; this guards campaigns stored earlier.)
    const noDuplicateCheck = campaign.channel === 'otp';
    if (noDuplicateCheck || window <= 0 || elapsed + this.ctx.options.reconcileMarginMs >= window) {
      const error = new PostaGuverciniError(
        'BATCH_OUTCOME_UNKNOWN',
        noDuplicateCheck
          ? `A worker stopped while this batch was with the OTP host ${Math.round(elapsed / 1000)} s ago; it may have been sent, and the OTP host has no duplicate check, so it is not sent again`
          : `A worker stopped while this batch was with the provider ${Math.round(elapsed / 1000)} s ago, past the provider's duplicate window; it may have been sent and is not sent again`,
      );
      return {
        outcomes: failedOutcomes(recipients, 'outcome_unknown', error, true),
        requests: 0,
        credits: 0,
      };
    }
    const resent = await this.ctx.sender.send(campaign.settings, campaign.text, recipients);
    const ids = resent.outcomes.flatMap((o) =>
      o.status === 'sent' && o.messageId ? [o.messageId] : [],
    );
    let codes: Map<string, string> | undefined;
    if (ids.length > 0) {
      try {
        const reports = await new StatusBatcher(this.ctx.transport, campaign.channel, 1).all(ids);
        codes = new Map(reports.map((r) => [r.messageId, r.providerCode]));
      } catch (error) {
        this.ctx.logger.warn(
          `Reconciling a re-sent batch: the status query failed (${this.ctx.describe(error)}); its ids are reported with reason 'recovered'`,
        );
      }
    }
    // What the lost attempt cost. A re-sent copy the provider deleted as a duplicate (-202)
    // proves that the dead worker's request reached the provider and that the provider accepted
    // (and charged) the original of that recipient. The reply with the charge was lost, so the
    // charge is the provider's price of the text: one credit per SMS segment (what the re-send
    // charged a fresh copy), and only when the API reports charges at all (HTTP, JSON).
    const reportsCharges =
      resent.credits > 0 ||
      resent.outcomes.some((o) => o.status === 'sent' && o.charge !== undefined);
    let duplicates = 0;
    let lostCredits = 0;
    const itemTexts = new Map(recipients.map((r) => [r.index, r.text]));
    const outcomes = resent.outcomes.map((outcome): RecipientOutcome => {
      if (outcome.status !== 'sent') return outcome;
      const code = outcome.messageId ? codes?.get(outcome.messageId) : undefined;
      if (code === '-202') {
        duplicates++;
        if (!reportsCharges) {
          return { to: outcome.to, index: outcome.index, status: 'sent', reason: 'recovered' };
        }
        const charge = analyzeSmsText(campaign.text ?? itemTexts.get(outcome.index) ?? '').segments;
        lostCredits += charge;
        return {
          to: outcome.to,
          index: outcome.index,
          status: 'sent',
          reason: 'recovered',
          charge,
        };
      }
      return codes === undefined ? { ...outcome, reason: 'recovered' } : outcome;
    });
    // The lost requests: the one request that carried the batch, or — where the API needs one
    // request per message (the HTTP API's N-N emulation) — one per duplicate.
    const perAttempt = resent.firstAttemptRequests ?? 0;
    const lostRequests =
      duplicates === 0 ? 0 : perAttempt >= recipients.length ? duplicates : perAttempt;
    return {
      ...resent,
      outcomes,
      requests: resent.requests + lostRequests,
      credits: resent.credits + lostCredits,
    };
  }
}

function withoutSendAt(settings: CampaignSettings): CampaignSettings {
  const { sendAt: _held, ...rest } = settings;
  return rest;
}

function abortedAfterFailure(
  recipients: readonly ReadyRecipient[],
  code: string,
  message: string | undefined,
): RecipientOutcome[] {
  const error = new PostaGuverciniError(
    code as ErrorCode,
    `Not sent: an earlier batch of this campaign failed with ${code}: ${message ?? ''}`,
  );
  return abortedOutcomes(recipients, error);
}
