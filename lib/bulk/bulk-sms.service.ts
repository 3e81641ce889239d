import { randomUUID } from 'node:crypto';
import { Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { PostaGuverciniError } from '../errors/posta-guvercini.error.js';
import { SmsValidationError } from '../errors/validation.error.js';
import { assertSmsText } from '../message/sms-text.js';
import {
  BULK_MAX_VALIDITY_SECONDS,
  MAX_RECIPIENTS_PER_REQUEST,
} from '../posta-guvercini.constants.js';
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
import { checkCampaignKey, optionsFingerprint } from './campaign-fingerprint.js';
import {
  assertSameInput,
  InMemoryCampaignKeys,
  type InputSummary,
  summarisedSource,
} from './campaign-keys.js';
import type { CampaignReport } from './campaign-report.js';
import { ReplaySubject } from 'rxjs';
import {
  collectDeliveries,
  DeliveryCollection,
  type DeliveryProgress,
  DeliveryTally,
  type DeliveryOptions,
  resolveDeliveryOptions,
  type TrackedMessage,
} from './delivery-collector.js';
import { campaignIdOfKey } from './durable/campaign-keys.js';
import { resumedPipeline } from './durable/resumed-pipeline.js';
import { BulkCampaignError } from '../errors/bulk.errors.js';
import { CampaignKeyConflictError, CampaignStateError } from '../errors/campaign.errors.js';
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
  private readonly keys: InMemoryCampaignKeys;

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
    this.keys = new InMemoryCampaignKeys(this.options.campaignKeyTtlSeconds * 1000);
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
    if (request === null || typeof request !== 'object' || Array.isArray(request)) {
      throw new SmsValidationError(
        'INVALID_CAMPAIGN',
        `send() expects { to, text, kind, sendAt?, validUntil?, sender? }; got ${describeArgument(request)}`,
        'request',
      );
    }
    assertSmsText(request.text, { field: 'text' });
    // The transport's own rules too (e.g. the HTTP API's charset): every batch carries this text.
    this.checkText(request.text, 'text');
    assertIterable(request.to, 'to');
    return this.start(request, request.to, request.text);
  }

  /**
   * A text per number (N-N): `items` is an array or (async) iterable of `{ to, text }`. Each
   * item's number and text are checked on their own, against the transport's rules too: a bad
   * item is reported `skipped` (`invalid_number`, `country_not_allowed`, or `invalid_text` —
   * e.g. `TEXT_NOT_ENCODABLE` for a Cyrillic name on the HTTP API or a control character), never
   * thrown, and the rest of its batch is sent. A number that appears twice keeps its first
   * item; the later ones are reported `duplicate`. Throws `SmsValidationError` for
   * campaign-level mistakes, as `send()`, including missing `options` (`{ kind }` is required).
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
    if (typeof campaignId !== 'string' || campaignId.trim() === '' || campaignId.length > 200) {
      throw new SmsValidationError(
        'INVALID_CAMPAIGN_ID',
        `attach() expects the id of a durable campaign (campaign.id); got ${describeArgument(campaignId)}`,
        'campaignId',
      );
    }
    assertOptionsObject(
      options,
      'attach() options must be an object { onRecipient?, reportLimit? }',
    );
    const reportLimit = checkReportLimit(options.reportLimit ?? this.options.reportLimit);
    checkOnRecipient(options.onRecipient);
    if (!this.options.durable) {
      throw new SmsValidationError(
        'DURABLE_MODE_REQUIRED',
        'attach() needs durable mode: set the module option bulk.durable',
        'bulk.durable',
      );
    }
    const durable = await this.durableCampaigns();
    const meta = await durable.meta(campaignId);
    // eslint-disable-next-line prefer-const
    let handle: Campaign;
    const settled = () => reportOf(handle.done);
    handle = await durable.attach(
      campaignId,
      {
        reportLimit,
        ...(options.onRecipient ? { onRecipient: options.onRecipient } : {}),
      },
      {
        cancel: () => this.durableCancel(campaignId, settled),
        reschedule: (date: Date) => this.durableReschedule(campaignId, date, meta?.settings ?? {}),
        deliveries: (deliveryOptions: DeliveryOptions) =>
          this.deliveriesOf(
            campaignId,
            meta?.settings ?? { channel: 'bulk' },
            settled(),
            deliveryOptions,
          ),
      },
    );
    return handle;
  }

  /**
   * Durable mode: the handle of any campaign, started by any instance, by its id or its
   * `campaignKey` — with `progress$`, `done`, `cancel()`, `reschedule()` and `deliveries()`.
   * Rejects with `SmsValidationError` `CAMPAIGN_NOT_FOUND` when Redis has neither.
   */
  async campaign(
    idOrKey: string,
    options: Pick<CampaignOptions, 'onRecipient' | 'reportLimit'> = {},
  ): Promise<Campaign> {
    if (!this.options.durable) {
      throw new SmsValidationError(
        'DURABLE_MODE_REQUIRED',
        'campaign() needs durable mode: set the module option bulk.durable (in process, keep the handle send() returned)',
        'bulk.durable',
      );
    }
    if (typeof idOrKey !== 'string' || idOrKey === '') {
      throw new SmsValidationError(
        'INVALID_CAMPAIGN_ID',
        'campaign() expects a campaign id or a campaignKey',
        'idOrKey',
      );
    }
    const durable = await this.durableCampaigns();
    let campaignId = idOrKey;
    if (!(await durable.meta(idOrKey))) {
      const keyed = campaignIdOfKey(this.options.durable.prefix, idOrKey);
      if (await durable.meta(keyed)) campaignId = keyed;
    }
    return this.attach(campaignId, options);
  }

  /** Campaign-level checks shared by `send`, `sendEach` and `estimate` (throws `SmsValidationError`). */
  private prepare(options: CampaignOptions): PreparedCampaign {
    if (options === null || typeof options !== 'object' || Array.isArray(options)) {
      throw new SmsValidationError(
        'INVALID_CAMPAIGN',
        `sendEach() expects campaign options { kind, sendAt?, validUntil?, sender?, … } as its second argument; got ${describeArgument(options)}`,
        'options',
      );
    }
    const consent =
      options.consentFilter !== undefined
        ? toConsentFilter(options.consentFilter, this.options.allowedCountries)
        : this.options.consent;
    if (options.consentFilter !== undefined && consent === undefined) {
      throw new SmsValidationError(
        'INVALID_CONSENT_FILTER',
        'consentFilter must be a function (numbers) => allowed numbers, or an object with allowed(numbers) (e.g. a class extending ConsentFilter)',
        'consentFilter',
      );
    }
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
    const reportLimit = checkReportLimit(options.reportLimit ?? this.options.reportLimit);
    checkOnRecipient(options.onRecipient);
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
      checkText: (itemText, field) => this.checkText(itemText, field),
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
    const oneToMany = text !== undefined;
    const key =
      options.campaignKey !== undefined ? checkCampaignKey(options.campaignKey) : undefined;
    const fingerprint = key ? optionsFingerprint(oneToMany, settings, text) : undefined;
    if (key && !this.options.durable) {
      const existing = this.keys.get(key);
      if (existing) return repeatedHandle(key, existing, fingerprint!, source, oneToMany);
    }
    const durableOptions = this.options.durable;
    const campaignId =
      key && durableOptions ? campaignIdOfKey(durableOptions.prefix, key) : randomUUID();
    const holdUntil =
      durableOptions &&
      settings.sendAt &&
      settings.sendAt.getTime() - Date.now() > this.options.holdScheduledOverSeconds * 1000
        ? settings.sendAt.getTime()
        : undefined;
    const tracker = new CampaignTracker({
      campaignId,
      kind: settings.kind,
      channel: settings.channel,
      reportLimit,
      ...(Array.isArray(source) ? { total: source.length } : {}),
      ...(options.onRecipient ? { onRecipient: options.onRecipient } : {}),
      ...(settings.sendAt
        ? {
            schedule: {
              sendAt: settings.sendAt,
              heldBy: holdUntil !== undefined ? 'queue' : 'provider',
              cancellable: holdUntil !== undefined,
            },
          }
        : {}),
    });
    const control = new RunControl();
    // In-process keyed campaigns hash their input as they read it (durable ones: runKeyed).
    const summarised = key && !durableOptions ? summarisedSource(source, oneToMany) : undefined;

    const done = (
      durableOptions
        ? this.durableCampaigns().then((durable) =>
            key
              ? this.runKeyed(durable, {
                  key,
                  fingerprint: fingerprint!,
                  campaignId,
                  source,
                  oneToMany,
                  prepared,
                  text,
                  tracker,
                  control,
                  ...(holdUntil !== undefined ? { holdUntil } : {}),
                })
              : durable.run({
                  campaignId,
                  settings,
                  text,
                  pipeline: this.pipelineOf(source, oneToMany, prepared, control),
                  tracker,
                  control,
                  ...(holdUntil !== undefined ? { holdUntil } : {}),
                }),
          )
        : runInProcess({
            pipeline: this.pipelineOf(summarised?.source ?? source, oneToMany, prepared, control),
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
    void done.catch(() => undefined).finally(() => summarised?.end());
    // Shutdown waits for in-process campaigns; durable ones continue in the workers.
    this.running.set(control, this.options.durable ? undefined : done);
    void done.catch(() => undefined).finally(() => this.running.delete(control));
    const campaign: Campaign = new Campaign(
      campaignId,
      tracker.progress$,
      done,
      () => control.cancel(),
      () => tracker.progress,
      {
        ...(key ? { key } : {}),
        ...(durableOptions
          ? {
              cancel: () =>
                this.durableCancel(
                  campaignId,
                  () => reportOf(done),
                  () => control.cancel(),
                ),
              reschedule: (date: Date) => this.durableReschedule(campaignId, date, settings),
            }
          : {}),
        deliveries: (deliveryOptions: DeliveryOptions) =>
          this.deliveriesOf(campaignId, settings, done, deliveryOptions),
      },
    );
    if (key && summarised) {
      this.keys.set(key, { fingerprint: fingerprint!, campaign, input: summarised.summary });
    }
    return campaign;
  }

  /**
   * A durable keyed campaign: claims the key in Redis (one Lua script) and then starts the
   * campaign, follows the instance that is reading it, takes over from a starter that died
   * while reading (resume), or — the input fully read — compares the input and follows.
   */
  private async runKeyed(
    durable: DurableCampaigns,
    p: {
      readonly key: string;
      readonly fingerprint: string;
      readonly campaignId: string;
      readonly source: RecipientSource<unknown>;
      readonly oneToMany: boolean;
      readonly prepared: PreparedCampaign;
      readonly text: string | undefined;
      readonly tracker: CampaignTracker;
      readonly control: RunControl;
      readonly holdUntil?: number;
    },
  ): Promise<CampaignReport> {
    const durableOptions = this.options.durable!;
    const leaseMs = durableOptions.starterLeaseMs ?? 30_000;
    const token = randomUUID();
    const store = durable.controlStore;
    const conflict = (reason: 'options' | 'input') =>
      new CampaignKeyConflictError(p.key, p.campaignId, reason);
    for (;;) {
      const claim = await store.claimKey(
        p.campaignId,
        p.fingerprint,
        token,
        leaseMs,
        this.options.campaignKeyTtlSeconds,
        randomUUID().slice(0, 8),
      );
      if (claim.state === 'conflict') throw conflict('options');
      if (claim.state === 'running') {
        if (p.control.cancelled || this.durable === undefined) {
          throw new PostaGuverciniError(
            'CAMPAIGN_STOPPED',
            'Stopped waiting for the instance that reads this campaign',
          );
        }
        await sleep(durableOptions.pollIntervalMs);
        continue;
      }
      if (claim.state === 'read') {
        await assertSameInput(p.source, p.oneToMany, claim, () => conflict('input'));
        return durable.followInto(p.campaignId, p.tracker);
      }
      const summarised = summarisedSource(p.source, p.oneToMany);
      let pipeline = this.pipelineOf(summarised.source, p.oneToMany, p.prepared, p.control);
      let resume: { batches: number } | undefined;
      let holdUntil = p.holdUntil;
      if (claim.state === 'resume') {
        const prepared = await durable.prepareResume(p.campaignId);
        holdUntil = (await store.controlFields(p.campaignId)).holdUntil;
        pipeline = resumedPipeline(pipeline, {
          queued: prepared.queued,
          hash: summarised.hash,
          ckPos: claim.ckPos,
          ckHash: claim.ckHash,
          batchSize: this.options.batchSize,
          conflict: () => conflict('input'),
        });
        resume = { batches: prepared.batches };
      }
      const timer = setInterval(
        () => void store.renewLease(p.campaignId, token, leaseMs).catch(() => undefined),
        Math.max(200, Math.floor(leaseMs / 3)),
      );
      timer.unref();
      try {
        return await durable.run({
          campaignId: p.campaignId,
          settings: p.prepared.settings,
          text: p.text,
          pipeline,
          tracker: p.tracker,
          control: p.control,
          ...(holdUntil !== undefined ? { holdUntil } : {}),
          keyed: {
            token,
            epoch: claim.epoch,
            leaseMs,
            hash: summarised.hash,
            summary: summarised.summary,
            stopLease: () => clearInterval(timer),
            ...(resume ? { resume } : {}),
          },
        });
      } finally {
        clearInterval(timer);
      }
    }
  }

  /** `local`: the starting process's own stop switch (when the handle is the one `send()` returned). */
  private async durableCancel(
    campaignId: string,
    report: () => Promise<CampaignReport>,
    local?: () => void,
  ): Promise<CampaignReport> {
    const durable = await this.durableCampaigns();
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

  private async durableReschedule(
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
    const durable = await this.durableCampaigns();
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

  /** `campaign.deliveries()`: starts after the campaign is done. */
  private deliveriesOf(
    campaignId: string,
    settings: Pick<CampaignSettings, 'sendAt' | 'channel'>,
    done: Promise<CampaignReport>,
    options: DeliveryOptions,
  ): DeliveryCollection {
    const resolved = resolveDeliveryOptions(options, {
      sendTime: settings.sendAt ?? new Date(),
      concurrency: this.options.concurrency,
      reportLimit: this.options.reportLimit,
    });
    if (this.options.durable) {
      // Durable mode: a job in the workers (survives restarts); this process follows it.
      const subject = new ReplaySubject<DeliveryProgress>(1);
      let latest: DeliveryProgress = new DeliveryTally(campaignId, 0).snapshot(false);
      subject.next(latest);
      const collected = reportOf(done)
        .then(() => this.durableCampaigns())
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
      transport: this.transport,
      messages,
      settings: resolved,
    });
  }

  /** The transport's text rules (`SmsTransport.assertText`); the shared rules for a transport without it. */
  private checkText(text: string, field: string): void {
    if (typeof this.transport.assertText === 'function') this.transport.assertText(text, field);
    else assertSmsText(text, { field });
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

/** The report of a campaign that stopped as a whole is the one its error carries. */
function reportOf(done: Promise<CampaignReport>): Promise<CampaignReport> {
  return done.catch((error: unknown) => {
    if (error instanceof BulkCampaignError) return error.report;
    throw error;
  });
}

function campaignNotFound(campaignId: string): SmsValidationError {
  return new SmsValidationError(
    'CAMPAIGN_NOT_FOUND',
    `No durable campaign ${campaignId} in Redis (wrong id, another prefix, or expired)`,
    'campaignId',
  );
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** In process: the handle of a request whose `campaignKey` is already taken. */
function repeatedHandle(
  key: string,
  existing: { fingerprint: string; campaign: Campaign; input: Promise<InputSummary> },
  fingerprint: string,
  source: RecipientSource<unknown>,
  oneToMany: boolean,
): Campaign {
  const campaign = existing.campaign;
  const verified = (async () => {
    if (existing.fingerprint !== fingerprint)
      throw new CampaignKeyConflictError(key, campaign.id, 'options');
    await assertSameInput(
      source,
      oneToMany,
      await existing.input,
      () => new CampaignKeyConflictError(key, campaign.id, 'input'),
    );
  })();
  verified.catch(() => undefined);
  return new Campaign(
    campaign.id,
    campaign.progress$,
    verified.then(() => campaign.done),
    () => void verified.then(() => campaign.cancel()).catch(() => undefined),
    () => campaign.progress,
    {
      key,
      cancel: () => verified.then(() => campaign.cancel()),
      reschedule: (date) => verified.then(() => campaign.reschedule(date)),
      deliveries: (options) => campaign.deliveries(options),
    },
  );
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

function checkReportLimit(reportLimit: unknown): number {
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

function checkOnRecipient(onRecipient: unknown): void {
  if (onRecipient !== undefined && typeof onRecipient !== 'function') {
    throw new SmsValidationError(
      'INVALID_ON_RECIPIENT',
      'onRecipient must be a function (outcome) => void | Promise<void>',
      'onRecipient',
    );
  }
}

/** `undefined` is the default; anything else must be a plain object. */
function assertOptionsObject(options: unknown, message: string): void {
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
function describeArgument(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return 'a string';
  return typeof value === 'object' ? 'an object' : typeof value;
}
