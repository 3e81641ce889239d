import type { ProviderApi } from '../../errors/provider-codes.js';
import { SmsHttpStatusError } from '../../errors/transport.error.js';
import { InvalidOptionsError, SmsValidationError } from '../../errors/validation.error.js';
import { loadTelemetry, providerTelemetryOn } from '../../telemetry/telemetry.js';
import { SmsTransport } from '../sms-transport.js';
import type {
  CreditBalance,
  DeliveryReport,
  SendRequest,
  SendResult,
  SmsChannel,
  StatusRequest,
} from '../sms-transport.types.js';
import type { ResolvedAccount, WireTransportOptions } from '../wire-transport.options.js';
import type { ResolvedConnectivity } from './connectivity.js';
import {
  groupedSendRequests,
  type PreparedSend,
  type PreparedSendWork,
  type PreparedStatus,
  sendRequests,
  statusRequests,
} from './prepared.js';
import { providerExchange } from './provider-exchange.js';
import { type SendBatch, type SendPlan, checkChannel, planSend, planStatus } from './send-plan.js';
import {
  type BatchOutcome,
  mapWithConcurrency,
  oneRequestResult,
  runSendRequests,
} from './send-runner.js';
import type { WireHttpClient, WireRequest, WireResponse } from './wire-client.js';
import { resolveWireSettings, type WireHost } from './wire-settings.js';

export type { PreparedSend, PreparedSendWork, PreparedStatus } from './prepared.js';
export { DEFAULT_CONNECTIONS } from './wire-settings.js';

/**
 * What the HTTP, XML, SOAP and JSON transports share: account resolution and channel → host,
 * validation before any network call, the keep-alive client, splitting at 800 per request,
 * ordered multi-request sends with partial-failure reporting, and status splitting.
 * A subclass only encodes requests and decodes replies.
 *
 * Every request body is built before the first request goes out, so a text one API cannot
 * carry fails validation instead of turning into a half-sent batch.
 */
export abstract class WireTransport extends SmsTransport {
  abstract override readonly name: ProviderApi;
  protected readonly accounts: Partial<Record<SmsChannel, ResolvedAccount>>;
  protected readonly client: WireHttpClient;
  /** Proxy, TLS and HTTP client settings, checked. */
  private readonly connectivity: ResolvedConnectivity;
  protected readonly timeoutMs: number;
  protected readonly connections: number;
  protected readonly defaultSender: string | undefined;
  /** Origin and base path per channel, computed once (URL getters are not free on the hot path). */
  private readonly hosts: ReadonlyMap<SmsChannel, WireHost>;
  /** Status requests in flight at once. */
  protected statusConcurrency = 1;
  /** `encodeSend`, as one function per transport. */
  private readonly encodeBatch = (account: ResolvedAccount, batch: SendBatch): WireRequest =>
    this.encodeSend(account, batch);
  /** The result of a send made of one request, read from its reply (one function per transport). */
  private readonly readOneRequestSend = (response: WireResponse, item: PreparedSend): SendResult =>
    oneRequestResult(this.readSendReply(response, item), item);

  /**
   * @param api which API the subclass speaks (used in messages before subclass fields exist)
   */
  constructor(
    options: WireTransportOptions,
    protected readonly api: ProviderApi,
  ) {
    super();
    const settings = resolveWireSettings(options, api, this.carriesSender);
    this.accounts = settings.accounts;
    this.timeoutMs = settings.timeoutMs;
    this.connections = settings.connections;
    this.defaultSender = settings.defaultSender;
    this.hosts = settings.hosts;
    this.connectivity = settings.connectivity;
    this.client = settings.client;
    void loadTelemetry();
  }

  /**
   * Whether the API has an originator (sender) field. When it has not, a `sender` option or
   * request field is refused rather than silently ignored.
   */
  protected get carriesSender(): boolean {
    return true;
  }

  send(request: SendRequest): Promise<SendResult> {
    let account: ResolvedAccount;
    let work: PreparedSendWork;
    try {
      const plan = planSend(request, this.defaultSender);
      if (plan.sender !== undefined && !this.carriesSender) {
        throw new SmsValidationError(
          'SENDER_NOT_SUPPORTED',
          `No attested ${this.api.toUpperCase()} request carries an originator, so sender cannot be chosen (the message would leave under the account's default sender title). Leave sender out, or use the json transport`,
          'sender',
        );
      }
      account = this.accountFor(plan.channel);
      work = this.prepareSend(account, plan);
    } catch (error) {
      // A validation error, rejected as an async method would.
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the typed error thrown above
      return Promise.reject(error);
    }
    if (work.requests.length === 1 && !providerTelemetryOn()) {
      // The hot path (every OTP send): one request, nothing to record, no runner.
      const item = work.requests[0]!;
      return this.client.postAndRead(item.wire, this.readOneRequestSend, item);
    }
    return runSendRequests(work.requests, work.concurrency, (item) =>
      this.exchange('send', account, item.wire, item.recipients.length, (response) =>
        this.readSendReply(response, item),
      ),
    );
  }

