import { randomUUID } from 'node:crypto';
import type { Logger } from '@nestjs/common';
import { PostaGuverciniError } from '../errors/posta-guvercini.error.js';
import { assertSmsText } from '../message/sms-text.js';
import type { SmsTransport } from '../transports/sms-transport.js';
import { BatchSender } from './batch-sender.js';
import { Campaign, reportOf } from './campaign.js';
import { type PreparedCampaign, prepareCampaign } from './campaign-arguments.js';
import { campaignDeliveries } from './campaign-deliveries.js';
import { checkCampaignKey, optionsFingerprint } from './campaign-fingerprint.js';
import { InMemoryCampaignKeys, repeatedHandle, summarisedSource } from './campaign-keys.js';
import type { CampaignOptions, RecipientSource } from './campaign-options.js';
import { runInProcess } from './campaign-runner.js';
import { CampaignTracker } from './campaign-tracker.js';
import type { DeliveryOptions } from './delivery-collector.js';
import { campaignIdOfKey } from './durable/key-claim.js';
import { cancelDurable, rescheduleDurable } from './durable/durable-control.js';
import type { DurableCampaigns } from './durable/durable-campaigns.js';
import { type KeyedRunContext, runKeyed } from './durable/keyed-run.js';
import { type PipelineEvent, recipientPipeline } from './recipient-pipeline.js';
import type { ResolvedBulkOptions } from './resolve-bulk-options.js';
import { RunControl } from './run-control.js';

/**
 * Starts campaigns for `BulkSmsService`: checks the campaign-level options, builds the
 * recipient pipeline, and runs it in this process (`runInProcess`) or hands it to the durable
 * queue (`DurableCampaigns`, loaded on first use), keyed or not. Keeps the campaigns it started
 * until they end, so that a shutdown stops them.
 */
export class CampaignStarter {
  readonly sender: BatchSender;
  private durable: Promise<DurableCampaigns> | undefined;
  /** Campaigns started here and not finished; in-process ones with their `done`. */
  private readonly running = new Map<RunControl, Promise<unknown> | undefined>();
  private readonly keys: InMemoryCampaignKeys;
  private readonly keyedContext: KeyedRunContext;

  constructor(
    readonly transport: SmsTransport,
    readonly options: ResolvedBulkOptions,
    private readonly logger: Logger,
  ) {
    this.sender = new BatchSender(transport, options.retry);
    this.keys = new InMemoryCampaignKeys(options.campaignKeyTtlSeconds * 1000);
    this.keyedContext = {
      options,
      pipelineOf: (source, oneToMany, prepared, control) =>
        this.pipelineOf(source, oneToMany, prepared, control),
      shutDown: () => this.durable === undefined,
    };
  }

  /**
   * Stops every campaign started here (recipients read are reported `aborted`), waits for the
   * in-process ones, then closes the durable queue's connections.
   */
  async stopAll(reason: PostaGuverciniError): Promise<void> {
    for (const control of this.running.keys()) control.cancel(reason);
    const inProcess = [...this.running.values()].flatMap((done) =>
      done ? [done.catch(() => undefined)] : [],
    );
    await Promise.all(inProcess);
    const durable = this.durable;
    this.durable = undefined;
    if (durable) await (await durable.catch(() => undefined))?.close();
  }

  /** `campaign.deliveries()` of a campaign (in process, or a job in the durable workers). */
  deliveries(
    campaignId: string,
    settings: Parameters<typeof campaignDeliveries>[2],
    done: Parameters<typeof campaignDeliveries>[3],
    options: DeliveryOptions,
  ) {
    return campaignDeliveries(this, campaignId, settings, done, options);
  }

  /** The recipient pipeline of a campaign (the one code path for sending and estimating). */
  pipelineOf(
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

  start(
    options: CampaignOptions,
    source: RecipientSource<unknown>,
    text: string | undefined,
  ): Campaign {
    const prepared = prepareCampaign(options, this.options);
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
              ? runKeyed(durable, this.keyedContext, {
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
                cancelDurable(
                  this.durableCampaigns(),
                  campaignId,
                  () => reportOf(done),
                  () => control.cancel(),
                ),
              reschedule: (date: Date) =>
                rescheduleDurable(() => this.durableCampaigns(), campaignId, date, settings),
            }
          : {}),
        deliveries: (deliveryOptions: DeliveryOptions) =>
          campaignDeliveries(this, campaignId, settings, done, deliveryOptions),
      },
    );
    if (key && summarised) {
      this.keys.set(key, { fingerprint: fingerprint!, campaign, input: summarised.summary });
    }
    return campaign;
  }

  /** The transport's text rules (`SmsTransport.assertText`); the shared rules for a transport without it. */
  checkText(text: string, field: string): void {
    if (typeof this.transport.assertText === 'function') this.transport.assertText(text, field);
    else assertSmsText(text, { field });
  }

  durableCampaigns(): Promise<DurableCampaigns> {
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
