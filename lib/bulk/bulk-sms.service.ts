import { Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { PostaGuverciniError } from '../errors/posta-guvercini.error.js';
import { SmsValidationError } from '../errors/validation.error.js';
import { assertSmsText } from '../message/sms-text.js';
import type { PostaGuverciniModuleOptions } from '../posta-guvercini.options.js';
import type { SmsTransport } from '../transports/sms-transport.js';
import type {
  CreditBalance,
  DeliveryReport,
  SmsChannel,
} from '../transports/sms-transport.types.js';
import { type Campaign, reportOf } from './campaign.js';
import {
  assertIterable,
  assertOptionsObject,
  checkStatusArguments,
  checkOnRecipient,
  checkReportLimit,
  describeArgument,
  estimateArguments,
  prepareCampaign,
} from './campaign-arguments.js';
import { type CampaignEstimate, estimateFromPipeline } from './campaign-estimate.js';
import type {
  BulkMessageItem,
  BulkSendEachOptions,
  BulkSendRequest,
  CampaignOptions,
  RecipientSource,
} from './campaign-options.js';
import { CampaignStarter } from './campaign-starter.js';
import type { DeliveryOptions } from './delivery-collector.js';
import { campaignIdOfKey } from './durable/key-claim.js';
import { cancelDurable, rescheduleDurable } from './durable/durable-control.js';
import {
  isResolvedBulkOptions,
  type ResolvedBulkOptions,
  resolveBulkOptions,
} from './resolve-bulk-options.js';
import { StatusBatcher } from './status-batcher.js';

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
  private readonly starter: CampaignStarter;

  /**
   * @param transport the module's transport (any `SmsTransport`).
   * @param options the module options (`bulk` and `sender` are read, validated here), or the
   *   slice the module resolved once (its `BULK_OPTIONS` provider). Outside Nest, call
   *   `onModuleInit()` to start a durable worker and `onApplicationShutdown()` to stop it.
   */
  constructor(
    private readonly transport: SmsTransport,
    options: PostaGuverciniModuleOptions | ResolvedBulkOptions = {},
  ) {
    this.options = isResolvedBulkOptions(options) ? options : resolveBulkOptions(options);
    this.starter = new CampaignStarter(transport, this.options, this.logger);
  }

  /** Starts the durable worker when `bulk.durable` is set (and `worker` is not false). */
  async onModuleInit(): Promise<void> {
    if (this.options.durable?.worker) await this.starter.durableCampaigns();
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
    await this.starter.stopAll(reason);
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
    this.starter.checkText(request.text, 'text');
    assertIterable(request.to, 'to');
    return this.starter.start(request, request.to, request.text);
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
    return this.starter.start(options, items, undefined);
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
    const { options, source, text } = estimateArguments(requestOrItems, eachOptions);
    const prepared = prepareCampaign(options, this.options);
    return estimateFromPipeline({
      pipeline: this.starter.pipelineOf(source, text !== undefined, prepared),
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
    const { ids, channel } = checkStatusArguments(messageIds, options);
    return new StatusBatcher(this.transport, channel, this.options.concurrency).all(ids);
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
    const durable = await this.starter.durableCampaigns();
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
        cancel: () => cancelDurable(this.starter.durableCampaigns(), campaignId, settled),
        reschedule: (date: Date) =>
          rescheduleDurable(
            () => this.starter.durableCampaigns(),
            campaignId,
            date,
            meta?.settings ?? {},
          ),
        deliveries: (deliveryOptions: DeliveryOptions) =>
          this.starter.deliveries(
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
    const durable = await this.starter.durableCampaigns();
    let campaignId = idOrKey;
    if (!(await durable.meta(idOrKey))) {
      const keyed = campaignIdOfKey(this.options.durable.prefix, idOrKey);
      if (await durable.meta(keyed)) campaignId = keyed;
    }
    return this.attach(campaignId, options);
  }
}
