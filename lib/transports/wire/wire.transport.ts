import { checkIntegerOption } from '../../errors/option-checks.js';
import type { ProviderApi } from '../../errors/provider-codes.js';
import { SmsHttpStatusError } from '../../errors/transport.error.js';
import { InvalidOptionsError, SmsValidationError } from '../../errors/validation.error.js';
import {
  DEFAULT_TIMEOUT_MS,
  MAX_RECIPIENTS_PER_REQUEST,
  MAX_SENDER_LENGTH,
} from '../../posta-guvercini.constants.js';
import { resolveAccounts } from '../resolve-accounts.js';
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
import {
  type SendBatch,
  type SendPlan,
  checkChannel,
  groupByText,
  hasControlCharacter,
  hasLoneSurrogate,
  planSend,
  planStatus,
  slices,
  splitPlan,
} from './send-plan.js';
import {
  type BatchOutcome,
  mapWithConcurrency,
  oneRequestResult,
  runSendRequests,
} from './send-runner.js';
import { loadTelemetry, providerRequest, providerTelemetryOn } from '../../telemetry/telemetry.js';
import { AxiosWireClient } from './axios-wire-client.js';
import { type ResolvedConnectivity, resolveConnectivity } from './connectivity.js';
import {
  WireClient,
  type WireHttpClient,
  type WireRequest,
  type WireResponse,
} from './wire-client.js';

/** Default keep-alive connections per host. */
export const DEFAULT_CONNECTIONS = 64;
const MAX_CONNECTIONS = 1024;
const MAX_TIMEOUT_MS = 300_000;

/** A prepared wire request of a send, with the batch it carries. */
export interface PreparedSend {
  readonly wire: WireRequest;
  readonly batch: SendBatch;
  /** Canonical recipients, in order (for partial-failure reports). */
  readonly recipients: readonly string[];
  /** Their positions in the whole send, when the batch is not a contiguous slice. */
  readonly positions?: readonly number[];
}

/** The wire requests of one send and how many may be in flight at once after the first. */
export interface PreparedSendWork {
  readonly requests: readonly PreparedSend[];
  /** 1 = strictly in order. */
  readonly concurrency: number;
}

/** A prepared wire request of a status query, with the ids it asks about. */
export interface PreparedStatus {
  readonly wire: WireRequest;
  readonly messageIds: readonly string[];
}

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
  private readonly hosts = new Map<SmsChannel, { origin: string; basePath: string }>();
  /** Status requests in flight at once. */
  protected statusConcurrency = 1;

  /**
   * @param api which API the subclass speaks (used in messages before subclass fields exist)
   */
  constructor(
    options: WireTransportOptions,
    protected readonly api: ProviderApi,
  ) {
    super();
    if (options === null || typeof options !== 'object') {
      throw new InvalidOptionsError(
        'options',
        'expected { accounts: { otp?, bulk? }, timeoutMs?, connections?, sender? }',
      );
    }
    this.accounts = resolveAccounts(options.accounts, options.allowInsecureHttp === true);
    this.timeoutMs = checkIntegerOption(
      options.timeoutMs,
      'timeoutMs',
      DEFAULT_TIMEOUT_MS,
      1,
      MAX_TIMEOUT_MS,
    );
    this.connections = checkIntegerOption(
      options.connections,
      'connections',
      DEFAULT_CONNECTIONS,
      1,
      MAX_CONNECTIONS,
    );
    if (
      options.sender !== undefined &&
      (typeof options.sender !== 'string' ||
        options.sender.trim() === '' ||
        options.sender.length > MAX_SENDER_LENGTH)
    ) {
      throw new InvalidOptionsError(
        'sender',
        `expected an originator of 1 to ${MAX_SENDER_LENGTH} characters`,
      );
    }
    if (options.sender !== undefined && !this.carriesSender) {
      throw new InvalidOptionsError(
        'sender',
        `the ${api} transport cannot choose the sender: no attested ${api.toUpperCase()} request carries an originator, so the account's default sender title would be used whatever was asked. Remove sender, or use the json transport`,
      );
    }
    for (const account of Object.values(this.accounts)) {
      for (const field of ['username', 'password'] as const) {
        if (hasControlCharacter(account[field]) || hasLoneSurrogate(account[field])) {
          throw new InvalidOptionsError(
            `accounts.${account.channel}.${field}`,
            'contains a control character or a broken surrogate pair, which no Posta Güvercini API can carry',
          );
        }
      }
    }
    this.defaultSender = options.sender;
    for (const account of Object.values(this.accounts)) {
      this.hosts.set(account.channel, {
        origin: account.baseUrl.origin,
        basePath: account.baseUrl.pathname.replace(/\/+$/, ''),
      });
    }
    this.connectivity = resolveConnectivity(options, this.accounts);
    void loadTelemetry();
    const { httpClient, proxy, tls } = this.connectivity;
    this.client =
      httpClient !== undefined
        ? new AxiosWireClient(httpClient, { timeoutMs: this.timeoutMs })
        : new WireClient({
            timeoutMs: this.timeoutMs,
            connections: this.connections,
            ...(proxy !== undefined ? { proxy } : {}),
            ...(tls !== undefined ? { tls } : {}),
          });
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
      return this.client
        .post(item.wire)
        .then((response) => oneRequestResult(this.readSendReply(response, item), item));
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

  /**
   * One provider request: posts, reads the reply, and records it (a span and metrics when
   * OpenTelemetry is on; see lib/telemetry).
   */
  private exchange<R>(
    operation: 'send' | 'status' | 'credit',
    account: ResolvedAccount,
    wire: WireRequest,
    recipients: number,
    read: (response: WireResponse) => R,
  ): Promise<R> {
    // Without an OpenTelemetry SDK there is nothing to record: post and read, no wrapper.
    if (!providerTelemetryOn()) return this.client.post(wire).then(read);
    return providerRequest(
      {
        api: this.api,
        hostProfile: account.channel,
        operation,
        recipients,
        serverAddress: account.baseUrl.hostname,
      },
      async (span) => {
        const response = await this.client.post(wire);
        span.httpStatus(response.status);
        const value = read(response);
        span.providerCode((value as { providerCode?: string } | null)?.providerCode);
        return value;
      },
    );
  }

  /**
   * Encodes a validated plan into wire requests: split at 800, sent strictly in order (unless
   * the API needs otherwise).
   */
  protected prepareSend(account: ResolvedAccount, plan: SendPlan): PreparedSendWork {
    const requests: PreparedSend[] = [];
    for (const batch of splitPlan(plan, MAX_RECIPIENTS_PER_REQUEST)) {
      const recipients = new Array<string>(batch.messages.length);
      for (let i = 0; i < recipients.length; i++) recipients[i] = batch.messages[i]!.to;
      requests.push({ wire: this.encodeSend(account, batch), batch, recipients });
    }
    return { requests, concurrency: 1 };
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
    const requests = groupByText(plan, MAX_RECIPIENTS_PER_REQUEST).map((batch): PreparedSend => ({
      wire: this.encodeSend(account, batch),
      batch,
      recipients: batch.messages.map((message) => message.to),
      positions: batch.positions,
    }));
    return { requests, concurrency };
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
    return slices(messageIds, MAX_RECIPIENTS_PER_REQUEST).map((ids) => ({
      wire: this.encodeStatus(account, ids),
      messageIds: ids,
    }));
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
