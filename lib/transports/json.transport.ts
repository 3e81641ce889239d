import { SmsProviderError } from '../errors/provider.error.js';
import { SmsMalformedResponseError } from '../errors/transport.error.js';
import { markCanonical } from '../phone/canonical-list.js';
import { MAX_RECIPIENTS_PER_REQUEST } from '../posta-guvercini.constants.js';
import { formatCompactIstanbul } from './istanbul-time.js';
import { statusReportOf } from './json-status.js';
import {
  canonicalOfTurkishKey,
  type KeyedReply,
  type KeyedSendPlan,
  type KeyedSendRequest,
  keptKeyedRequest,
  SEND_KEYED_BATCH,
  sameKeyedRequest,
} from './keyed-batch.js';
import type { DeliveryReport, RecipientResult } from './sms-transport.types.js';
import { keyedSendBody, readAcceptedReply } from './wire/json-batch.js';
import { plainJsonSendReply } from './wire/plain-replies.js';
import { planSend, type SendBatch } from './wire/send-plan.js';
import type { BatchOutcome } from './wire/send-runner.js';
import type { WireRequest, WireResponse } from './wire/wire-client.js';
import { type PreparedSend, type PreparedStatus, WireTransport } from './wire/wire.transport.js';
import type { ResolvedAccount, WireTransportOptions } from './wire-transport.options.js';

const BASE_PATH = '/api_json/v1/Sms/';
const CONTENT_TYPE = 'application/json; charset=utf-8';

type KeyedPlan = KeyedSendPlan<ResolvedAccount, SendBatch>;

interface Envelope {
  readonly StatusCode: number;
  readonly StatusDescription?: string;
  readonly Result: unknown;
}

/**
 * Posta Güvercini's JSON API v1 (`/api_json/v1/Sms/*`, PascalCase, always HTTP 200 with
 * `{ StatusCode, StatusDescription, Result }`).
 *
 * - 1-N: `Send_1_N` (`Message`, `Receivers`); N-N: `Send_N_N` (`Messages: [{ Receiver, Message }]`).
 *   ≤ 800 per request, requests in order. `Channel` (`OTP`/`BULK`) follows the request's channel
 *   and `Originator` carries the sender.
 * - The result has one `{ MessageId, Receiver, Charge }` per recipient: `credits` is the sum of
 *   `Charge`. An entry without a `MessageId` is a rejected recipient. Request-level errors
 *   (`StatusCode` other than 200: `500` bad credentials, `1061` invalid receiver, `1070`, …) are
 *   thrown as `SmsProviderError`.
 * - Status: `Status` (≤ 800 ids) with the provider's own final flag and `StatusTime`
 *   (Istanbul wall clock) as `at`; credit: `CreditBalance`.
 * - UTF-8; `SendDate`/`ExpireDate` as `yyyyMMdd HH:mm` in Istanbul time (seconds are dropped),
 *   `null` when absent; numbers `90` + 10 digits.
 */
export class JsonTransport extends WireTransport {
  readonly name = 'json';
  /** The end of a send body without dates or sender, per account and channel. */
  private readonly plainTails = new Map<string, string>();
  /** The last keyed request's checked plan and fixed bytes: a campaign's batches share them. */
  private keyedPlan: KeyedPlan | undefined;

  constructor(options: WireTransportOptions) {
    super(options, 'json');
  }

  protected encodeSend(account: ResolvedAccount, batch: SendBatch): WireRequest {
    // Built as text: the same bytes `JSON.stringify` gives for the object
    // { Message, Receivers | Messages, SendDate, ExpireDate, Channel, Originator, Username,
    // Password }, without an object per request. Numbers are canonical digits (no escaping).
    let body: string;
    let operation: string;
    if (batch.text !== undefined) {
      operation = 'Send_1_N';
      body = `{"Message":${jsonString(batch.text)},"Receivers":[`;
      const messages = batch.messages;
      for (let i = 0; i < messages.length; i++)
        body += i === 0 ? `"${messages[i]!.to}"` : `,"${messages[i]!.to}"`;
      body += ']';
    } else {
      operation = 'Send_N_N';
      body = '{"Messages":[';
      const messages = batch.messages;
      for (let i = 0; i < messages.length; i++) {
        const message = messages[i]!;
        body += `${i === 0 ? '' : ','}{"Receiver":"${message.to}","Message":${JSON.stringify(message.text)}}`;
      }
      body += ']';
    }
    body += this.sendTail(account, batch);
    return this.wireRequest(account, `${BASE_PATH}${operation}`, CONTENT_TYPE, body);
  }

