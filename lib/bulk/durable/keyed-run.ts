import { randomUUID } from 'node:crypto';
import { CampaignKeyConflictError } from '../../errors/campaign.errors.js';
import { PostaGuverciniError } from '../../errors/posta-guvercini.error.js';
import type { PreparedCampaign } from '../campaign-arguments.js';
import { assertSameInput, summarisedSource } from '../campaign-keys.js';
import type { RecipientSource } from '../campaign-options.js';
import type { CampaignReport } from '../campaign-report.js';
import type { CampaignTracker } from '../campaign-tracker.js';
import type { PipelineEvent } from '../recipient-pipeline.js';
import type { ResolvedBulkOptions } from '../resolve-bulk-options.js';
import type { RunControl } from '../run-control.js';
import type { DurableCampaigns } from './durable-campaigns.js';
import { resumedPipeline } from './resumed-pipeline.js';

/** What a keyed run needs from the instance that starts it. */
export interface KeyedRunContext {
  readonly options: ResolvedBulkOptions;
  /** The campaign's recipient pipeline (as the starter builds it). */
  pipelineOf(
    source: RecipientSource<unknown>,
    oneToMany: boolean,
    prepared: PreparedCampaign,
    control: RunControl,
  ): AsyncGenerator<PipelineEvent, void, undefined>;
  /** True once the service shut down (stop waiting for another reader). */
  shutDown(): boolean;
}

/**
 * A durable keyed campaign: claims the key in Redis (one Lua script) and then starts the
 * campaign, follows the instance that is reading it, takes over from a starter that died
 * while reading (resume), or — the input fully read — compares the input and follows.
 */
export async function runKeyed(
  durable: DurableCampaigns,
  context: KeyedRunContext,
  p: {
    readonly key: string;
    readonly fingerprint: string;
    readonly campaignId: string;
    readonly source: RecipientSource<unknown>;
    readonly oneToMany: boolean;
    readonly prepared: PreparedCampaign;
    readonly text: string | undefined;
    readonly tracker: CampaignTracker;
    readonly control: RunControl;
    readonly holdUntil?: number;
  },
): Promise<CampaignReport> {
  const durableOptions = context.options.durable!;
  const leaseMs = durableOptions.starterLeaseMs ?? 30_000;
  const token = randomUUID();
  const store = durable.controlStore;
  const conflict = (reason: 'options' | 'input') =>
    new CampaignKeyConflictError(p.key, p.campaignId, reason);
  for (;;) {
    const claim = await store.claimKey(
      p.campaignId,
      p.fingerprint,
      token,
      leaseMs,
      context.options.campaignKeyTtlSeconds,
      randomUUID().slice(0, 8),
    );
    if (claim.state === 'conflict') throw conflict('options');
    if (claim.state === 'running') {
      if (p.control.cancelled || context.shutDown()) {
        throw new PostaGuverciniError(
          'CAMPAIGN_STOPPED',
          'Stopped waiting for the instance that reads this campaign',
        );
      }
      await sleep(durableOptions.pollIntervalMs);
      continue;
    }
    if (claim.state === 'read') {
      await assertSameInput(p.source, p.oneToMany, claim, () => conflict('input'));
      return durable.followInto(p.campaignId, p.tracker);
    }
    const summarised = summarisedSource(p.source, p.oneToMany);
    let pipeline = context.pipelineOf(summarised.source, p.oneToMany, p.prepared, p.control);
    let resume: { batches: number } | undefined;
    let holdUntil = p.holdUntil;
    if (claim.state === 'resume') {
      const prepared = await durable.prepareResume(p.campaignId);
      holdUntil = (await store.controlFields(p.campaignId)).holdUntil;
      pipeline = resumedPipeline(pipeline, {
        queued: prepared.queued,
        hash: summarised.hash,
        ckPos: claim.ckPos,
        ckHash: claim.ckHash,
        batchSize: context.options.batchSize,
        conflict: () => conflict('input'),
      });
      resume = { batches: prepared.batches };
    }
    const timer = setInterval(
      () => void store.renewLease(p.campaignId, token, leaseMs).catch(() => undefined),
      Math.max(200, Math.floor(leaseMs / 3)),
    );
    timer.unref();
    try {
      return await durable.run({
        campaignId: p.campaignId,
        settings: p.prepared.settings,
        text: p.text,
        pipeline,
        tracker: p.tracker,
        control: p.control,
        ...(holdUntil !== undefined ? { holdUntil } : {}),
        keyed: {
          token,
          epoch: claim.epoch,
          leaseMs,
          hash: summarised.hash,
          summary: summarised.summary,
          stopLease: () => clearInterval(timer),
          ...(resume ? { resume } : {}),
        },
      });
    } finally {
      clearInterval(timer);
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
