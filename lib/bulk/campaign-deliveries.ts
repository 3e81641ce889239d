import { ReplaySubject } from 'rxjs';
import { SmsValidationError } from '../errors/validation.error.js';
import type { SmsTransport } from '../transports/sms-transport.js';
import { reportOf } from './campaign.js';
import type { CampaignReport } from './campaign-report.js';
import type { CampaignSettings } from './campaign-rules.js';
import {
  collectDeliveries,
  DeliveryCollection,
  type DeliveryOptions,
  type DeliveryProgress,
  DeliveryTally,
  resolveDeliveryOptions,
  type TrackedMessage,
} from './delivery-collector.js';
import type { DurableCampaigns } from './durable/durable-campaigns.js';
import type { ResolvedBulkOptions } from './resolve-bulk-options.js';

/** What `campaign.deliveries()` needs from the service. */
export interface DeliveriesContext {
  readonly transport: SmsTransport;
  readonly options: ResolvedBulkOptions;
  durableCampaigns(): Promise<DurableCampaigns>;
}

/** `campaign.deliveries()`: starts after the campaign is done. */
export function campaignDeliveries(
  context: DeliveriesContext,
  campaignId: string,
  settings: Pick<CampaignSettings, 'sendAt' | 'channel'>,
  done: Promise<CampaignReport>,
  options: DeliveryOptions,
): DeliveryCollection {
  const resolved = resolveDeliveryOptions(options, {
    sendTime: settings.sendAt ?? new Date(),
    concurrency: context.options.concurrency,
    reportLimit: context.options.reportLimit,
  });
  if (context.options.durable) {
    // Durable mode: a job in the workers (survives restarts); this process follows it.
    const subject = new ReplaySubject<DeliveryProgress>(1);
    let latest: DeliveryProgress = new DeliveryTally(campaignId, 0).snapshot(false);
    subject.next(latest);
    const collected = reportOf(done)
      .then(() => context.durableCampaigns())
      .then(async (durable) => {
        await durable.startDeliveries(campaignId, resolved);
        return durable.followDeliveries(campaignId, (progress) => {
          latest = progress;
          subject.next(progress);
        });
      })
      .finally(() => subject.complete());
    collected.catch(() => undefined);
    return new DeliveryCollection(campaignId, subject.asObservable(), collected, () => latest);
  }
  const messages = async function* (): AsyncGenerator<readonly TrackedMessage[]> {
    const report = await reportOf(done);
    if (report.recipientsTruncated) {
      throw new SmsValidationError(
        'DELIVERY_IDS_NOT_KEPT',
        `Campaign ${campaignId} kept only ${report.recipients.length} of its outcomes (reportLimit), so not every message id is known: start the campaign with reportLimit: Infinity (or at least its size), use durable mode (ids are kept in Redis), or query bulk.status() with the ids collected by onRecipient`,
        'reportLimit',
      );
    }
    const sent: TrackedMessage[] = [];
    for (const o of report.recipients)
      if (o.status === 'sent')
        sent.push({
          to: o.to,
          index: o.index,
          ...(o.messageId ? { messageId: o.messageId } : {}),
        });
    yield sent;
  };
  return collectDeliveries({
    campaignId,
    channel: settings.channel,
    transport: context.transport,
    messages,
    settings: resolved,
  });
}