  async status(request: StatusRequest): Promise<DeliveryReport[]> {
    const { channel, messageIds } = planStatus(request);
    const account = this.accountFor(channel);
    if (messageIds.length === 0) return [];
    const prepared = this.prepareStatus(account, messageIds);
    const reports = await mapWithConcurrency(prepared, this.statusConcurrency, (item) =>
      this.exchange('status', account, item.wire, item.messageIds.length, (response) =>
        this.readStatusReply(response, item),
      ),
    );
    return reports.flat();
  }

  async credit(channel: SmsChannel): Promise<CreditBalance> {
    const account = this.accountFor(checkChannel(channel));
    const balance = await this.exchange('credit', account, this.prepareCredit(account), 0, (r) =>
      this.readCreditReply(r),
    );
    return { channel: account.channel, balance };
  }

  override async close(): Promise<void> {
    await this.client.close();
  }

  /** One provider request of this transport (recorded when OpenTelemetry is on). */
  protected exchange<R>(
    operation: 'send' | 'status' | 'credit',
    account: ResolvedAccount,
    wire: WireRequest,
    recipients: number,
    read: (response: WireResponse) => R,
  ): Promise<R> {
    return providerExchange(
      this.client,
      { api: this.api, operation, account, recipients },
      wire,
      read,
    );
  }

  /**
   * Encodes a validated plan into wire requests: split at 800, sent strictly in order (unless
   * the API needs otherwise).
   */
  protected prepareSend(account: ResolvedAccount, plan: SendPlan): PreparedSendWork {
    return sendRequests(plan, this.encodeBatch, account);
  }

  /**
   * N-N for an API without an attested N-N request: one 1-N request per distinct text
   * (identical texts grouped, ≤ 800 numbers each), the first alone and then at most
   * `concurrency` in flight; results come back in request order, and a failed request makes
   * the send an `SmsPartialSendError` as any multi-request send.
   */
  protected prepareGroupedSend(
    account: ResolvedAccount,
    plan: SendPlan,
    concurrency: number,
  ): PreparedSendWork {
    return groupedSendRequests(plan, concurrency, (batch) => this.encodeSend(account, batch));
  }

  /** The `concurrency` option of a transport that needs several requests per call, capped at `connections`. */
  protected resolveConcurrency(value: unknown): number {
    const concurrency = value ?? 16;
    if (typeof concurrency !== 'number' || !Number.isInteger(concurrency) || concurrency < 1) {
      throw new InvalidOptionsError('concurrency', 'expected an integer ≥ 1');
    }
    return Math.min(concurrency, this.connections);
  }

  /** Encodes status queries (split at 800 unless the API needs otherwise). */
  protected prepareStatus(
    account: ResolvedAccount,
    messageIds: readonly string[],
  ): PreparedStatus[] {
    return statusRequests(messageIds, (ids) => this.encodeStatus(account, ids));
  }

  protected abstract encodeSend(account: ResolvedAccount, batch: SendBatch): WireRequest;
  protected abstract readSendReply(response: WireResponse, request: PreparedSend): BatchOutcome;
  protected abstract encodeStatus(
    account: ResolvedAccount,
    messageIds: readonly string[],
  ): WireRequest;
  protected abstract readStatusReply(
    response: WireResponse,
    request: PreparedStatus,
  ): DeliveryReport[];
  protected abstract prepareCredit(account: ResolvedAccount): WireRequest;
  protected abstract readCreditReply(response: WireResponse): number;

  /**
   * What logs and `JSON.stringify` show of a transport: the API, hosts, and how it connects
   * (proxy host with credentials masked, `'axios'` for an own instance), never credentials.
   */
  toJSON(): {
    transport: string;
    hosts: Partial<Record<SmsChannel, string>>;
    proxy?: string;
    client?: 'axios';
  } {
    const hosts: Partial<Record<SmsChannel, string>> = {};
    for (const account of Object.values(this.accounts))
      hosts[account.channel] = account.baseUrl.origin;
    const { proxy, httpClient } = this.connectivity;
    return {
      transport: this.api,
      hosts,
      ...(proxy !== undefined ? { proxy: proxy.display } : {}),
      ...(httpClient !== undefined ? { client: 'axios' as const } : {}),
    };
  }

  /** `util.inspect` (console.log, Nest's logger) shows the same safe summary. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `${this.constructor.name} ${JSON.stringify(this.toJSON())}`;
  }

  /** The account (and host) of a channel; a typed error before any network call when missing. */
  protected accountFor(channel: SmsChannel): ResolvedAccount {
    const account = this.accounts[channel];
    if (account === undefined) {
      throw new SmsValidationError(
        'CHANNEL_NOT_CONFIGURED',
        `No ${channel} account is configured, so the ${this.api} transport cannot serve the '${channel}' channel; add accounts.${channel} { username, password } to the options`,
        'channel',
      );
    }
    return account;
  }

  /** A POST to `path` (e.g. `/api_http/sendsms.asp`) on the account's host, under its base path. */
  protected wireRequest(
    account: ResolvedAccount,
    path: string,
    contentType: string,
    body: Buffer | string,
    headers?: Readonly<Record<string, string>>,
  ): WireRequest {
    const host = this.hosts.get(account.channel)!;
    return { origin: host.origin, path: host.basePath + path, contentType, headers, body };
  }

  /** Throws `SmsHttpStatusError` for a status outside 2xx. */
  protected assertHttpOk(response: WireResponse): void {
    if (response.status < 200 || response.status > 299)
      throw new SmsHttpStatusError(response.status);
  }
}
