import { PostaGuverciniError } from './posta-guvercini.error.js';

/**
 * `CAMPAIGN_KEY_CONFLICT`: a campaign with this `campaignKey` exists and the new request is
 * different (`reason: 'options'`: mode, kind, channel, `sendAt`, `validUntil`, sender or 1-N
 * text differ; `reason: 'input'`: the recipients differ — see docs/campaigns.md). Nothing of
 * the new request was sent; the existing campaign is untouched.
 */
export class CampaignKeyConflictError extends PostaGuverciniError {
  override readonly name: string = 'CampaignKeyConflictError';

  constructor(
    /** The key. */
    readonly campaignKey: string,
    /** Id of the campaign that already holds the key. */
    readonly campaignId: string,
    readonly reason: 'options' | 'input',
  ) {
    super(
      'CAMPAIGN_KEY_CONFLICT',
      reason === 'options'
        ? `campaignKey is already used by campaign ${campaignId} with other settings (mode, kind, channel, sendAt, validUntil, sender or text); nothing was sent. Use a new key for a new campaign`
        : `campaignKey is already used by campaign ${campaignId} with other recipients (the input differs, compared entry by entry as given); nothing was sent. Use a new key for a new campaign`,
    );
  }
}

/**
 * A campaign operation that is not possible in the campaign's state:
 * - `CAMPAIGN_ALREADY_STARTED`: `cancel()`/`reschedule()` of a held campaign after its first
 *   batch left for the provider;
 * - `CAMPAIGN_NOT_RESCHEDULABLE`: `reschedule()` of a campaign that is not held in the
 *   package's queue (in-process mode, or scheduled at the provider, or sending now), or
 *   that was cancelled.
 */
export class CampaignStateError extends PostaGuverciniError {
  override readonly name: string = 'CampaignStateError';

  constructor(
    code: 'CAMPAIGN_ALREADY_STARTED' | 'CAMPAIGN_NOT_RESCHEDULABLE',
    message: string,
    /** The campaign. */
    readonly campaignId: string,
  ) {
    super(code, message);
  }
}
