import type { Job } from 'bullmq';
import { PositionSet } from '../delivery-collector.js';
import { decodeOutcome, type StoredOutcome } from './durable-campaign-store.js';
import type { BatchJob, DurableContext } from './durable-context.js';

/**
 * Before a keyed campaign is resumed: settles a batch its dead starter reserved, finds the
 * input positions already queued (the resumed run skips them), and removes the outcomes
 * decided without sending (the resumed run decides them again for every other position).
 */
export async function prepareResume(
  ctx: DurableContext,
  campaignId: string,
): Promise<{ batches: number; queued: PositionSet }> {
  const fields = await ctx.control.controlFields(campaignId);
  if (fields.pending !== undefined) {
    const job = await ctx.queue.getJob(`${fields.jobPrefix}_${fields.pending}`);
    if (job) {
      await ctx.control.setFields(campaignId, { batches: String(fields.pending + 1) });
      await ctx.redis.hdel(ctx.control.key(campaignId, 'meta'), 'pending');
    } else {
      await ctx.control.settlePending(campaignId, fields.pending);
    }
  }
  const { batches, jobPrefix } = await ctx.control.controlFields(campaignId);
  const queued = new PositionSet();
  for (let n = 0; n < batches; n++) {
    let positions = await ctx.control.resultPositions(campaignId, n);
    if (!positions) {
      const job = (await ctx.queue.getJob(`${jobPrefix}_${n}`)) as Job<BatchJob> | undefined;
      positions = job
        ? job.data.r.map((entry) => entry[1])
        : await ctx.control.resultPositions(campaignId, n); // completed meanwhile
    }
    for (const position of positions ?? []) queued.add(position);
  }
  await ctx.control.resetSettled(campaignId, (chunk) =>
    (JSON.parse(chunk) as StoredOutcome[]).map(decodeOutcome),
  );
  return { batches, queued };
}