  /** `,"SendDate":…,"Password":"…"}` of a send; the common case (no dates, no sender) built once. */
  private sendTail(account: ResolvedAccount, batch: SendBatch): string {
    const plain =
      batch.sendAt === undefined && batch.validUntil === undefined && batch.sender === undefined;
    const key = `${account.channel}:${batch.channel}`;
    if (plain) {
      const cached = this.plainTails.get(key);
      if (cached !== undefined) return cached;
    }
    const tail = `,"SendDate":${batch.sendAt ? `"${formatCompactIstanbul(batch.sendAt)}"` : 'null'},"ExpireDate":${batch.validUntil ? `"${formatCompactIstanbul(batch.validUntil)}"` : 'null'},"Channel":"${batch.channel === 'otp' ? 'OTP' : 'BULK'}","Originator":${batch.sender !== undefined ? JSON.stringify(batch.sender) : 'null'},"Username":${JSON.stringify(account.username)},"Password":${JSON.stringify(account.password)}}`;
    if (plain) this.plainTails.set(key, tail);
    return tail;
  }

  /**
   * A campaign's 1-N batch as numeric keys (lib/transports/keyed-batch.ts): the same checks,
   * request and reply reading as `send()`, without a string or object per recipient. Not
   * offered to subclasses or to an instance whose `send` was replaced (they get `send()`).
   */
  [SEND_KEYED_BATCH](
    request: KeyedSendRequest,
    keys: ArrayLike<number>,
  ): Promise<KeyedReply> | undefined {
    if (
      Object.getPrototypeOf(this) !== JsonTransport.prototype ||
      this.send !== JsonTransport.prototype.send ||
      keys.length === 0 ||
      keys.length > MAX_RECIPIENTS_PER_REQUEST
    ) {
      return undefined;
    }
    let plan = this.keyedPlan;
    try {
      if (plan === undefined || !sameKeyedRequest(plan.request, request))
        plan = this.keyedPlan = this.planKeyed(request, keys[0]!);
    } catch (error) {
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the typed error thrown above
      return Promise.reject(error);
    }
    const { account, batch, head, tail } = plan;
    const body = keyedSendBody(head, keys, tail);
    const wire = this.wireRequest(account, `${BASE_PATH}Send_1_N`, CONTENT_TYPE, body);
    // One provider request, recorded as send()'s are when OpenTelemetry is on.
    return this.exchange('send', account, wire, keys.length, (response): KeyedReply => {
      this.assertHttpOk(response);
      const accepted = readAcceptedReply(response.body, keys.length);
      if (accepted !== undefined) return accepted;
      const recipients = Array.from(keys, canonicalOfTurkishKey);
      const outcome = this.readSendReply(response, { recipients, wire, batch });
      return { accepted: false, outcome, providerCode: outcome.providerCode };
    });
  }

  /** send()'s checks (channel, text, dates, sender) on a request of the first number. */
  private planKeyed(request: KeyedSendRequest, firstKey: number): KeyedPlan {
    const to = markCanonical([canonicalOfTurkishKey(firstKey)]);
    const batch = { ...planSend({ ...request, to }, this.defaultSender), offset: 0 };
    const account = this.accountFor(batch.channel);
    return {
      request: keptKeyedRequest(request),
      account,
      batch,
      head: Buffer.from(`{"Message":${JSON.stringify(batch.text)},"Receivers":[`, 'utf8'),
      tail: Buffer.from(`]${this.sendTail(account, batch)}`, 'utf8'),
    };
  }

