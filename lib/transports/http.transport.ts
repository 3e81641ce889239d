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
import { plainHttpSendReply } from './wire/plain-replies.js';
import { replyText } from './wire/reply-text.js';
import { type SendBatch, type SendPlan, textFieldOf } from './wire/send-plan.js';
import type { BatchOutcome } from './wire/send-runner.js';
import type { WireRequest, WireResponse } from './wire/wire-client.js';
import {
  type PreparedSend,
  type PreparedSendWork,
  type PreparedStatus,
  WireTransport,
} from './wire/wire.transport.js';
import type { ConcurrentWireTransportOptions, ResolvedAccount } from './wire-transport.options.js';

/** Options of `HttpTransport`. */
export interface HttpTransportOptions extends ConcurrentWireTransportOptions {
  /**
   * Requests in flight at once where the HTTP API needs several requests for one call: N-N
   * sends (one request per distinct text) and status queries (one `querysms.asp` per message
   * id). Capped at `connections`.
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
 *   requests in order. The reply is read in both attested layouts: one block
 *   (`errno=0&errtext=&message_id=…&message_id=…&charge=n`) and one
 *   `errno/errtext/message_id/charge` block per recipient, where a failed block rejects only
 *   that recipient.
 * - **N-N has no HTTP endpoint**: it is emulated with one request per distinct text (identical
 *   texts grouped into one `sendbulksms.asp`, ≤ 800 numbers; a text for one number goes as
 *   `sendsms.asp`). The first goes alone, the rest with at most `concurrency` in flight; if one
 *   fails, no new one starts and `SmsPartialSendError` reports every message (accepted,
 *   failed, or not sent). Prefer the XML or JSON transport for large N-N campaigns.
 * - Status: one `querysms.asp` per id (the API takes one id), `concurrency` in flight; the
 *   status is read as a bare code (`400`) or with the final flag (`400|1`).
 * - Credit: `querycredit.asp`.
 * - Body: `application/x-www-form-urlencoded`, credentials in the body (never the URL), values
 *   percent-encoded byte-wise in windows-1254 — byte-identical to ISO-8859-9 for every Turkish
 *   and Latin letter, plus typographic characters such as `—` `“ ”` `€` (the classic-ASP server
 *   decodes form data with the Turkish Windows code page; the simulator does the same). A
 *   character neither has (an emoji) is a `SmsValidationError` before any request: use the
 *   JSON or SOAP transport (UTF-8) for such texts.
 * - Numbers `90` + 10 digits; `dt`/`dt2` as `yyyyMMdd HH:mm` in Istanbul time (minutes: seconds
 *   are dropped).
 * - **No sender**: no client sends an originator on the HTTP API, and classic ASP drops keys it
 *   does not know, so the message would leave under the account's default title while the
 *   package reported the requested one. A `sender` (option or request) is refused with a typed
 *   error; use the JSON transport to choose the sender.
 */
export class HttpTransport extends WireTransport {
  readonly name = 'http';
  private readonly concurrency: number;
  /** `user=…&password=…`, encoded once per account. */
  private readonly credentialFields = new Map<string, string>();

  protected override get carriesSender(): boolean {
    return false;
  }

  constructor(options: HttpTransportOptions) {
    super(options, 'http');
    this.concurrency = this.resolveConcurrency(options.concurrency);
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
    return plan.text !== undefined
      ? super.prepareSend(account, plan)
      : this.prepareGroupedSend(account, plan, this.concurrency);
  }

  protected encodeSend(account: ResolvedAccount, batch: SendBatch): WireRequest {
    const single = batch.messages.length === 1;
    let body = this.credentials(account);
    for (const message of batch.messages) body += `&gsm=${message.to}`;
    const text = batch.text ?? batch.messages[0]!.text;
    body += `&text=${percentEncodeIso88599(text, { charset: CHARSET, field: textFieldOf(batch) })}`;
    if (batch.sendAt) body += `&dt=${percentEncodeIso88599(formatCompactIstanbul(batch.sendAt))}`;
    if (batch.validUntil)
      body += `&dt2=${percentEncodeIso88599(formatCompactIstanbul(batch.validUntil))}`;
    return this.request(
      account,
      single ? '/api_http/sendsms.asp' : '/api_http/sendbulksms.asp',
      body,
    );
  }

  protected readSendReply(response: WireResponse, request: PreparedSend): BatchOutcome {
    const recipients = request.recipients;
    this.assertHttpOk(response);
    const text = replyText(response, CHARSET);
    const plain = recipients.length === 1 ? plainHttpSendReply(text) : undefined;
    if (plain !== undefined) {
      const { messageId, charge } = plain;
      const result: RecipientResult = {
        to: recipients[0]!,
        status: 'accepted',
        messageId,
        providerCode: 'errno=0',
        charge,
      };
      return { recipients: [result], credits: charge, providerCode: 'errno=0' };
    }
    const parsed = this.parseText(response, text);
    const blocks = parsed.blocks();
    if (blocks.length > 1) return this.readPerRecipientBlocks(blocks, recipients);
    const reply = this.checkErrno(parsed);
    const ids = reply.all('message_id');
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

  /** A `sendbulksms.asp` reply with one `errno/errtext/message_id/charge` block per recipient. */
  private readPerRecipientBlocks(
    blocks: readonly HttpReply[],
    recipients: readonly string[],
  ): BatchOutcome {
    if (blocks.length !== recipients.length) {
      throw new SmsMalformedResponseError(
        `the HTTP API answered ${blocks.length} errno blocks for ${recipients.length} recipients`,
      );
    }
    let credits = 0;
    const results = recipients.map((to, i): RecipientResult => {
      const block = blocks[i]!;
      const errno = block.get('errno')!;
      if (errno !== '0') {
        return {
          to,
          status: 'rejected',
          error: new SmsProviderError('http', errno, block.get('errtext') || undefined),
          providerCode: `errno=${errno}`,
        };
      }
      const messageId = block.get('message_id') ?? '';
      if (messageId === '')
        throw new SmsMalformedResponseError(
          'the HTTP API accepted a recipient without a message_id',
        );
      const chargeText = block.get('charge');
      const charge = chargeText === undefined || chargeText === '' ? undefined : Number(chargeText);
      if (charge !== undefined && !Number.isFinite(charge))
        throw new SmsMalformedResponseError('the HTTP API returned a charge that is not a number');
      credits += charge ?? 0;
      return {
        to,
        status: 'accepted',
        messageId,
        providerCode: 'errno=0',
        ...(charge !== undefined ? { charge } : {}),
      };
    });
    return { recipients: results, credits, providerCode: 'errno=0' };
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
    return this.checkErrno(this.parseReply(response), tolerated);
  }

  private parseReply(response: WireResponse): HttpReply {
    this.assertHttpOk(response);
    return this.parseText(response, replyText(response, CHARSET));
  }

  private parseText(response: WireResponse, text: string): HttpReply {
    const reply = parseHttpReply(text);
    if (reply === undefined) {
      throw new SmsMalformedResponseError(
        `the HTTP API answered ${response.body.length} bytes (${response.contentType ?? 'no content type'}) that are not errno=…&errtext=…`,
      );
    }
    return reply;
  }

  private checkErrno(reply: HttpReply, tolerated: readonly string[] = []): HttpReply {
    const errno = reply.get('errno')!;
    if (errno !== '0' && !tolerated.includes(errno)) {
      throw new SmsProviderError('http', errno, reply.get('errtext') || undefined);
    }
    return reply;
  }
}
