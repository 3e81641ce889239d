import { SmsProviderError } from '../errors/provider.error.js';
import { SmsMalformedResponseError } from '../errors/transport.error.js';
import { InvalidOptionsError } from '../errors/validation.error.js';
import {
  assertIso88599Encodable,
  findUnencodableCharacter,
  percentEncodeIso88599,
} from '../message/iso-8859-9.js';
import { deliveryReportOf } from './delivery-status.js';
import { formatCompactIstanbul } from './istanbul-time.js';
import type { DeliveryReport, RecipientResult } from './sms-transport.types.js';
import { type HttpReply, parseHttpReply } from './wire/http-reply.js';
import { replyText } from './wire/reply-text.js';
import type { SendBatch, SendPlan } from './wire/send-plan.js';
import type { BatchOutcome } from './wire/send-runner.js';
import type { WireRequest, WireResponse } from './wire/wire-client.js';
import {
  type PreparedSend,
  type PreparedSendWork,
  type PreparedStatus,
  WireTransport,
} from './wire/wire.transport.js';
import type { ResolvedAccount, WireTransportOptions } from './wire-transport.options.js';

/** Options of `HttpTransport`. */
export interface HttpTransportOptions extends WireTransportOptions {
  /**
   * Requests in flight at once where the HTTP API needs one request per item: N-N sends (one
   * `sendsms.asp` per message) and status queries (one `querysms.asp` per message id).
   * Capped at `connections`.
   * @default 16
   */
  readonly concurrency?: number;
}

const CONTENT_TYPE = 'application/x-www-form-urlencoded';
/** Form values are percent-encoded in windows-1254: ISO-8859-9 plus typographic characters (see below). */
const CHARSET = 'windows-1254';
const UNKNOWN_MESSAGE_ID = '-1005';

/**
 * Posta Güvercini's HTTP API (`/api_http/*.asp`, key=value replies).
 *
 * - 1 recipient → `sendsms.asp`; 1-N → `sendbulksms.asp` with `gsm` repeated, ≤ 800 per request,
 *   requests in order.
 * - **N-N has no HTTP endpoint**: it is emulated with one `sendsms.asp` per message. The first
 *   goes alone, the rest with at most `concurrency` in flight; if one fails, no new one starts
 *   and `SmsPartialSendError` reports every message (accepted, failed, or not sent). Prefer the
 *   XML or JSON transport for large N-N campaigns.
 * - Status: one `querysms.asp` per id (the API takes one id), `concurrency` in flight.
 * - Credit: `querycredit.asp`.
 * - Body: `application/x-www-form-urlencoded`, credentials in the body (never the URL), values
 *   percent-encoded byte-wise in windows-1254 — byte-identical to ISO-8859-9 for every Turkish
 *   and Latin letter, plus typographic characters such as `—` `“ ”` `€` (the classic-ASP server
 *   decodes form data with the Turkish Windows code page; the simulator does the same). A
 *   character neither has (an emoji) is a `SmsValidationError` before any request: use the
 *   JSON or SOAP transport (UTF-8) for such texts.
 * - Numbers `90` + 10 digits; `dt`/`dt2` as `yyyyMMdd HH:mm` in Istanbul time (minutes: seconds
 *   are dropped); sender as `originator`.
 */
export class HttpTransport extends WireTransport {
  readonly name = 'http';
  private readonly concurrency: number;
  /** `user=…&password=…`, encoded once per account. */
  private readonly credentialFields = new Map<string, string>();

