import {
  BadRequestException,
  ServiceUnavailableException,
  Injectable,
  NotFoundException,
  type MessageEvent,
} from '@nestjs/common';
import {
  BulkSmsService,
  type Campaign,
  type CampaignKind,
  type CampaignReport,
  type DeliveryReport,
  type RecipientOutcome,
  SmsValidationError,
} from 'nestjs-posta-guvercini';
import { SampleSettings } from '../config/sample-settings.js';
import { fieldError } from '../field-error.js';
import { catchError, concat, defaultIfEmpty, defer, from, map, type Observable, of } from 'rxjs';

/** What the operator submitted on the campaign page. */
export interface CampaignInput {
  numbers?: unknown;
  text?: unknown;
  kind?: unknown;
  /** ISO date-time, optional. */
  sendAt?: unknown;
  /** Hours of validity after the send time, optional (1–24). */
  validityHours?: unknown;
}

/** One recipient line of the report, as the page shows it. */
export interface RecipientLine {
  readonly to: string;
  readonly status: RecipientOutcome['status'];
  readonly reason?: string;
  readonly messageId?: string;
  readonly error?: string;
}

interface CampaignEntry {
  readonly campaign: Campaign;
  readonly startedAt: Date;
  report?: CampaignReport;
  failure?: string;
}

/** Lines of the textarea or the uploaded file; at most this many recipients per campaign. */
const MAX_RECIPIENTS = 10_000;
/** Recipient lines sent to the page (the counts are always complete). */
const REPORT_LINES = 500;
const KEEP_CAMPAIGNS = 50;

/**
 * The operator's campaign desk: starts campaigns on `BulkSmsService`, streams their progress,
 * keeps their reports and asks for delivery statuses. In memory: a real app stores the
 * outcomes it receives through `onRecipient`.
 */
@Injectable()
export class CampaignDesk {
  private readonly campaigns = new Map<string, CampaignEntry>();

  constructor(
    private readonly bulk: BulkSmsService,
    private readonly settings: SampleSettings,
  ) {}

  start(input: CampaignInput): { id: string; total: number } {
    if (!this.settings.hasBulk) {
      throw new ServiceUnavailableException(
        'The bulk account is not configured: set POSTA_GUVERCINI_BULK_USERNAME and POSTA_GUVERCINI_BULK_PASSWORD.',
      );
    }
    const numbers = splitNumbers(input.numbers);
    if (numbers.length === 0) throw fieldError('numbers', 'Add at least one phone number.');
    if (numbers.length > MAX_RECIPIENTS) {
      throw fieldError(
        'numbers',
        `The sample takes at most ${MAX_RECIPIENTS.toLocaleString('en-US')} numbers per campaign.`,
      );
    }
    const text = typeof input.text === 'string' ? input.text.trim() : '';
    if (text === '') throw fieldError('text', 'Write the message text.');
    const kind = input.kind as CampaignKind;
    if (kind !== 'informational' && kind !== 'commercial') {
      throw fieldError('kind', 'Choose informational or commercial.');
    }
    const sendAt = optionalDate(input.sendAt);
    const validityHours = optionalHours(input.validityHours);
    const validUntil =
      validityHours === undefined
        ? undefined
        : new Date((sendAt ?? new Date()).getTime() + validityHours * 3_600_000);

    let campaign: Campaign;
    try {
      campaign = this.bulk.send({
        to: numbers,
        text,
        kind,
        ...(sendAt ? { sendAt } : {}),
        ...(validUntil ? { validUntil } : {}),
      });
    } catch (error) {
      // Campaign-level rules (a past send time, a text over the cap…) are checked up front.
      if (error instanceof SmsValidationError) throw fieldError(formFieldOf(error), error.message);
      throw error;
    }
    const entry: CampaignEntry = { campaign, startedAt: new Date() };
    campaign.done.then(
      (report) => (entry.report = report),
      (error: unknown) => {
        entry.failure = error instanceof Error ? error.message : 'The campaign stopped.';
        const partial = (error as { report?: CampaignReport }).report;
        if (partial) entry.report = partial;
      },
    );
    this.remember(campaign.id, entry);
    return { id: campaign.id, total: numbers.length };
  }

