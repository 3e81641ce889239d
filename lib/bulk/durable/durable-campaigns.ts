// WIP
import type { Logger } from '@nestjs/common';
import type { SmsTransport } from '../../transports/sms-transport.js';
import type { BatchSender } from '../batch-sender.js';
import type { Campaign } from '../campaign.js';
import type { CampaignReport, RecipientOutcome } from '../campaign-report.js';
import type { CampaignSettings } from '../campaign-rules.js';
import type { RunControl } from '../campaign-runner.js';
import type { CampaignTracker } from '../campaign-tracker.js';
import type { PipelineEvent } from '../recipient-pipeline.js';
import type { ResolvedDurableOptions } from '../resolve-bulk-options.js';

export class DurableCampaigns {
  static async create(_o: ResolvedDurableOptions, _t: SmsTransport, _s: BatchSender, _l: Logger, _c: number): Promise<DurableCampaigns> {
    return new DurableCampaigns();
  }
  async run(_p: { campaignId: string; settings: CampaignSettings; text: string | undefined; pipeline: AsyncGenerator<PipelineEvent, void, undefined>; tracker: CampaignTracker; control: RunControl }): Promise<CampaignReport> {
    throw new Error('todo');
  }
  async attach(_id: string, _o: { reportLimit: number; onRecipient?: (o: RecipientOutcome) => void | Promise<void> }): Promise<Campaign> {
    throw new Error('todo');
  }
  async close(): Promise<void> {}
}