  constructor(options: HttpTransportOptions) {
    super(options, 'http');
    const concurrency = options.concurrency ?? 16;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new InvalidOptionsError('concurrency', 'expected an integer ≥ 1');
    }
    this.concurrency = Math.min(concurrency, this.connections);
    this.statusConcurrency = this.concurrency;
    for (const account of Object.values(this.accounts)) {
      for (const field of ['username', 'password'] as const) {
        if (findUnencodableCharacter(account[field], CHARSET) !== undefined) {
          throw new InvalidOptionsError(
            `accounts.${account.channel}.${field}`,
            `contains a character the HTTP API cannot carry (not in ISO-8859-9/windows-1254); use the JSON or SOAP transport`,
          );
        }
      }
      this.credentialFields.set(
        account.channel,
        `user=${percentEncodeIso88599(account.username, { charset: CHARSET })}&password=${percentEncodeIso88599(account.password, { charset: CHARSET })}`,
      );
    }
  }

  /** The shared text rules, then windows-1254: a character it has no byte for (an emoji, Cyrillic) is `TEXT_NOT_ENCODABLE`. */
  override assertText(text: string, field = 'text'): void {
    super.assertText(text, field);
    assertIso88599Encodable(text, { charset: CHARSET, field });
  }

  protected override prepareSend(account: ResolvedAccount, plan: SendPlan): PreparedSendWork {
    if (plan.text !== undefined) return super.prepareSend(account, plan);
    // N-N emulation: one sendsms.asp per message.
    const requests = plan.messages.map((message, offset) => {
      const batch: SendBatch = { ...plan, messages: [message], offset };
      return { wire: this.encodeSend(account, batch), batch, recipients: [message.to] };
    });
    return { requests, concurrency: this.concurrency };
  }

  protected encodeSend(account: ResolvedAccount, batch: SendBatch): WireRequest {
    const single = batch.messages.length === 1;
    let body = this.credentials(account);
    for (const message of batch.messages) body += `&gsm=${message.to}`;
    const text = single ? batch.messages[0]!.text : batch.text!;
    body += `&text=${percentEncodeIso88599(text, { charset: CHARSET, field: batch.text === undefined ? `messages[${batch.offset}].text` : 'text' })}`;
    if (batch.sendAt) body += `&dt=${percentEncodeIso88599(formatCompactIstanbul(batch.sendAt))}`;
    if (batch.validUntil)
      body += `&dt2=${percentEncodeIso88599(formatCompactIstanbul(batch.validUntil))}`;
    if (batch.sender)
      body += `&originator=${percentEncodeIso88599(batch.sender, { charset: CHARSET, field: 'sender' })}`;
    return this.request(
      account,
      single ? '/api_http/sendsms.asp' : '/api_http/sendbulksms.asp',
      body,
    );
  }

  protected readSendReply(response: WireResponse, request: PreparedSend): BatchOutcome {
    const reply = this.readReply(response);
    const ids = reply.all('message_id');
    const recipients = request.recipients;
    if (ids.length !== recipients.length || ids.some((id) => id === '')) {
      throw new SmsMalformedResponseError(
        `the HTTP API accepted the request but returned ${ids.length} message ids for ${recipients.length} recipients`,
      );
    }
    const chargeText = reply.get('charge');
    const charge = chargeText === undefined || chargeText === '' ? 0 : Number(chargeText);
    if (!Number.isFinite(charge))
      throw new SmsMalformedResponseError('the HTTP API returned a charge that is not a number');
    const single = recipients.length === 1;
    const results: RecipientResult[] = recipients.map((to, i) => ({
      to,
      status: 'accepted',
      messageId: ids[i]!,
      providerCode: 'errno=0',
      ...(single && chargeText !== undefined && chargeText !== '' ? { charge } : {}),
    }));
    return { recipients: results, credits: charge, providerCode: 'errno=0' };
  }

  protected override prepareStatus(
    account: ResolvedAccount,
    messageIds: readonly string[],
  ): PreparedStatus[] {
    return messageIds.map((id) => ({ wire: this.encodeStatus(account, [id]), messageIds: [id] }));
  }

  protected encodeStatus(account: ResolvedAccount, messageIds: readonly string[]): WireRequest {
    const body = `${this.credentials(account)}&message_id=${percentEncodeIso88599(messageIds[0]!, { charset: CHARSET, field: 'messageIds' })}`;
    return this.request(account, '/api_http/querysms.asp', body);
  }

  protected readStatusReply(response: WireResponse, request: PreparedStatus): DeliveryReport[] {
    const messageId = request.messageIds[0]!;
    const reply = this.readReply(response, [UNKNOWN_MESSAGE_ID]);
    const raw = reply.get('errno') === UNKNOWN_MESSAGE_ID ? '' : reply.get('status');
    if (raw === undefined || (raw === '' && reply.get('errno') !== UNKNOWN_MESSAGE_ID)) {
      throw new SmsMalformedResponseError('the HTTP API status reply has no status');
    }
    return [deliveryReportOf(messageId, raw)];
  }

  protected prepareCredit(account: ResolvedAccount): WireRequest {
    return this.request(account, '/api_http/querycredit.asp', this.credentials(account));
  }

  protected readCreditReply(response: WireResponse): number {
    const credit = Number(this.readReply(response).get('credit') ?? NaN);
    if (!Number.isFinite(credit))
      throw new SmsMalformedResponseError('the HTTP API credit reply has no number in credit');
    return credit;
  }

  private credentials(account: ResolvedAccount): string {
    return this.credentialFields.get(account.channel)!;
  }

  private request(account: ResolvedAccount, path: string, body: string): WireRequest {
    return this.wireRequest(account, path, CONTENT_TYPE, body);
  }

  /** Parses a reply; `errno` other than 0 (and the tolerated ones) → `SmsProviderError`. */
  private readReply(response: WireResponse, tolerated: readonly string[] = []): HttpReply {
    this.assertHttpOk(response);
    const reply = parseHttpReply(replyText(response, CHARSET));
    if (reply === undefined) {
      throw new SmsMalformedResponseError(
        `the HTTP API answered ${response.body.length} bytes (${response.contentType ?? 'no content type'}) that are not errno=…&errtext=…`,
      );
    }
    const errno = reply.get('errno')!;
    if (errno !== '0' && !tolerated.includes(errno)) {
      throw new SmsProviderError('http', errno, reply.get('errtext') || undefined);
    }
    return reply;
  }
}