  /**
   * Server-Sent Events for the page: a `progress` event for every snapshot of
   * `campaign.progress$` (it replays the latest one, so a late subscriber starts from the
   * current state; once finished, the last snapshot), then one `report` event (or `failed`),
   * then the stream ends.
   */
  events(id: string): Observable<MessageEvent> {
    const entry = this.entry(id);
    const { campaign } = entry;
    const progress = campaign.progress$.pipe(
      // A campaign that already finished completes at once: then send its last snapshot.
      defaultIfEmpty(undefined),
      map((snapshot): MessageEvent => ({ type: 'progress', data: snapshot ?? campaign.progress })),
    );
    const outcome = defer(() => from(entry.campaign.done)).pipe(
      map((report): MessageEvent => ({ type: 'report', data: summarize(report) })),
      catchError((error: unknown) =>
        of<MessageEvent>({
          type: 'failed',
          data: {
            message: error instanceof Error ? error.message : 'The campaign stopped.',
            ...(entry.report ? { report: summarize(entry.report) } : {}),
          },
        }),
      ),
    );
    return concat(progress, outcome);
  }

  report(id: string) {
    const entry = this.entry(id);
    if (entry.report === undefined) {
      return { id, finished: false, progress: entry.campaign.progress };
    }
    return {
      id,
      finished: true,
      ...(entry.failure ? { failure: entry.failure } : {}),
      ...summarize(entry.report),
    };
  }

  /** Delivery statuses of the messages the campaign sent (first `REPORT_LINES`). */
  async statuses(id: string): Promise<{ statuses: DeliveryReport[] }> {
    const entry = this.entry(id);
    if (entry.report === undefined) throw new BadRequestException('The campaign is still running.');
    const ids = entry.report.recipients
      .slice(0, REPORT_LINES)
      .flatMap((outcome) => (outcome.messageId ? [outcome.messageId] : []));
    if (ids.length === 0) return { statuses: [] };
    return { statuses: await this.bulk.status(ids) };
  }

  private entry(id: string): CampaignEntry {
    const entry = this.campaigns.get(id);
    if (entry === undefined) throw new NotFoundException('No such campaign.');
    return entry;
  }

  private remember(id: string, entry: CampaignEntry): void {
    this.campaigns.set(id, entry);
    if (this.campaigns.size > KEEP_CAMPAIGNS)
      this.campaigns.delete(this.campaigns.keys().next().value!);
  }
}

/** A report as JSON for the page: counts, and the first recipient lines in input order. */
function summarize(report: CampaignReport) {
  const lines: RecipientLine[] = [...report.recipients]
    .sort((a, b) => a.index - b.index)
    .slice(0, REPORT_LINES)
    .map((outcome) => ({
      to: outcome.to,
      status: outcome.status,
      ...(outcome.reason ? { reason: outcome.reason } : {}),
      ...(outcome.messageId ? { messageId: outcome.messageId } : {}),
      ...(outcome.error ? { error: outcome.error.message } : {}),
    }));
  return {
    campaignId: report.campaignId,
    kind: report.kind,
    total: report.total,
    sent: report.sent,
    skipped: report.skipped,
    failed: report.failed,
    requests: report.requests,
    credits: report.credits,
    startedAt: report.startedAt.toISOString(),
    finishedAt: report.finishedAt.toISOString(),
    recipients: lines,
    recipientsTruncated: report.recipientsTruncated || report.recipients.length > REPORT_LINES,
  };
}

/** The control of the campaign form a campaign-level `SmsValidationError` is about. */
function formFieldOf(error: SmsValidationError): string {
  const field = error.field ?? '';
  if (field === 'sendAt') return 'sendAt';
  if (field === 'validUntil') return 'validity';
  if (field.startsWith('to') || field.startsWith('messages')) return 'numbers';
  if (field === 'kind' || field === 'consentFilter' || error.code === 'CONSENT_FILTER_REQUIRED')
    return 'kind';
  return 'text';
}

/** The textarea or file content: one number per line, or separated by commas or semicolons. */
function splitNumbers(value: unknown): string[] {
  if (typeof value !== 'string') return [];
  return value
    .split(/[\n\r,;\t]+/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

function optionalDate(value: unknown): Date | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const date = typeof value === 'string' ? new Date(value) : undefined;
  if (date === undefined || Number.isNaN(date.getTime())) {
    throw fieldError('sendAt', 'The send time is not a valid date.');
  }
  return date;
}

function optionalHours(value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const hours = Number(value);
  if (!Number.isInteger(hours) || hours < 1 || hours > 24) {
    throw fieldError('validity', 'The validity must be 1 to 24 hours.');
  }
  return hours;
}
