import { SmsProviderError } from '../errors/provider.error.js';
import { SmsHttpStatusError, SmsMalformedResponseError } from '../errors/transport.error.js';
import { deliveryReportOf } from './delivery-status.js';
import { formatIsoIstanbul } from './istanbul-time.js';
import type { DeliveryReport, RecipientResult } from './sms-transport.types.js';
import { replyText } from './wire/reply-text.js';
import type { SendBatch } from './wire/send-plan.js';
import type { BatchOutcome } from './wire/send-runner.js';
import type { WireRequest, WireResponse } from './wire/wire-client.js';
import { type PreparedSend, type PreparedStatus, WireTransport } from './wire/wire.transport.js';
import type { ResolvedAccount, WireTransportOptions } from './wire-transport.options.js';
import { escapeXmlUtf8 } from './wire/xml-escape.js';
import {
  childNamed,
  childrenNamed,
  parseXml,
  type XmlElement,
  XmlSyntaxError,
} from './wire/xml-reader.js';

/** Target namespace of the ASMX service. */
export const SOAP_NAMESPACE = 'http://83.66.137.24/PgApiWs';
const PATH = '/api_ws/smsservice.asmx';
const CONTENT_TYPE = 'text/xml; charset=utf-8';
const ENVELOPE_OPEN =
  '<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"><soap:Body>';
const ENVELOPE_CLOSE = '</soap:Body></soap:Envelope>';
/** A result entry that is a provider code rather than a message id: `-1003`, `20`, `ERR1070`. */
const CODE_ENTRY = /^(?:-?\d+|ERR\d+)$/;
/** Codes that reject one recipient; any other code alone in a result is about the whole request. */
const RECIPIENT_CODES = new Set(['-1003']);
const NIL = ' xsi:nil="true"';

/**
 * Posta Güvercini's SOAP 1.1 web service (`/api_ws/smsservice.asmx`, ASMX, namespace
 * `http://83.66.137.24/PgApiWs`).
 *
 * - 1-N: `SmsInsert_1_N` (`Recepients` — the vendor's spelling — and `Message`); N-N:
 *   `SmsInsert_N_N` (`Recepients` and `Messages`, parallel arrays). ≤ 800 per request, in order.
 * - The result is one string per recipient: a message id, or a code (`-1003`) that rejects that
 *   recipient (`status: 'rejected'` with an `SmsProviderError`). A request-level error is a
 *   single code entry (`-1001`, `ERR1070`) and is thrown as `SmsProviderError`.
 * - Status: `SmsStatus` (`MessageIds`, ≤ 800) → `CODE|F` per id; credit: `CreditBalance`.
 * - UTF-8 documents, every value escaped; `SendDate`/`ExpireDate` as ISO dateTime with the
 *   Istanbul offset (`2026-11-27T19:30:00+03:00`), `xsi:nil` when absent; numbers `90` + 10
 *   digits. A `soap:Client` fault is an `SmsProviderError` (`soap:Client`); other faults and
 *   non-2xx statuses are `SmsHttpStatusError`.
 * - The service has no originator parameter: a `sender` is refused with a typed error rather
 *   than dropped; use the HTTP or JSON transport to choose the sender.
 */
export class SoapTransport extends WireTransport {
  readonly name = 'soap';
  /** `<Username>…</Username><Password>…</Password>`, escaped once per account. */
  private readonly credentialElements = new Map<string, string>();

  protected override get carriesSender(): boolean {
    return false;
  }

  constructor(options: WireTransportOptions) {
    super(options, 'soap');
    for (const account of Object.values(this.accounts)) {
      this.credentialElements.set(
        account.channel,
        `<Username>${escapeXmlUtf8(account.username)}</Username><Password>${escapeXmlUtf8(account.password)}</Password>`,
      );
    }
  }

  /** The shared text rules, then XML 1.0's (U+FFFE and U+FFFF are not XML characters). */
  override assertText(text: string, field = 'text'): void {
    super.assertText(text, field);
    escapeXmlUtf8(text, field);
  }

  protected encodeSend(account: ResolvedAccount, batch: SendBatch): WireRequest {
    const operation = batch.text !== undefined ? 'SmsInsert_1_N' : 'SmsInsert_N_N';
    let body = `${ENVELOPE_OPEN}<${operation} xmlns="${SOAP_NAMESPACE}">${this.credentialElements.get(account.channel)!}`;
    body += batch.sendAt
      ? `<SendDate>${formatIsoIstanbul(batch.sendAt)}</SendDate>`
      : `<SendDate${NIL}/>`;
    body += batch.validUntil
      ? `<ExpireDate>${formatIsoIstanbul(batch.validUntil)}</ExpireDate>`
      : `<ExpireDate${NIL}/>`;
    body += '<Recepients>';
    for (const message of batch.messages) body += `<string>${message.to}</string>`;
    body += '</Recepients>';
    if (batch.text !== undefined) {
      body += `<Message>${escapeXmlUtf8(batch.text, 'text')}</Message>`;
    } else {
      body += '<Messages>';
      batch.messages.forEach((message, i) => {
        body += `<string>${escapeXmlUtf8(message.text, `messages[${batch.offset + i}].text`)}</string>`;
      });
      body += '</Messages>';
    }
    body += `</${operation}>${ENVELOPE_CLOSE}`;
    return this.request(account, operation, body);
  }

