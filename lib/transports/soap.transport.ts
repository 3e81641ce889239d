import { SmsProviderError } from '../errors/provider.error.js';
import { SmsHttpStatusError, SmsMalformedResponseError } from '../errors/transport.error.js';
import { formatIsoIstanbul } from './istanbul-time.js';
import type { DeliveryReport, RecipientResult } from './sms-transport.types.js';
import { replyText, XML_REPLY } from './wire/reply-text.js';
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
import {
  readXmlStatusReply,
  XML_CONTENT_TYPE,
  XML_STATUS_PATH,
  xmlClientElement,
  xmlStatusRequest,
} from './wire/xml-api.js';
import { asmxSendString, plainSoapSendStrings } from './wire/plain-replies.js';
import { plainUtf8Body, utf8Body } from './wire/utf8-body.js';
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
const SEND = 'SmsInsert_1_N';
const SEND_END = `</Message></${SEND}>${ENVELOPE_CLOSE}`;
const SEND_END_BYTES = Buffer.from(SEND_END, 'latin1');
const SEND_RESULT = `${SEND}Result`;
/** What follows the credentials of a send without dates, up to the numbers. */
const NO_DATES = `<SendDate${NIL}/><ExpireDate${NIL}/><Recepients>`;

/** Options of `SoapTransport`. */
export interface SoapTransportOptions extends ConcurrentWireTransportOptions {
  /**
   * `SmsInsert_1_N` calls in flight at once for an N-N send (one call per distinct text).
   * Capped at `connections`.
   * @default 16
   */
  readonly concurrency?: number;
}

/**
 * Posta Güvercini's SOAP 1.1 web service (`/api_ws/smsservice.asmx`, ASMX, namespace
 * `http://83.66.137.24/PgApiWs`), using only what public clients attest.
 *
 * - 1-N: `SmsInsert_1_N` (`Username`, `Password`, `SendDate`, `ExpireDate`, `Recepients` — the
 *   vendor's spelling — and `Message`), ≤ 800 numbers per call, calls in order.
 * - **N-N is emulated**: `SmsInsert_N_N` exists, but its parameter names are not attested. An
 *   N-N send goes as one `SmsInsert_1_N` call per distinct text (identical texts grouped, ≤ 800
 *   numbers each), the first alone, then at most `concurrency` in flight; results come back in
 *   request order, and a failed call makes it an `SmsPartialSendError` that reports every
 *   message (accepted, failed, or not sent).
 * - The result is one string per recipient: a message id, or a code (`-1003`) that rejects that
 *   recipient (`status: 'rejected'` with an `SmsProviderError`). A request-level error is a
 *   single code entry (`-1001`, `ERR1070`) and is thrown as `SmsProviderError`.
 * - **Status without a SOAP operation**: no client, proxy or WSDL shows a SOAP status
 *   operation, and an ASMX service answers an unknown one with a fault. `status()` therefore
 *   asks the XML API's `Sms_stareqx.asp` on the same host with the same account (≤ 800 ids per
 *   request; the reply's `CODE|F` and number). Provider errors of that query carry `api: 'xml'`.
 * - Credit: `CreditBalance`.
 * - UTF-8 documents, every value escaped; `SendDate`/`ExpireDate` as ISO dateTime with the
 *   Istanbul offset (`2026-11-27T19:30:00+03:00`), `xsi:nil` when absent; numbers `90` + 10
 *   digits. A `soap:Client` fault is an `SmsProviderError` (`soap:Client`); other faults and
 *   non-2xx statuses are `SmsHttpStatusError`.
 * - The service has no attested originator parameter: a `sender` is refused with a typed error
 *   rather than dropped; use the JSON transport to choose the sender.
 */
export class SoapTransport extends WireTransport {
  readonly name = 'soap';
  /** `<Username>…</Username><Password>…</Password>`, escaped once per account. */
  private readonly credentialElements = new Map<string, string>();
  /** `<CLIENT user pwd/>` of the XML API (status queries), escaped once per account. */
  private readonly clientElements = new Map<string, string>();
  /** A send envelope up to its dates (`…<SmsInsert_1_N …><Username>…</Password>`), UTF-8, once per account. */
  private readonly sendHeads = new Map<string, Buffer>();
  private readonly concurrency: number;
  /** `SOAPAction` header per operation, one object each (the client caches headers by it). */
  private readonly actionHeaders = new Map<string, Readonly<Record<string, string>>>();

  protected override get carriesSender(): boolean {
    return false;
  }

