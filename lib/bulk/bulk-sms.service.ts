import { randomUUID } from 'node:crypto';
import { Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { PostaGuverciniError } from '../errors/posta-guvercini.error.js';
import { SmsValidationError } from '../errors/validation.error.js';
import { assertSmsText } from '../message/sms-text.js';
import { MAX_RECIPIENTS_PER_REQUEST } from '../posta-guvercini.constants.js';
import type { PostaGuverciniModuleOptions } from '../posta-guvercini.options.js';
import type { SmsTransport } from '../transports/sms-transport.js';
import type {
  CreditBalance,
  DeliveryReport,
  SmsChannel,
} from '../transports/sms-transport.types.js';
import { BatchSender } from './batch-sender.js';
import { Campaign } from './campaign.js';
import type {
  BulkMessageItem,
  BulkSendEachOptions,
  BulkSendRequest,
  CampaignOptions,
  RecipientSource,
} from './campaign-options.js';
import { validateCampaign } from './campaign-rules.js';
import { runInProcess } from './campaign-runner.js';
import { CampaignTracker } from './campaign-tracker.js';
import type { DurableCampaigns } from './durable/durable-campaigns.js';
import { toConsentFilter } from './recipient-filters.js';
import { type PipelineEvent, recipientPipeline } from './recipient-pipeline.js';
import type { NumberFilter } from './recipient-filters.js';
import type { CampaignSettings } from './campaign-rules.js';
import { type CampaignEstimate, estimateFromPipeline } from './campaign-estimate.js';
import { type ResolvedBulkOptions, resolveBulkOptions } from './resolve-bulk-options.js';
import { RunControl } from './run-control.js';

/** Options of `BulkSmsService.status()`. */
export interface BulkStatusOptions {
  /** Account the messages were sent from. @default 'bulk' */
  readonly channel?: SmsChannel;
}

/**
 * Bulk SMS on the bulk account and host: campaigns of any size (1-N and N-N), scheduled
 * sending, validity, consent (İYS/ETK) and opt-out filtering, delivery reports and credit.
 *
 * - Recipients may be an array or an (async) iterable; the campaign pulls them as it sends,
 *   so a million numbers never sit in memory at once.
 * - Numbers are normalised (`905XXXXXXXXX`) and de-duplicated; invalid ones are reported
 *   `skipped` and never sent; requests carry at most 800 recipients; `concurrency` requests
 *   run at once; only requests that provably never reached the provider are retried.
 * - With `bulk.durable`, batches are BullMQ jobs in Redis and a campaign survives crashes.
 *
 * ```ts
 * const campaign = bulk.send({ to: ['0532 123 45 67', '+90 533 …'], text: 'Siparişiniz kargoda', kind: 'informational' });
 * const report = await campaign.done;
 * ```
 */
export class BulkSmsService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('BulkSmsService');
  private readonly options: ResolvedBulkOptions;
  private readonly sender: BatchSender;
  private durable: Promise<DurableCampaigns> | undefined;
  /** Campaigns started here and not finished; in-process ones with their `done`. */
  private readonly running = new Map<RunControl, Promise<unknown> | undefined>();

  /**
   * @param transport the module's transport (any `SmsTransport`).
   * @param moduleOptions the module options; `bulk` and `sender` are read. Outside Nest, call
   *   `onModuleInit()` to start a durable worker and `onApplicationShutdown()` to stop it.
   */
  constructor(
    private readonly transport: SmsTransport,
    moduleOptions: PostaGuverciniModuleOptions = {},
  ) {
    this.options = resolveBulkOptions(moduleOptions);
    this.sender = new BatchSender(transport, this.options.retry);
  }

  /** Starts the durable worker when `bulk.durable` is set (and `worker` is not false). */
  async onModuleInit(): Promise<void> {
    if (this.options.durable?.worker) await this.durableCampaigns();
  }

  /**
   * Stops every campaign started here: no more input is read and nothing more is sent;
   * recipients already read are reported `aborted`, and requests already on the wire finish
   * (before the module closes the transport). Then stops the durable worker and closes its
   * Redis connections (durable campaigns go on in other workers or after the restart).
   */
  async onApplicationShutdown(): Promise<void> {
    const reason = new PostaGuverciniError(
      'CAMPAIGN_STOPPED',
      'Not sent: the application shut down during the campaign',
    );
    for (const control of this.running.keys()) control.cancel(reason);
    const inProcess = [...this.running.values()].flatMap((done) =>
      done ? [done.catch(() => undefined)] : [],
    );
    await Promise.all(inProcess);
    const durable = this.durable;
    this.durable = undefined;
    if (durable) await (await durable.catch(() => undefined))?.close();
  }

  /**
   * One text to many numbers (1-N). Returns at once; the campaign runs in the background.
   * Throws `SmsValidationError` before anything is sent when the campaign itself is wrong:
   * empty or over-long text, `sendAt` in the past or on the OTP host, `validUntil` not within
   * 24 h after the send time, `sender` over 11 characters, a commercial campaign without a
   * consent filter, `to` not iterable.
   */
  send(request: BulkSendRequest): Campaign {
    if (request === null || typeof request !== 'object') {
      throw new SmsValidationError(
        'INVALID_CAMPAIGN',
        'send() expects { to, text, kind, sendAt?, validUntil?, sender? }',
        'request',
      );
    }
    assertSmsText(request.text, { field: 'text' });
    assertIterable(request.to, 'to');
    return this.start(request, request.to, request.text);
  }

  /**
   * A text per number (N-N): `items` is an array or (async) iterable of `{ to, text }`. Each
   * item's number and text are checked on their own: a bad item is reported `skipped`
   * (`invalid_number` / `invalid_text`), never thrown. A number that appears twice keeps its
   * first item; the later ones are reported `duplicate`. Throws `SmsValidationError` for
   * campaign-level mistakes, as `send()`.
   */
  sendEach(items: RecipientSource<BulkMessageItem>, options: BulkSendEachOptions): Campaign {
    assertIterable(items, 'items');
    return this.start(options, items, undefined);
  }

  /**
   * What a campaign would do, without sending anything: takes the same request as `send()`
   * (or, with two arguments, the same `items, options` as `sendEach()`), reads the whole input
   * through the same checks (normalisation, de-duplication, opt-out list, consent filter — the
   * filters are asked exactly as a campaign would ask them) and counts: recipients read,
   * valid, invalid, duplicate, opted out, without consent; encoding and segments per message
   * (N-N: their distribution); provider requests; credits needed; the account's current
   * credit and whether it suffices. Streams its input like `send()` (a few batches in memory).
   * Rejects with `SmsValidationError` for the same campaign-level mistakes as `send()`.
   *
   * ```ts
   * const estimate = await bulk.estimate({ to: customers(), text, kind: 'informational' });
   * if ('sufficient' in estimate.credit && !estimate.credit.sufficient) throw new Error('top up first');
   * ```
   */
  estimate(request: BulkSendRequest): Promise<CampaignEstimate>;
  estimate(
    items: RecipientSource<BulkMessageItem>,
    options: BulkSendEachOptions,
  ): Promise<CampaignEstimate>;
  async estimate(
    requestOrItems: BulkSendRequest | RecipientSource<BulkMessageItem>,
    eachOptions?: BulkSendEachOptions,
  ): Promise<CampaignEstimate> {
    let options: CampaignOptions;
    let source: RecipientSource<unknown>;
    let text: string | undefined;
    if (eachOptions === undefined) {
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
      options = request;
      source = request.to;
      text = request.text;
    } else {
      assertIterable(requestOrItems, 'items');
      options = eachOptions;
      source = requestOrItems as RecipientSource<BulkMessageItem>;
    }
    const prepared = this.prepare(options);
    return estimateFromPipeline({
      pipeline: this.pipelineOf(source, text !== undefined, prepared),
      mode: text !== undefined ? 'one-to-many' : 'many-to-many',
      kind: prepared.settings.kind,
      channel: prepared.settings.channel,
      text,
      transport: this.transport,
    });
  }

  /**
   * Delivery reports for message ids from a campaign report, in the order given, mapped to
   * one `DeliveryStatus` model with the provider's raw code and its meaning. Queried in
   * requests of at most 800 ids.
   */
  async status(
    messageIds: Iterable<string>,
    options: BulkStatusOptions = {},
  ): Promise<DeliveryReport[]> {
    const ids = Array.from(messageIds ?? [], (id, i) => {
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
    const chunks: string[][] = [];
    for (let i = 0; i < ids.length; i += MAX_RECIPIENTS_PER_REQUEST)
      chunks.push(ids.slice(i, i + MAX_RECIPIENTS_PER_REQUEST));
    const results = new Array<DeliveryReport[]>(chunks.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < chunks.length) {
        const at = next++;
        results[at] = await this.transport.status({ channel, messageIds: chunks[at]! });
      }
    };
    await Promise.all(
      Array.from({ length: Math.min(this.options.concurrency, chunks.length) }, worker),
    );
    return results.flat();
  }

  /** Remaining credit of the bulk account. */
  credit(): Promise<CreditBalance> {
    return this.transport.credit('bulk');
  }

  /**
   * Durable mode: a handle on a campaign started earlier, possibly by another process or
   * before a restart. Its `done` resolves when every queued batch has been worked on; the
   * report is rebuilt from Redis.
   */
  async attach(
    campaignId: string,
    options: Pick<CampaignOptions, 'onRecipient' | 'reportLimit'> = {},
  ): Promise<Campaign> {
    if (!this.options.durable) {
      throw new SmsValidationError(
        'DURABLE_MODE_REQUIRED',
        'attach() needs durable mode: set the module option bulk.durable',
        'bulk.durable',
      );
    }
    const durable = await this.durableCampaigns();
    return durable.attach(campaignId, {
      reportLimit: options.reportLimit ?? this.options.reportLimit,
      ...(options.onRecipient ? { onRecipient: options.onRecipient } : {}),
    });
  }

  /** Campaign-level checks shared by `send`, `sendEach` and `estimate` (throws `SmsValidationError`). */
  private prepare(options: CampaignOptions): PreparedCampaign {
    const consent =
      options.consentFilter !== undefined
        ? toConsentFilter(options.consentFilter, this.options.allowedCountries)
        : this.options.consent;
    const settings = validateCampaign(options, {
      hasConsentFilter: consent !== undefined,
      durable: this.options.durable !== undefined,
      ...(this.options.defaultSender !== undefined
        ? { defaultSender: this.options.defaultSender }
        : {}),
    });
    const concurrency = options.concurrency ?? this.options.concurrency;
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
      throw new SmsValidationError(
        'INVALID_CONCURRENCY',
        'concurrency must be an integer from 1 to 64',
        'concurrency',
      );
    }
    const reportLimit = options.reportLimit ?? this.options.reportLimit;
    if (!(
      reportLimit === Number.POSITIVE_INFINITY ||
      (Number.isInteger(reportLimit) && reportLimit >= 0)
    )) {
      throw new SmsValidationError(
        'INVALID_REPORT_LIMIT',
        'reportLimit must be a non-negative integer or Infinity',
        'reportLimit',
      );
    }
    if (options.onRecipient !== undefined && typeof options.onRecipient !== 'function') {
      throw new SmsValidationError(
        'INVALID_ON_RECIPIENT',
        'onRecipient must be a function (outcome) => void | Promise<void>',
        'onRecipient',
      );
    }
    return { settings, concurrency, reportLimit, ...(consent ? { consent } : {}) };
  }

  /** The recipient pipeline of a campaign (the one code path for sending and estimating). */
  private pipelineOf(
    source: RecipientSource<unknown>,
    oneToMany: boolean,
    prepared: PreparedCampaign,
    control?: RunControl,
  ): AsyncGenerator<PipelineEvent, void, undefined> {
    return recipientPipeline(source, {
      mode: oneToMany ? 'one-to-many' : 'many-to-many',
      batchSize: this.options.batchSize,
      allowedCountries: this.options.allowedCountries,
      ...(this.options.optOut ? { optOut: this.options.optOut } : {}),
      ...(prepared.settings.kind === 'commercial' && prepared.consent
        ? { consent: prepared.consent }
        : {}),
      ...(control ? { stopped: () => control.stopped, cancelled: () => control.cancelled } : {}),
    });
  }

  private start(
    options: CampaignOptions,
    source: RecipientSource<unknown>,
    text: string | undefined,
  ): Campaign {
    const prepared = this.prepare(options);
    const { settings, concurrency, reportLimit } = prepared;

    const campaignId = randomUUID();
    const tracker = new CampaignTracker({
      campaignId,
      kind: settings.kind,
      channel: settings.channel,
      reportLimit,
      ...(Array.isArray(source) ? { total: source.length } : {}),
      ...(options.onRecipient ? { onRecipient: options.onRecipient } : {}),
    });
    const control = new RunControl();
    const pipeline = this.pipelineOf(source, text !== undefined, prepared, control);

    const done = (
      this.options.durable
        ? this.durableCampaigns().then((durable) =>
            durable.run({ campaignId, settings, text, pipeline, tracker, control }),
          )
        : runInProcess({
            pipeline,
            sender: this.sender,
            settings,
            text,
            concurrency,
            tracker,
            control,
          })
    ).catch((error: unknown) => {
      tracker.finish(); // progress$ completes whatever happened
      throw error;
    });
    // A campaign nobody awaits must not crash the process with an unhandled rejection.
    done.catch((error: unknown) => {
      this.logger.error(
        `Campaign ${campaignId} stopped: ${error instanceof Error ? error.message : String(error)}`,
      );
    });
    // Shutdown waits for in-process campaigns; durable ones continue in the workers.
    this.running.set(control, this.options.durable ? undefined : done);
    void done.catch(() => undefined).finally(() => this.running.delete(control));
    return new Campaign(
      campaignId,
      tracker.progress$,
      done,
      () => control.cancel(),
      () => tracker.progress,
    );
  }

  private durableCampaigns(): Promise<DurableCampaigns> {
    const durableOptions = this.options.durable;
    if (!durableOptions) throw new Error('durable mode is not configured');
    this.durable ??= import('./durable/durable-campaigns.js').then(({ DurableCampaigns }) =>
      DurableCampaigns.create(
        durableOptions,
        this.transport,
        this.sender,
        this.logger,
        this.options.concurrency,
      ),
    );
    return this.durable;
  }
}

/** A campaign's checked settings. */
interface PreparedCampaign {
  readonly settings: CampaignSettings;
  readonly concurrency: number;
  readonly reportLimit: number;
  readonly consent?: NumberFilter;
}

function assertIterable(value: unknown, field: string): void {
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
