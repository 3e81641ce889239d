import { SmsValidationError } from '../errors/validation.error.js';
import { BULK_MAX_VALIDITY_SECONDS, MAX_SENDER_LENGTH } from '../posta-guvercini.constants.js';
import type { SmsChannel } from '../transports/sms-transport.types.js';
import type { CampaignKind, CampaignOptions } from './campaign-options.js';

/** A campaign's settings after validation: what every batch request carries. */
export interface CampaignSettings {
  readonly kind: CampaignKind;
  readonly channel: SmsChannel;
  readonly sendAt?: Date;
  readonly validUntil?: Date;
  readonly sender?: string;
}

export interface CampaignRuleContext {
  /** The module-level default originator. */
  readonly defaultSender?: string;
  /** Whether a consent filter is available for this campaign (campaign or module option). */
  readonly hasConsentFilter: boolean;
  /** Whether the campaign runs in durable mode (module option `bulk.durable`). */
  readonly durable?: boolean;
  readonly now?: Date;
}

/**
 * Checks the campaign-level rules before anything is read or sent, and throws
 * `SmsValidationError` naming the field and what to do:
 * - `kind` is `informational` or `commercial`; commercial needs a consent filter (İYS/ETK);
 * - `sendAt` is a valid date in the future, and only on the bulk host (the OTP host sends
 *   immediately whatever the send time);
 * - `validUntil` is after `sendAt` (or now) and at most 24 h later; the OTP host fixes
 *   validity at 3 minutes, so it is refused there;
 * - `sender` has 1 to 11 characters;
 * - durable campaigns go through the bulk host only: crash recovery re-sends a batch whose
 *   reply was lost and relies on the bulk host's 60 s duplicate check to drop the copy; the
 *   OTP host has no duplicate check, so every recipient of such a batch would get it twice.
 */
export function validateCampaign(
  options: CampaignOptions,
  context: CampaignRuleContext,
): CampaignSettings {
  if (options === null || typeof options !== 'object') {
    throw new SmsValidationError(
      'INVALID_CAMPAIGN',
      'campaign options must be an object with at least { kind }',
      'options',
    );
  }
  const now = context.now ?? new Date();
  const { kind } = options;
  if (kind !== 'informational' && kind !== 'commercial') {
    throw new SmsValidationError(
      'INVALID_CAMPAIGN_KIND',
      `kind must be 'informational' (service messages) or 'commercial' (marketing, needs İYS/ETK consent); got ${describe(kind)}`,
      'kind',
    );
  }
  const channel = options.channel ?? 'bulk';
  if (channel !== 'bulk' && channel !== 'otp') {
    throw new SmsValidationError(
      'INVALID_CHANNEL',
      `channel must be 'bulk' or 'otp'; got ${describe(channel)}`,
      'channel',
    );
  }
  if (kind === 'commercial' && !context.hasConsentFilter) {
    throw new SmsValidationError(
      'CONSENT_FILTER_REQUIRED',
      'A commercial campaign needs a consent filter (İYS/ETK): set the module option bulk.consentFilter (or the campaign option consentFilter) to a function or ConsentFilter that returns the numbers allowed to receive commercial messages. Nothing was sent.',
      'consentFilter',
    );
  }
  if (kind === 'commercial' && channel === 'otp') {
    throw new SmsValidationError(
      'COMMERCIAL_ON_OTP_HOST',
      "Commercial campaigns cannot go through the OTP host: it runs no permission-marketing (İYS/ETK) checks. Use channel 'bulk'.",
      'channel',
    );
  }
  if (context.durable && channel === 'otp') {
    throw new SmsValidationError(
      'DURABLE_ON_OTP_HOST',
      "Durable campaigns cannot go through the OTP host: after a worker crash a batch whose reply was lost is re-sent, and only the bulk host drops such duplicates (the OTP host has no duplicate check, so recipients would get the SMS twice). Use channel 'bulk', or send OTP-host campaigns from a module without bulk.durable. Nothing was sent.",
      'channel',
    );
  }

  const sendAt = optionalDate(options.sendAt, 'sendAt');
  if (sendAt !== undefined) {
    if (channel === 'otp') {
      throw new SmsValidationError(
        'SCHEDULE_NOT_SUPPORTED',
        "The OTP host sends immediately whatever the send time, so it cannot schedule: remove sendAt, or use channel 'bulk' (the default) for scheduled campaigns.",
        'sendAt',
      );
    }
    if (sendAt.getTime() < now.getTime()) {
      throw new SmsValidationError(
        'SEND_AT_IN_PAST',
        `sendAt (${sendAt.toISOString()}) is in the past; give a future time to schedule the campaign, or omit sendAt to send now`,
        'sendAt',
      );
    }
  }

  const validUntil = optionalDate(options.validUntil, 'validUntil');
  if (validUntil !== undefined) {
    if (channel === 'otp') {
      throw new SmsValidationError(
        'VALIDITY_NOT_SUPPORTED',
        "The OTP host fixes validity at 3 minutes and ignores validUntil: remove it, or use channel 'bulk'.",
        'validUntil',
      );
    }
    const from = sendAt ?? now;
    if (validUntil.getTime() <= from.getTime()) {
      throw new SmsValidationError(
        'VALID_UNTIL_TOO_EARLY',
        `validUntil (${validUntil.toISOString()}) must be after ${sendAt ? `sendAt (${sendAt.toISOString()})` : 'now'}`,
        'validUntil',
      );
    }
    if (validUntil.getTime() - from.getTime() > BULK_MAX_VALIDITY_SECONDS * 1000) {
      throw new SmsValidationError(
        'VALIDITY_TOO_LONG',
        `validUntil (${validUntil.toISOString()}) is more than 24 hours after ${sendAt ? 'sendAt' : 'now'}; the bulk host keeps trying for at most 24 hours`,
        'validUntil',
      );
    }
  }

  const sender = options.sender ?? context.defaultSender;
  if (
    sender !== undefined &&
    (typeof sender !== 'string' || sender.trim().length === 0 || sender.length > MAX_SENDER_LENGTH)
  ) {
    throw new SmsValidationError(
      'INVALID_SENDER',
      `sender must be 1 to ${MAX_SENDER_LENGTH} characters (the originator registered for the account); got ${typeof sender === 'string' ? `${sender.length} characters` : describe(sender)}`,
      'sender',
    );
  }

  return {
    kind,
    channel,
    ...(sendAt !== undefined ? { sendAt } : {}),
    ...(validUntil !== undefined ? { validUntil } : {}),
    ...(sender !== undefined ? { sender } : {}),
  };
}

function optionalDate(value: unknown, field: 'sendAt' | 'validUntil'): Date | undefined {
  if (value === undefined || value === null) return undefined;
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw new SmsValidationError(
      field === 'sendAt' ? 'INVALID_SEND_AT' : 'INVALID_VALID_UNTIL',
      `${field} must be a valid Date; got ${describe(value)}`,
      field,
    );
  }
  return value;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') return `'${value.slice(0, 40)}'`;
  if (value instanceof Date) return 'an invalid Date';
  return typeof value;
}
