import { SmsValidationError } from '../errors/validation.error.js';
import type { SmsChannel } from '../transports/sms-transport.types.js';
import { assertSmsText } from '../message/sms-text.js';
import type {
  BulkMessageItem,
  BulkSendEachOptions,
  BulkSendRequest,
  CampaignOptions,
  RecipientSource,
} from './campaign-options.js';
import { type CampaignSettings, validateCampaign } from './campaign-rules.js';
import { type NumberFilter, toConsentFilter } from './recipient-filters.js';
import type { ResolvedBulkOptions } from './resolve-bulk-options.js';

// Argument checks of BulkSmsService's methods: campaign-level mistakes are thrown as
// SmsValidationError before anything is read or sent.

/** Campaign-level checks shared by `send`, `sendEach` and `estimate` (throws `SmsValidationError`). */
export function prepareCampaign(
  options: CampaignOptions,
  bulk: ResolvedBulkOptions,
): PreparedCampaign {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new SmsValidationError(
      'INVALID_CAMPAIGN',
      `sendEach() expects campaign options { kind, sendAt?, validUntil?, sender?, … } as its second argument; got ${describeArgument(options)}`,
      'options',
    );
  }
  const consent =
    options.consentFilter !== undefined
      ? toConsentFilter(options.consentFilter, bulk.allowedCountries)
      : bulk.consent;
  if (options.consentFilter !== undefined && consent === undefined) {
    throw new SmsValidationError(
      'INVALID_CONSENT_FILTER',
      'consentFilter must be a function (numbers) => allowed numbers, or an object with allowed(numbers) (e.g. a class extending ConsentFilter)',
      'consentFilter',
    );
  }
  const settings = validateCampaign(options, {
    hasConsentFilter: consent !== undefined,
    durable: bulk.durable !== undefined,
    ...(bulk.defaultSender !== undefined ? { defaultSender: bulk.defaultSender } : {}),
  });
  const concurrency = options.concurrency ?? bulk.concurrency;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
    throw new SmsValidationError(
      'INVALID_CONCURRENCY',
      'concurrency must be an integer from 1 to 64',
      'concurrency',
    );
  }
  const reportLimit = checkReportLimit(options.reportLimit ?? bulk.reportLimit);
  checkOnRecipient(options.onRecipient);
  return { settings, concurrency, reportLimit, ...(consent ? { consent } : {}) };
}

/** A campaign's checked settings. */
export interface PreparedCampaign {
  readonly settings: CampaignSettings;
  readonly concurrency: number;
  readonly reportLimit: number;
  readonly consent?: NumberFilter;
}

export function assertIterable(value: unknown, field: string): void {
  const ok =
    value !== null &&
    value !== undefined &&
    typeof value !== 'string' &&
    (typeof (value as Iterable<unknown>)[Symbol.iterator] === 'function' ||
      typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function');
  if (!ok) {
    throw new SmsValidationError(
      'INVALID_RECIPIENTS',
      `${field} must be an array or an (async) iterable`,
      field,
    );
  }
}

export function checkReportLimit(reportLimit: unknown): number {
  if (!(
    reportLimit === Number.POSITIVE_INFINITY ||
    (typeof reportLimit === 'number' && Number.isInteger(reportLimit) && reportLimit >= 0)
  )) {
    throw new SmsValidationError(
      'INVALID_REPORT_LIMIT',
      'reportLimit must be a non-negative integer or Infinity',
      'reportLimit',
    );
  }
  return reportLimit;
}

export function checkOnRecipient(onRecipient: unknown): void {
  if (onRecipient !== undefined && typeof onRecipient !== 'function') {
    throw new SmsValidationError(
      'INVALID_ON_RECIPIENT',
      'onRecipient must be a function (outcome) => void | Promise<void>',
      'onRecipient',
    );
  }
}

/** `undefined` is the default; anything else must be a plain object. */
export function assertOptionsObject(options: unknown, message: string): void {
  if (
    options !== undefined &&
    (options === null || typeof options !== 'object' || Array.isArray(options))
  ) {
    throw new SmsValidationError(
      'INVALID_OPTIONS',
      `${message}; got ${describeArgument(options)}`,
      'options',
    );
  }
}

/** A short description of a wrong argument for an error message (never its content). */
export function describeArgument(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return 'a string';
  return typeof value === 'object' ? 'an object' : typeof value;
}

/** The arguments of `BulkSmsService.status()`: the ids as an array and the channel. */
export function checkStatusArguments(
  messageIds: Iterable<string>,
  options: { readonly channel?: SmsChannel },
): { ids: string[]; channel: SmsChannel } {
  if (
    messageIds === null ||
    typeof messageIds !== 'object' ||
    typeof messageIds[Symbol.iterator] !== 'function'
  ) {
    throw new SmsValidationError(
      'INVALID_MESSAGE_ID',
      `status() expects an array (or iterable) of message ids from a campaign report; got ${describeArgument(messageIds)}`,
      'messageIds',
    );
  }
  assertOptionsObject(options, 'status() options must be an object { channel? }');
  const ids = Array.from(messageIds, (id, i) => {
    if (typeof id !== 'string' || id.trim() === '') {
      throw new SmsValidationError(
        'INVALID_MESSAGE_ID',
        `messageIds[${i}] must be a message id from a campaign report`,
        `messageIds[${i}]`,
      );
    }
    return id;
  });
  const channel = options.channel ?? 'bulk';
  if (channel !== 'bulk' && channel !== 'otp') {
    throw new SmsValidationError(
      'INVALID_CHANNEL',
      `channel must be 'bulk' or 'otp'; got ${describeArgument(channel)}`,
      'channel',
    );
  }
  return { ids, channel };
}

/**
 * `estimate()`'s arguments — the request of `send()`, or the items and options of `sendEach()`
 * — checked as those methods check them: the campaign options, its input and (1-N) its text.
 */
export function estimateArguments(
  requestOrItems: BulkSendRequest | RecipientSource<BulkMessageItem>,
  eachOptions: BulkSendEachOptions | undefined,
): { options: CampaignOptions; source: RecipientSource<unknown>; text: string | undefined } {
  if (eachOptions !== undefined) {
    assertIterable(requestOrItems, 'items');
    const items = requestOrItems as RecipientSource<BulkMessageItem>;
    return { options: eachOptions, source: items, text: undefined };
  }
  const request = requestOrItems as BulkSendRequest;
  if (request === null || typeof request !== 'object') {
    throw new SmsValidationError(
      'INVALID_CAMPAIGN',
      'estimate() expects the request of send() ({ to, text, kind, … }) or the items and options of sendEach()',
      'request',
    );
  }
  assertSmsText(request.text, { field: 'text' });
  assertIterable(request.to, 'to');
  return { options: request, source: request.to, text: request.text };
}