  constructor(options: SoapTransportOptions) {
    super(options, 'soap');
    this.concurrency = this.resolveConcurrency(options.concurrency);
    for (const account of Object.values(this.accounts)) {
      this.clientElements.set(account.channel, xmlClientElement(account));
      const credentials = `<Username>${escapeXmlUtf8(account.username)}</Username><Password>${escapeXmlUtf8(account.password)}</Password>`;
      this.credentialElements.set(account.channel, credentials);
      this.sendHeads.set(
        account.channel,
        Buffer.from(`${ENVELOPE_OPEN}<${SEND} xmlns="${SOAP_NAMESPACE}">${credentials}`, 'utf8'),
      );
    }
  }

  protected override prepareSend(account: ResolvedAccount, plan: SendPlan): PreparedSendWork {
    return plan.text !== undefined
      ? super.prepareSend(account, plan)
      : this.prepareGroupedSend(account, plan, this.concurrency);
  }

  /** The shared text rules, then XML 1.0's (U+FFFE and U+FFFF are not XML characters). */
  override assertText(text: string, field = 'text'): void {
    super.assertText(text, field);
    escapeXmlUtf8(text, field);
  }

  protected encodeSend(account: ResolvedAccount, batch: SendBatch): WireRequest {
    // The head is encoded once per account; dates and numbers are ASCII, the text UTF-8.
    let markup = NO_DATES;
    if (batch.sendAt !== undefined || batch.validUntil !== undefined) {
      markup = batch.sendAt
        ? `<SendDate>${formatIsoIstanbul(batch.sendAt)}</SendDate>`
        : `<SendDate${NIL}/>`;
      markup += batch.validUntil
        ? `<ExpireDate>${formatIsoIstanbul(batch.validUntil)}</ExpireDate>`
        : `<ExpireDate${NIL}/>`;
      markup += '<Recepients>';
    }
    for (const message of batch.messages) markup += `<string>${message.to}</string>`;
    markup += '</Recepients><Message>';
    const text = batch.text ?? batch.messages[0]!.text;
    const head = this.sendHeads.get(account.channel)!;
    const body =
      plainUtf8Body(head, markup, text, SEND_END_BYTES) ??
      utf8Body(head, markup, escapeXmlUtf8(text, textFieldOf(batch)), SEND_END);
    return this.request(account, SEND, body);
  }

  protected readSendReply(response: WireResponse, request: PreparedSend): BatchOutcome {
    const count = request.recipients.length;
    const entries = this.readStrings(response, SEND, count);
    const only = entries.length === 1 ? entries[0]! : undefined;
    if (only !== undefined && CODE_ENTRY.test(only) && (count > 1 || !RECIPIENT_CODES.has(only))) {
      throw new SmsProviderError('soap', only);
    }
    if (entries.length !== count) {
      throw new SmsMalformedResponseError(
        `the SOAP service answered ${entries.length} results for ${count} recipients`,
      );
    }
    const recipients = new Array<RecipientResult>(count);
    for (let i = 0; i < count; i++) {
      const to = request.recipients[i]!;
      const entry = entries[i]!.trim();
      recipients[i] =
        entry === '' || CODE_ENTRY.test(entry)
          ? {
              to,
              status: 'rejected',
              error: new SmsProviderError('soap', entry),
              providerCode: entry,
            }
          : { to, status: 'accepted', messageId: entry };
    }
    return { recipients, credits: 0, providerCode: SEND_RESULT };
  }

  /** Status goes to the XML API's `Sms_stareqx.asp` on the same host (no SOAP status operation is attested). */
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

  private request(account: ResolvedAccount, operation: string, body: string | Buffer): WireRequest {
    let headers = this.actionHeaders.get(operation);
    if (headers === undefined) {
      headers = { soapaction: `"${SOAP_NAMESPACE}/${operation}"` };
      this.actionHeaders.set(operation, headers);
    }
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    return this.wireRequest(account, PATH, CONTENT_TYPE, bytes, headers);
  }

  private readStrings(response: WireResponse, operation: string, expected: number): string[] {
    if (operation === SEND && response.status >= 200 && response.status <= 299) {
      const asmx = expected === 1 ? asmxSendString(response.body) : undefined;
      if (asmx !== undefined) return [asmx];
      const plain = plainSoapSendStrings(replyText(response, 'utf-8', XML_REPLY), expected);
      if (plain !== undefined) return plain;
    }
    return childrenNamed(this.readResult(response, operation), 'string').map((entry) => entry.text);
  }

  /** The `<OpResult>` element of a reply; faults and other shapes become typed errors. */
  private readResult(response: WireResponse, operation: string): XmlElement {
    const ok = response.status >= 200 && response.status <= 299;
    let envelope: XmlElement;
    try {
      envelope = parseXml(replyText(response, 'utf-8', XML_REPLY));
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
