import type { Job } from 'bullmq';
import { abortedOutcomes } from '../outcomes.js';
import {
  type BatchJob,
  cancelledError,
  type DurableContext,
  encodeBatch,
  recipientsOf,
} from './durable-context.js';

// Held campaigns in the queue: cancel (from any instance) and reschedule.

/**
 * Durable cancel (from any instance): refused for a held campaign that started; otherwise
 * marks the campaign cancelled (the starter stops reading, workers send no batch they have
 * not claimed) and removes every batch still waiting in the queue at once, recording its
 * recipients `aborted` / `CAMPAIGN_CANCELLED`.
 */
export async function cancelQueued(
  ctx: DurableContext,
  campaignId: string,
): Promise<'ok' | 'started' | 'finished' | 'gone'> {
  const answer = await ctx.control.cancel(campaignId);
  if (answer !== 'ok') return answer;
  const { batches, jobPrefix } = await ctx.control.controlFields(campaignId);
  const error = cancelledError();
  for (let n = 0; n < batches; n++) {
    const job = (await ctx.queue.getJob(`${jobPrefix}_${n}`)) as Job<BatchJob> | undefined;
    if (!job) continue;
    await job.remove().catch(() => undefined); // locked by a worker: its gate sees the cancel
    await ctx.control.recordCancelled(
      campaignId,
      n,
      abortedOutcomes(recipientsOf(job.data), error),
      encodeBatch,
    );
  }
  return 'ok';
}

/** Moves a held campaign's send time; see `Campaign.reschedule`. */
export async function rescheduleQueued(
  ctx: DurableContext,
  campaignId: string,
  sendAt: Date,
): Promise<'ok' | 'started' | 'not_held' | 'cancelled' | 'gone'> {
  const answer = await ctx.control.reschedule(campaignId, sendAt);
  if (answer !== 'ok') return answer;
  ctx.forget(campaignId);
  const { batches, jobPrefix } = await ctx.control.controlFields(campaignId);
  for (let n = 0; n < batches; n++) {
    const job = await ctx.queue.getJob(`${jobPrefix}_${n}`);
    // A job no longer delayed is re-delayed by the worker's gate.
    await job?.changeDelay(Math.max(1, sendAt.getTime() - Date.now())).catch(() => undefined);
  }
  return 'ok';
}
