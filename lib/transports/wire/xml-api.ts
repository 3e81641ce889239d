import { SmsProviderError } from '../../errors/provider.error.js';
import { SmsHttpStatusError, SmsMalformedResponseError } from '../../errors/transport.error.js';
import { encodeIso88599, escapeXmlForIso88599 } from '../../message/iso-8859-9.js';
import { deliveryReportOf } from '../delivery-status.js';
import type { DeliveryReport } from '../sms-transport.types.js';
import type { ResolvedAccount } from '../wire-transport.options.js';
import { replyText, XML_REPLY } from './reply-text.js';
import { escapeXmlIso88599Attribute, ISO_8859_9_AS_IS_BYTES } from './xml-escape.js';
import type { WireResponse } from './wire-client.js';
import {
  childNamed,
  childrenNamed,
  parseXml,
  type XmlElement,
  XmlSyntaxError,
} from './xml-reader.js';

/**
 * The XML API's documents (`/api_xml/*.asp`, vendor XML API v1.2.0) that more than one
 * transport needs: `XmlTransport` for everything, `SoapTransport` for status, because no SOAP
 * status operation is attested and `Sms_stareqx.asp` is on the same host with the same account.
 */

export const XML_DECLARATION = '<?xml version="1.0" encoding="iso-8859-9"?>';
export const XML_CONTENT_TYPE = 'text/xml; charset=iso-8859-9';
/** Status page: like `Sms_stareq.asp`, plus the number (`gsmno`) in each `STATUS`. */
export const XML_STATUS_PATH = '/api_xml/Sms_stareqx.asp';

/** `<CLIENT user="…" pwd="…"/>` of an account, escaped for an ISO-8859-9 document. */
export function xmlClientElement(account: ResolvedAccount): string {
  return `<CLIENT user="${escapeXmlForIso88599(account.username)}" pwd="${escapeXmlForIso88599(account.password)}"/>`;
}

/** A character above U+00FF. */
const BEYOND_LATIN1 = /[\u0100-\uffff]/;
/** The ISO-8859-9 bytes of its six letters above U+00FF (Ğ İ Ş ğ ı ş), by code; 0 = none. */
const TURKISH_BYTES = (() => {
  const table = new Uint8Array(0x160);
  table[0x011e] = 0xd0;
  table[0x0130] = 0xdd;
  table[0x015e] = 0xde;
  table[0x011f] = 0xf0;
  table[0x0131] = 0xfd;
  table[0x015f] = 0xfe;
  return table;
})();

/**
 * An ISO-8859-9 document (declaration included), as bytes. ISO-8859-9 is Latin-1 except six
 * code points: the document is written byte for byte (`latin1`) and only its Ğ İ Ş ğ ı ş are
 * patched (one byte per character, so string and byte offsets agree). Latin-1's Ð Ý Þ ð ý þ,
 * which ISO-8859-9 lacks, never reach here raw: `escapeXmlForIso88599` turns them into character
 * references in every value a transport writes, and no markup of ours has them. Any other
 * character above U+00FF goes to `encodeIso88599`, which throws the typed error.
 */
export function xmlDocument(root: string): Buffer {
  const document = XML_DECLARATION + root;
  const bytes = Buffer.from(document, 'latin1');
  const first = document.search(BEYOND_LATIN1);
  if (first !== -1 && !patchTurkish(bytes, 0, document, first)) return encodeIso88599(document);
  return bytes;
}

/** The start of a document, up to where a value goes. */
export interface XmlDocumentHead {
  /** The markup after the declaration. */
  readonly markup: string;
  /** Declaration and markup, as `xmlDocument` writes them. */
  readonly text: string;
  /** Whether the markup is all Latin-1 (no Ğ İ Ş ğ ı ş, e.g. in a user name). */
  readonly latin1: boolean;
  /** `text` as ISO-8859-9 bytes. */
  readonly bytes: Buffer;
}

/** The head of documents starting with `markup` (after the declaration), checked once. */
export function xmlDocumentHead(markup: string): XmlDocumentHead {
  return {
    markup,
    text: XML_DECLARATION + markup,
    latin1: markup.search(BEYOND_LATIN1) === -1,
    bytes: xmlDocument(markup),
  };
}

/**
 * The bytes `xmlDocument` writes for `head + value + rest`, with only `value` scanned for
 * Ğ İ Ş ğ ı ş: `value` is an escaped value (Latin-1 but Ð Ý Þ ð ý þ, and those six), `rest`
 * markup (numbers, dates, tags).
 */
