import { CampaignStateError } from '../../errors/campaign.errors.js';
import { SmsValidationError } from '../../errors/validation.error.js';
import { BULK_MAX_VALIDITY_SECONDS } from '../../posta-guvercini.constants.js';
import type { CampaignReport } from '../campaign-report.js';
import type { CampaignSettings } from '../campaign-rules.js';
import type { DurableCampaigns } from './durable-campaigns.js';

// Hold and cancel: `campaign.cancel()` and `campaign.reschedule()` of a durable campaign.

/** Cancels a durable campaign (held or running) and answers its report. */
/** `local`: the starting process's own stop switch (when the handle is the one `send()` returned). */
export async function cancelDurable(
  durableCampaigns: Promise<DurableCampaigns>,
  campaignId: string,
  report: () => Promise<CampaignReport>,
  local?: () => void,
): Promise<CampaignReport> {
  const durable = await durableCampaigns;
  const answer = await durable.cancel(campaignId);
  if (answer === 'started') {
    throw new CampaignStateError(
      'CAMPAIGN_ALREADY_STARTED',
      `Campaign ${campaignId} was held for its send time and its first batch has left for the provider; it can no longer be cancelled`,
      campaignId,
    );
  }
  local?.();
  if (answer === 'gone' && !local) throw campaignNotFound(campaignId);
  return report();
}

/** Moves a campaign held in the package queue to another send time. */
export async function rescheduleDurable(
  durableCampaigns: () => Promise<DurableCampaigns>,
  campaignId: string,
  sendAt: Date,
  settings: Pick<CampaignSettings, 'validUntil'>,
): Promise<void> {
  if (!(sendAt instanceof Date) || Number.isNaN(sendAt.getTime())) {
    throw new SmsValidationError('INVALID_SEND_AT', 'sendAt must be a valid Date', 'sendAt');
  }
  if (sendAt.getTime() <= Date.now()) {
    throw new SmsValidationError(
      'SEND_AT_IN_PAST',
      `sendAt (${sendAt.toISOString()}) is in the past; give a future time`,
      'sendAt',
    );
  }
  if (
    settings.validUntil &&
    (settings.validUntil.getTime() <= sendAt.getTime() ||
      settings.validUntil.getTime() - sendAt.getTime() > BULK_MAX_VALIDITY_SECONDS * 1000)
  ) {
    throw new SmsValidationError(
      'VALID_UNTIL_OUT_OF_RANGE',
      `The campaign's validUntil (${settings.validUntil.toISOString()}) must stay after the new sendAt and at most 24 hours after it`,
      'sendAt',
    );
  }
  const durable = await durableCampaigns();
  const answer = await durable.reschedule(campaignId, sendAt);
  if (answer === 'ok') return;
  if (answer === 'gone') throw campaignNotFound(campaignId);
  throw new CampaignStateError(
    answer === 'started' ? 'CAMPAIGN_ALREADY_STARTED' : 'CAMPAIGN_NOT_RESCHEDULABLE',
    answer === 'started'
      ? `Campaign ${campaignId} has started (its first batch left for the provider); it can no longer be rescheduled`
      : answer === 'cancelled'
        ? `Campaign ${campaignId} was cancelled`
        : `Campaign ${campaignId} is not held in the package queue (it sends now, or its sendAt was within bulk.holdScheduledOverSeconds and the provider holds it); it cannot be rescheduled`,
    campaignId,
  );
}

export function campaignNotFound(campaignId: string): SmsValidationError {
  return new SmsValidationError(
    'CAMPAIGN_NOT_FOUND',
    `No durable campaign ${campaignId} in Redis (wrong id, another prefix, or expired)`,
    'campaignId',
  );
}
