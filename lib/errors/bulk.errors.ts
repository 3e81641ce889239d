import type { CampaignReport } from '../bulk/campaign-report.js';
import { PostaGuverciniError } from './posta-guvercini.error.js';
import { countOf, describeCause } from './describe.js';

/**
 * A campaign stopped as a whole (not because of a bad recipient, which is only reported):
 * - `CAMPAIGN_INPUT_FAILED`: the recipients iterable threw;
 * - `CAMPAIGN_SINK_FAILED`: the campaign's `onRecipient` threw;
 * - `CAMPAIGN_QUEUE_FAILED` (durable mode): Redis failed while the campaign was being queued.
 *
 * `report` is the campaign as far as it got: everything in it is true (what it says was sent
 * was sent), and recipients that were never read are not in it. In durable mode, batches
 * already queued are still sent by the workers.
 */
export class BulkCampaignError extends PostaGuverciniError {
  override readonly name: string = 'BulkCampaignError';

  constructor(
    code: 'CAMPAIGN_INPUT_FAILED' | 'CAMPAIGN_SINK_FAILED' | 'CAMPAIGN_QUEUE_FAILED',
    message: string,
    readonly report: CampaignReport,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

/** The recipients iterable threw after `processed` recipients; those were sent and reported. */
export function campaignInputFailed(
  processed: number,
  cause: unknown,
  report: CampaignReport,
): BulkCampaignError {
  return new BulkCampaignError(
    'CAMPAIGN_INPUT_FAILED',
    `Reading the recipients failed after ${countOf(processed, 'recipient')}; ${processed === 1 ? 'it was' : 'those were'} processed and are in the report: ${describeCause(cause)}`,
    report,
    { cause },
  );
}

// Kept for callers that import them from here; they live in describe.ts (a leaf).
export { countOf, describeCause };
