import { asPackageError } from '../errors/as-package-error.js';
import { BulkCampaignError, campaignInputFailed, describeCause } from '../errors/bulk.errors.js';
import { PostaGuverciniError } from '../errors/posta-guvercini.error.js';
import type { CampaignReport } from './campaign-report.js';
import { abortedOutcomes, failedOutcomes } from './outcomes.js';
import type { RecipientOutcome } from './recipient-outcome.js';
import type { CampaignSettings } from './campaign-rules.js';
import type { CampaignTracker } from './campaign-tracker.js';
import type { BatchResult, BatchSender } from './batch-sender.js';
import type { PipelineEvent } from './recipient-pipeline.js';
import type { RunControl } from './run-control.js';

type BatchEvent = Extract<PipelineEvent, { type: 'batch' }>;

/**
 * Runs a campaign in this process: pulls batches from the pipeline, sends up to `concurrency`
 * of them at a time, and records every outcome. Reading the input waits for a free slot, so
 * at most `concurrency` batches are in flight and a few more are being assembled.
 */
export async function runInProcess(params: {
  readonly pipeline: AsyncGenerator<PipelineEvent, void, undefined>;
  readonly sender: BatchSender;
  readonly settings: CampaignSettings;
  readonly text: string | undefined;
  readonly concurrency: number;
  readonly tracker: CampaignTracker;
  readonly control: RunControl;
}): Promise<CampaignReport> {
  const { pipeline, sender, settings, text, concurrency, tracker, control } = params;
  const inFlight = new Set<Promise<void>>();
  let sinkError: unknown;
  let inputError: unknown;
  let inputFailed = false;

  /** Waits for a recording; a throwing `onRecipient` stops the campaign. */
  const recorded = async (recording: Promise<void>): Promise<void> => {
    try {
      await recording;
    } catch (error) {
      sinkError ??= error;
      control.cancel(
        new PostaGuverciniError(
          'CAMPAIGN_STOPPED',
          'Not sent: the campaign stopped because its onRecipient callback threw',
        ),
      );
    }
  };
  const record = (outcomes: readonly RecipientOutcome[]): Promise<void> =>
    recorded(tracker.record(outcomes));
  /** A batch's result: a batch accepted whole is recorded without building its outcomes. */
  const recordResult = (result: BatchResult): Promise<void> =>
    recorded(
      result.accepted
        ? tracker.recordAccepted(result.accepted, result.requests, result.credits)
        : tracker.record(result.outcomes, result.requests, result.credits),
    );

  const sendBatch = async (batch: BatchEvent): Promise<void> => {
    if (control.stopReason) {
      await record(abortedOutcomes(batch.recipients, control.stopReason));
      return;
    }
    let result: BatchResult;
    try {
      result =
        batch.keyed !== undefined && text !== undefined
          ? await sender.sendKeyed(settings, text, batch.keyed, control)
          : await sender.send(settings, text, batch.recipients, control);
    } catch (caught) {
      // BatchSender maps every transport failure; this is a bug guard, reported honestly.
      const error = asPackageError(caught, 'internal');
      result = {
        outcomes: failedOutcomes(batch.recipients, 'send_failed', error, true),
        requests: 0,
        credits: 0,
      };
    }
    if (result.fatal) control.stop(result.fatal);
    await recordResult(result);
  };

  try {
    for await (const event of pipeline) {
      if (event.type === 'settled') {
        await record(event.outcomes);
      } else if (event.type === 'batch') {
        while (inFlight.size >= concurrency) await Promise.race(inFlight);
        const task: Promise<void> = sendBatch(event).finally(() => inFlight.delete(task));
        inFlight.add(task);
      } else {
        tracker.setTotal(event.total);
        if ('error' in event) {
          inputFailed = true;
          inputError = event.error;
        }
      }
    }
  } finally {
    await Promise.all(inFlight);
  }
  if (control.cancelled) tracker.markCancelled();

  if (sinkError !== undefined) {
    throw new BulkCampaignError(
      'CAMPAIGN_SINK_FAILED',
      `The campaign's onRecipient callback threw, so the campaign stopped sending: ${describeCause(sinkError)}`,
      tracker.finish(),
      { cause: sinkError },
    );
  }
  if (inputFailed) {
    throw campaignInputFailed(tracker.progress.processed, inputError, tracker.finish());
  }
  return tracker.finish();
}
