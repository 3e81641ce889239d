import { SmsProviderError } from '../errors/provider.error.js';
import { SmsMalformedResponseError } from '../errors/transport.error.js';
import { escapeXmlForIso88599 } from '../message/iso-8859-9.js';
import { escapeXmlIso88599Attribute } from './wire/xml-escape.js';
import { replyText, XML_REPLY } from './wire/reply-text.js';
import { toTurkishNationalNumber } from '../phone/phone-number.js';
import { formatSlashedIstanbul } from './istanbul-time.js';
import type { DeliveryReport, RecipientResult } from './sms-transport.types.js';
import type { SendBatch } from './wire/send-plan.js';
import type { BatchOutcome } from './wire/send-runner.js';
import type { WireRequest, WireResponse } from './wire/wire-client.js';
import { type PreparedSend, type PreparedStatus, WireTransport } from './wire/wire.transport.js';
import type { ResolvedAccount, WireTransportOptions } from './wire-transport.options.js';
import {
  readXmlReply,
  readXmlStatusReply,
  XML_CONTENT_TYPE,
  XML_STATUS_PATH,
  xmlClientElement,
  xmlDocument,
  type XmlDocumentHead,
  xmlDocumentHead,
  xmlDocumentWithText,
  xmlStatusRequest,
} from './wire/xml-api.js';
import { childNamed, childrenNamed } from './wire/xml-reader.js';
import { type InsertResult, plainXmlInserts } from './wire/plain-replies.js';

const SEND_PATH = '/api_xml/Sms_insreq.asp';
const REJECTED_MEANING =
  'the provider refused this recipient (res is not 1), usually an invalid or unreachable number';

/**
 * Posta Güvercini's XML API (`/api_xml/*.asp`, documented by the vendor's XML API v1.2.0).
 *
 * - 1-N: `Sms_insreq.asp` with one `INSERTMSG` and a `TO` per number; N-N: one `INSERT` per
 *   message. ≤ 800 per request, requests in order.
 * - Per-recipient rejections (`<INSERT id="" res="0"/>`) come back as `status: 'rejected'` with
 *   an `SmsProviderError`; the other recipients of the request are still accepted.
 * - Status: `Sms_stareqx.asp` (≤ 800 ids, the reply includes the number); credit: `Cre_balreq.asp`.
 * - Replies are read with or without an `<?xml?>` declaration (the vendor's examples have none).
 * - Documents are ISO-8859-9 with an XML declaration; every attribute is escaped, and a
 *   character ISO-8859-9 lacks (`—`, an emoji) travels as a numeric character reference
 *   (`&#8212;`), so any text arrives exactly.
 * - Numbers in the 10-digit national form (`5321234567`); `dt`/`dt2` as `YYYY/MM/DD HH:MM` in
 *   Istanbul time (`dt=""` = now; seconds are dropped).
 * - The XML API has no originator field: the account's default sender title is always used, and
 *   a `sender` (option or request) is refused with a typed error rather than silently dropped;
 *   use the JSON transport to choose the sender.
 */
export class XmlTransport extends WireTransport {
  readonly name = 'xml';
  /** `<CLIENT user="…" pwd="…"/>`, escaped once per account. */
  private readonly clientElements = new Map<string, string>();
  /** A 1-N send document up to its text (`…<INSERTMSG text="`), encoded once per account. */
  private readonly insertHeads = new Map<string, XmlDocumentHead>();

  protected override get carriesSender(): boolean {
    return false;
  }

  constructor(options: WireTransportOptions) {
    super(options, 'xml');
    for (const account of Object.values(this.accounts)) {
      const client = xmlClientElement(account);
      this.clientElements.set(account.channel, client);
      this.insertHeads.set(
        account.channel,
        xmlDocumentHead(`<SMS-InsRequest>${client}<INSERTMSG text="`),
      );
    }
  }

  /** The shared text rules, then XML 1.0's (U+FFFE and U+FFFF are not XML characters). */
  override assertText(text: string, field = 'text'): void {
    super.assertText(text, field);
    escapeXmlForIso88599(text, { field });
  }