  protected readSendReply(response: WireResponse, request: PreparedSend): BatchOutcome {
    this.assertHttpOk(response);
    const text = response.body.toString('utf8');
    const count = request.recipients.length;
    const plain = count === 1 ? plainJsonSendReply(text) : undefined;
    if (plain !== undefined) {
      const { messageId, charge } = plain;
      const to = request.recipients[0]!;
      const result: RecipientResult =
        messageId === ''
          ? rejectedWithoutId(to)
          : { to, status: 'accepted', messageId, charge, providerCode: 'StatusCode=200' };
      return { recipients: [result], credits: charge, providerCode: 'StatusCode=200' };
    }
    const entries = this.parseEnvelope(response, text).Result;
    if (!Array.isArray(entries) || entries.length !== count) {
      throw new SmsMalformedResponseError(
        `the JSON API answered ${Array.isArray(entries) ? entries.length : 'no'} results for ${count} recipients`,
      );
    }
    let credits = 0;
    const recipients: RecipientResult[] = request.recipients.map((to, i) => {
      const entry = entries[i] as { MessageId?: unknown; Charge?: unknown } | null;
      const messageId = entry?.MessageId;
      const charge = Number(entry?.Charge ?? 0);
      if (!Number.isFinite(charge))
        throw new SmsMalformedResponseError('the JSON API answered a Charge that is not a number');
      credits += charge;
      if (typeof messageId !== 'string' || messageId === '') return rejectedWithoutId(to);
      return { to, status: 'accepted', messageId, charge, providerCode: 'StatusCode=200' };
    });
    return { recipients, credits, providerCode: 'StatusCode=200' };
  }

  protected encodeStatus(account: ResolvedAccount, messageIds: readonly string[]): WireRequest {
    return this.request(account, 'Status', {
      MessageIds: messageIds,
      Username: account.username,
      Password: account.password,
    });
  }

  protected readStatusReply(response: WireResponse, request: PreparedStatus): DeliveryReport[] {
    const entries = this.readEnvelope(response).Result;
    const count = request.messageIds.length;
    if (!Array.isArray(entries) || entries.length !== count) {
      throw new SmsMalformedResponseError(
        `the JSON API answered ${Array.isArray(entries) ? entries.length : 'no'} statuses for ${count} message ids`,
      );
    }
    return request.messageIds.map((messageId, i) => statusReportOf(messageId, entries[i]));
  }

  protected prepareCredit(account: ResolvedAccount): WireRequest {
    return this.request(account, 'CreditBalance', {
      Username: account.username,
      Password: account.password,
    });
  }

  protected readCreditReply(response: WireResponse): number {
    const result = this.readEnvelope(response).Result as { Balance?: unknown } | null;
    const balance = Number(result?.Balance ?? NaN);
    if (!Number.isFinite(balance))
      throw new SmsMalformedResponseError(
        'the JSON API credit reply has no number in Result.Balance',
      );
    return balance;
  }

  private request(account: ResolvedAccount, operation: string, body: object): WireRequest {
    return this.wireRequest(
      account,
      `${BASE_PATH}${operation}`,
      CONTENT_TYPE,
      JSON.stringify(body),
    );
  }

  /** Parses the envelope; a `StatusCode` other than 200 → `SmsProviderError`. */
  private readEnvelope(response: WireResponse): Envelope {
    this.assertHttpOk(response);
    return this.parseEnvelope(response, response.body.toString('utf8'));
  }

  private parseEnvelope(response: WireResponse, text: string): Envelope {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new SmsMalformedResponseError(
        `the JSON API answered ${response.body.length} bytes that are not JSON`,
        { cause: error },
      );
    }
    const envelope = parsed as Partial<Envelope> | null;
    if (
      envelope === null ||
      typeof envelope !== 'object' ||
      typeof envelope.StatusCode !== 'number'
    ) {
      throw new SmsMalformedResponseError(
        'the JSON API answered JSON without a numeric StatusCode',
      );
    }
    if (envelope.StatusCode !== 200) {
      throw new SmsProviderError(
        'json',
        String(envelope.StatusCode),
        typeof envelope.StatusDescription === 'string' && envelope.StatusDescription !== ''
          ? envelope.StatusDescription
          : undefined,
      );
    }
    return envelope as Envelope;
  }
}

/** Text `JSON.stringify` writes as it is between quotes: no `"`, `\`, control or surrogate. */
// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const JSON_AS_IS = /^[^"\\\u0000-\u001f\ud800-\udfff]*$/;

/** `JSON.stringify(text)`, with the common case (nothing to escape) answered by one native scan. */
function jsonString(text: string): string {
  return JSON_AS_IS.test(text) ? `"${text}"` : JSON.stringify(text);
}

/** A recipient the provider answered without a message id. */
function rejectedWithoutId(to: string): RecipientResult {
  return {
    to,
    status: 'rejected',
    error: new SmsProviderError(
      'json',
      'MessageId=""',
      'the provider gave this recipient no message id',
    ),
    providerCode: 'MessageId=""',
  };
}