  protected readSendReply(response: WireResponse, request: PreparedSend): BatchOutcome {
    const operation = request.batch.text !== undefined ? 'SmsInsert_1_N' : 'SmsInsert_N_N';
    const entries = this.readStrings(response, operation);
    const count = request.recipients.length;
    const only = entries.length === 1 ? entries[0]! : undefined;
    if (only !== undefined && CODE_ENTRY.test(only) && (count > 1 || !RECIPIENT_CODES.has(only))) {
      throw new SmsProviderError('soap', only);
    }
    if (entries.length !== count) {
      throw new SmsMalformedResponseError(
        `the SOAP service answered ${entries.length} results for ${count} recipients`,
      );
    }
    const recipients: RecipientResult[] = request.recipients.map((to, i) => {
      const entry = entries[i]!.trim();
      if (entry === '' || CODE_ENTRY.test(entry)) {
        return {
          to,
          status: 'rejected',
          error: new SmsProviderError('soap', entry),
          providerCode: entry,
        };
      }
      return { to, status: 'accepted', messageId: entry };
    });
    return { recipients, credits: 0, providerCode: `${operation}Result` };
  }

  protected encodeStatus(account: ResolvedAccount, messageIds: readonly string[]): WireRequest {
    let body = `${ENVELOPE_OPEN}<SmsStatus xmlns="${SOAP_NAMESPACE}">${this.credentialElements.get(account.channel)!}<MessageIds>`;
    for (const id of messageIds) body += `<string>${escapeXmlUtf8(id, 'messageIds')}</string>`;
    body += `</MessageIds></SmsStatus>${ENVELOPE_CLOSE}`;
    return this.request(account, 'SmsStatus', body);
  }

  protected readStatusReply(response: WireResponse, request: PreparedStatus): DeliveryReport[] {
    const entries = this.readStrings(response, 'SmsStatus');
    const count = request.messageIds.length;
    if (
      entries.length === 1 &&
      count >= 1 &&
      !entries[0]!.includes('|') &&
      CODE_ENTRY.test(entries[0]!)
    ) {
      throw new SmsProviderError('soap', entries[0]!);
    }
    if (entries.length !== count) {
      throw new SmsMalformedResponseError(
        `the SOAP service answered ${entries.length} statuses for ${count} message ids`,
      );
    }
    return request.messageIds.map((messageId, i) => deliveryReportOf(messageId, entries[i]!));
  }

  protected prepareCredit(account: ResolvedAccount): WireRequest {
    const body = `${ENVELOPE_OPEN}<CreditBalance xmlns="${SOAP_NAMESPACE}">${this.credentialElements.get(account.channel)!}</CreditBalance>${ENVELOPE_CLOSE}`;
    return this.request(account, 'CreditBalance', body);
  }

  protected readCreditReply(response: WireResponse): number {
    const value = this.readResult(response, 'CreditBalance').text.trim();
    if (/^-\d+$/.test(value) || value.startsWith('ERR')) throw new SmsProviderError('soap', value);
    const credit = Number(value === '' ? NaN : value);
    if (!Number.isFinite(credit))
      throw new SmsMalformedResponseError(
        'the SOAP service answered a credit that is not a number',
      );
    return credit;
  }

  private request(account: ResolvedAccount, operation: string, body: string): WireRequest {
    return this.wireRequest(account, PATH, CONTENT_TYPE, Buffer.from(body, 'utf8'), {
      soapaction: `"${SOAP_NAMESPACE}/${operation}"`,
    });
  }

  private readStrings(response: WireResponse, operation: string): string[] {
    return childrenNamed(this.readResult(response, operation), 'string').map((entry) => entry.text);
  }

  /** The `<OpResult>` element of a reply; faults and other shapes become typed errors. */
  private readResult(response: WireResponse, operation: string): XmlElement {
    const ok = response.status >= 200 && response.status <= 299;
    let envelope: XmlElement;
    try {
      envelope = parseXml(replyText(response, 'utf-8', { xml: true }));
    } catch (error) {
      if (!(error instanceof XmlSyntaxError)) throw error;
      if (!ok) throw new SmsHttpStatusError(response.status, { cause: error });
      throw new SmsMalformedResponseError(
        `the SOAP service answered ${response.body.length} bytes that are not well-formed XML (${error.message})`,
        { cause: error },
      );
    }
    const body = envelope.name === 'Envelope' ? childNamed(envelope, 'Body') : undefined;
    const fault = body && childNamed(body, 'Fault');
    if (fault !== undefined) {
      const code = childNamed(fault, 'faultcode')?.text.trim() ?? '';
      const text = childNamed(fault, 'faultstring')?.text.trim();
      if (/(^|:)Client$/.test(code))
        throw new SmsProviderError(
          'soap',
          code,
          text || 'the service refused the request as malformed',
        );
      throw new SmsHttpStatusError(response.status >= 400 ? response.status : 500);
    }
    if (!ok) throw new SmsHttpStatusError(response.status);
    const wrapper = body && childNamed(body, `${operation}Response`);
    const result = wrapper && childNamed(wrapper, `${operation}Result`);
    if (result === undefined) {
      throw new SmsMalformedResponseError(
        `the SOAP reply has no ${operation}Response/${operation}Result`,
      );
    }
    return result;
  }
}