export function xmlDocumentWith(head: XmlDocumentHead, value: string, rest: string): Buffer {
  if (!head.latin1 || BEYOND_LATIN1.test(rest)) return xmlDocument(head.markup + value + rest);
  const document = head.text + value + rest;
  const bytes = Buffer.from(document, 'latin1');
  if (BEYOND_LATIN1.test(value) && !patchTurkish(bytes, head.text.length, value, 0))
    return encodeIso88599(document);
  return bytes;
}

/**
 * The bytes of `head`, the attribute value `text` escaped (`escapeXmlIso88599Attribute(text,
 * field)`) and `rest` (markup: numbers, dates, tags), as `xmlDocumentWith` writes them. A text
 * with nothing to escape (the usual one) is written byte by byte in one pass, from a table built
 * from the same rule; any other goes through the escape.
 */
export function xmlDocumentWithText(
  head: XmlDocumentHead,
  text: string,
  field: string,
  rest: string,
): Buffer {
  if (head.latin1 && !BEYOND_LATIN1.test(rest)) {
    const start = head.bytes.length;
    const bytes = Buffer.allocUnsafe(start + text.length + rest.length);
    let i = 0;
    for (; i < text.length; i++) {
      const code = text.charCodeAt(i);
      const byte = code < 0x160 ? ISO_8859_9_AS_IS_BYTES[code]! : 0;
      if (byte === 0) break;
      bytes[start + i] = byte;
    }
    if (i === text.length) {
      bytes.set(head.bytes, 0);
      bytes.write(rest, start + text.length, 'latin1');
      return bytes;
    }
  }
  return xmlDocumentWith(head, escapeXmlIso88599Attribute(text, field), rest);
}

/**
 * Writes the ISO-8859-9 byte of each Ğ İ Ş ğ ı ş of `text` (from index `from`) at `offset + i`;
 * false when `text` has another character above U+00FF.
 */
function patchTurkish(bytes: Buffer, offset: number, text: string, from: number): boolean {
  for (let i = from; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x100) continue;
    const byte = code < 0x160 ? TURKISH_BYTES[code]! : 0;
    if (byte === 0) return false;
    bytes[offset + i] = byte;
  }
  return true;
}

/** `SMS-StaRequest` for up to 800 ids. */
export function xmlStatusRequest(client: string, messageIds: readonly string[]): Buffer {
  let body = `<SMS-StaRequest>${client}`;
  for (const id of messageIds)
    body += `<STATUS id="${escapeXmlIso88599Attribute(id, 'messageIds')}"/>`;
  return xmlDocument(`${body}</SMS-StaRequest>`);
}

/** Reads an `SMS-Response` of `STATUS` results (`res="CODE|F"`, `gsmno` when given), in order. */
export function readXmlStatusReply(
  response: WireResponse,
  messageIds: readonly string[],
): DeliveryReport[] {
  const entries = childrenNamed(readXmlReply(response, 'SMS-Response'), 'STATUS');
  if (entries.length !== messageIds.length) {
    throw new SmsMalformedResponseError(
      `the XML API answered ${entries.length} STATUS results for ${messageIds.length} message ids`,
    );
  }
  return messageIds.map((messageId, i) => {
    const entry = entries[i]!;
    if (entry.attributes['id'] !== undefined && entry.attributes['id'] !== messageId) {
      throw new SmsMalformedResponseError(
        'the XML API answered STATUS results in a different order than asked',
      );
    }
    const gsm = entry.attributes['gsmno'];
    return {
      ...deliveryReportOf(messageId, entry.attributes['res'] ?? ''),
      ...(gsm !== undefined && /^5\d{9}$/.test(gsm) ? { to: `90${gsm}` } : {}),
    };
  });
}

/**
 * Parses an XML API reply, with or without an `<?xml?>` declaration (the official document's
 * examples have none); `<ERROR>` → `SmsProviderError`, anything unexpected → malformed.
 */
export function readXmlReply(response: WireResponse, rootName: string): XmlElement {
  if (response.status < 200 || response.status > 299) throw new SmsHttpStatusError(response.status);
  let root: XmlElement;
  try {
    root = parseXml(replyText(response, 'iso-8859-9', XML_REPLY));
  } catch (error) {
    if (!(error instanceof XmlSyntaxError)) throw error;
    throw new SmsMalformedResponseError(
      `the XML API answered ${response.body.length} bytes that are not well-formed XML (${error.message})`,
      { cause: error },
    );
  }
  const failure = childNamed(root, 'ERROR');
  if (failure !== undefined) {
    const text = failure.text.trim();
    const code = /ERR\d{4}/.exec(text)?.[0] ?? text;
    throw new SmsProviderError('xml', code, text === code ? undefined : text);
  }
  if (root.name !== rootName) {
    throw new SmsMalformedResponseError(
      `the XML API answered <${root.name}> where <${rootName}> was expected`,
    );
  }
  return root;
}