  protected encodeSend(account: ResolvedAccount, batch: SendBatch): WireRequest {
    const dt = batch.sendAt ? formatSlashedIstanbul(batch.sendAt) : '';
    const dt2 = batch.validUntil ? ` dt2="${formatSlashedIstanbul(batch.validUntil)}"` : '';
    if (batch.text !== undefined) {
      // 1-N: the head is encoded once per account; the text and the numbers follow it.
      let rest = `" dt="${dt}"${dt2}>`;
      for (const message of batch.messages)
        rest += `<TO>${toTurkishNationalNumber(message.to)}</TO>`;
      rest += '</INSERTMSG></SMS-InsRequest>';
      const head = this.insertHeads.get(account.channel)!;
      const document = xmlDocumentWithText(head, batch.text, 'text', rest);
      return this.wireRequest(account, SEND_PATH, XML_CONTENT_TYPE, document);
    }
    let body = `<SMS-InsRequest>${this.clientElements.get(account.channel)!}`;
    batch.messages.forEach((message, i) => {
      const text = escapeXmlIso88599Attribute(message.text, `messages[${batch.offset + i}].text`);
      body += `<INSERT to="${toTurkishNationalNumber(message.to)}" text="${text}" dt="${dt}"${dt2}/>`;
    });
    body += '</SMS-InsRequest>';
    return this.request(account, SEND_PATH, body);
  }

  protected readSendReply(response: WireResponse, request: PreparedSend): BatchOutcome {
    const count = request.recipients.length;
    const ok = response.status >= 200 && response.status <= 299;
    const inserts =
      (ok ? plainXmlInserts(replyText(response, 'iso-8859-9', XML_REPLY), count) : undefined) ??
      readInserts(response);
    if (inserts.length !== request.recipients.length) {
      throw new SmsMalformedResponseError(
        `the XML API answered ${inserts.length} INSERT results for ${request.recipients.length} recipients`,
      );
    }
    const recipients = new Array<RecipientResult>(count);
    for (let i = 0; i < count; i++)
      recipients[i] = recipientResult(request.recipients[i]!, inserts[i]!);
    return { recipients, credits: 0, providerCode: 'SMS-Response' };
  }

  protected encodeStatus(account: ResolvedAccount, messageIds: readonly string[]): WireRequest {
    return this.wireRequest(
      account,
      XML_STATUS_PATH,
      XML_CONTENT_TYPE,
      xmlStatusRequest(this.clientElements.get(account.channel)!, messageIds),
    );
  }

  protected readStatusReply(response: WireResponse, request: PreparedStatus): DeliveryReport[] {
    return readXmlStatusReply(response, request.messageIds);
  }

  protected prepareCredit(account: ResolvedAccount): WireRequest {
    const body = `<CREDIT-BalRequest>${this.clientElements.get(account.channel)!}<BALANCE req="1"/></CREDIT-BalRequest>`;
    return this.request(account, '/api_xml/Cre_balreq.asp', body);
  }

  protected readCreditReply(response: WireResponse): number {
    const balance = childNamed(readXmlReply(response, 'CREDIT-Response'), 'BALANCE');
    const credit = Number(balance?.attributes['res'] ?? NaN);
    if (!Number.isFinite(credit))
      throw new SmsMalformedResponseError('the XML API credit reply has no number in BALANCE res');
    return credit;
  }

  private request(account: ResolvedAccount, path: string, document: string): WireRequest {
    return this.wireRequest(account, path, XML_CONTENT_TYPE, xmlDocument(document));
  }
}

/** A recipient's result from its `INSERT`: accepted with its id when `res` is 1. */
function recipientResult(to: string, insert: InsertResult): RecipientResult {
  const { id, res } = insert;
  if (res === '1' && id !== '')
    return { to, status: 'accepted', messageId: id, providerCode: 'res=1' };
  return {
    to,
    status: 'rejected',
    error: new SmsProviderError('xml', `res=${res}`, REJECTED_MEANING),
    providerCode: `res=${res}`,
  };
}

function readInserts(response: WireResponse): InsertResult[] {
  return childrenNamed(readXmlReply(response, 'SMS-Response'), 'INSERT').map((insert) => ({
    id: insert.attributes['id'] ?? '',
    res: insert.attributes['res'] ?? '',
  }));
}
