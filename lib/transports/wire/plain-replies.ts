/**
 * The usual send replies of the four APIs, read exactly and cheaply.
 *
 * Every send reply is first matched, whole, against the one form the provider (and the
 * simulator) writes for it: anchored expressions over the entire decoded text, admitting only
 * values without markup, entities, escapes or whitespace to normalise, so that what they
 * capture is exactly what the general reader (`parseXml`, `JSON.parse`, `parseHttpReply`) would
 * read. A reply of any other form — an error, a fault, another layout, spacing or key order,
 * an entity or escape, truncation — gets `undefined` here and goes through the general reader,
 * which accepts every attested form and rejects malformed ones. The one-recipient expressions
 * (every OTP send) capture the values directly, without a second scan.
 */

/** XML whitespace (the `S` production); `\s` would also admit characters XML does not. */
const S = '[ \\t\\n\\r]';
const DECLARATION = String.raw`(?:<\?xml[^<>]*\?>)?`;

// ---- XML API: <SMS-Response> of <INSERT id="…" res="…"/> entries ----

const INSERT_VALUE = '[^"<&\\t\\n\\r]*';
const xmlSendReply = (inserts: string): RegExp =>
  new RegExp(`^${DECLARATION}${S}*<SMS-Response${S}*>${inserts}${S}*</SMS-Response${S}*>${S}*$`);
const XML_INSERTS = xmlSendReply(
  `((?:${S}*<INSERT${S}+id="${INSERT_VALUE}"${S}+res="${INSERT_VALUE}"${S}*/>)*)`,
);
const XML_ONE_INSERT = xmlSendReply(
  `${S}*<INSERT${S}+id="(${INSERT_VALUE})"${S}+res="(${INSERT_VALUE})"${S}*/>`,
);
const XML_INSERT = /<INSERT[ \t\n\r]+id="([^"]*)"[ \t\n\r]+res="([^"]*)"/g;

/** One `<INSERT>` of an XML send reply. */
export interface InsertResult {
  readonly id: string;
  readonly res: string;
}

/** The `INSERT` entries of a plain XML send reply, in order; `undefined` for any other text. */
export function plainXmlInserts(text: string, expected: number): InsertResult[] | undefined {
  if (expected === 1) {
    const one = XML_ONE_INSERT.exec(text);
    return one === null ? undefined : [{ id: one[1]!, res: one[2]! }];
  }
  const plain = XML_INSERTS.exec(text);
  if (plain === null) return undefined;
  const inserts: InsertResult[] = [];
  const inner = plain[1]!;
  XML_INSERT.lastIndex = 0;
  for (let entry = XML_INSERT.exec(inner); entry !== null; entry = XML_INSERT.exec(inner))
    inserts.push({ id: entry[1]!, res: entry[2]! });
  return inserts;
}

// ---- SOAP: Envelope/Body/<Op>Response/<Op>Result of <string> entries ----

/** Well-formed attributes of a start tag: `name="value"` with no markup in the value. */
const ATTRIBUTES = `(?:${S}+[\\w:.-]+="[^"<&]*")*`;
const soapResultReply = (operation: string, strings: string): RegExp =>
  new RegExp(
    `^${DECLARATION}${S}*<(\\w+:)?Envelope${ATTRIBUTES}${S}*>${S}*<\\1Body${S}*>${S}*<${operation}Response${ATTRIBUTES}${S}*>${S}*<${operation}Result${S}*>${strings}${S}*</${operation}Result${S}*>${S}*</${operation}Response${S}*>${S}*</\\1Body${S}*>${S}*</\\1Envelope${S}*>${S}*$`,
  );
const SOAP_SEND = 'SmsInsert_1_N';
const SOAP_STRINGS = soapResultReply(SOAP_SEND, `((?:${S}*<string>[^<&]*</string>)*)`);
const SOAP_ONE_STRING = soapResultReply(SOAP_SEND, `${S}*<string>([^<&]*)</string>`);
const SOAP_STRING = /<string>([^<&]*)<\/string>/g;

/** The `<string>` entries of a plain `SmsInsert_1_N` reply, in order; `undefined` for any other text. */
export function plainSoapSendStrings(text: string, expected: number): string[] | undefined {
  if (expected === 1) {
    const one = SOAP_ONE_STRING.exec(text);
    return one === null ? undefined : [one[2]!];
  }
  const plain = SOAP_STRINGS.exec(text);
  if (plain === null) return undefined;
  const entries: string[] = [];
  const inner = plain[2]!;
  SOAP_STRING.lastIndex = 0;
  for (let entry = SOAP_STRING.exec(inner); entry !== null; entry = SOAP_STRING.exec(inner))
    entries.push(entry[1]!);
  return entries;
}

/** What ASP.NET writes around the one result of an `SmsInsert_1_N` reply, byte for byte. */
const ASMX_SEND_HEAD = Buffer.from(
  `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"><soap:Body><${SOAP_SEND}Response xmlns="http://83.66.137.24/PgApiWs"><${SOAP_SEND}Result><string>`,
);
const ASMX_SEND_TAIL = Buffer.from(
  `</string></${SOAP_SEND}Result></${SOAP_SEND}Response></soap:Body></soap:Envelope>`,
);

/**
 * The one `<string>` of an `SmsInsert_1_N` reply exactly as ASP.NET writes it (declaration,
 * envelope and namespaces byte for byte), compared as bytes before anything is decoded;
 * `undefined` for any other reply (then `plainSoapSendStrings`, then the strict reader).
 */
export function asmxSendString(body: Buffer): string | undefined {
  const head = ASMX_SEND_HEAD.length;
  const tail = ASMX_SEND_TAIL.length;
  const end = body.length - tail;
  if (end < head) return undefined;
  if (body.compare(ASMX_SEND_HEAD, 0, head, 0, head) !== 0) return undefined;
  if (body.compare(ASMX_SEND_TAIL, 0, tail, end) !== 0) return undefined;
  const value = body.toString('utf8', head, end);
  return value.includes('<') || value.includes('&') ? undefined : value;
}

// ---- HTTP API: errno=0&errtext=&message_id=…&charge=n (one recipient) ----

const HTTP_ONE = /^errno=0&errtext=&message_id=([^&]+)&charge=(\d{1,15})$/;

/** Message id and charge of a plain one-recipient HTTP send reply; `undefined` for any other text. */
export function plainHttpSendReply(
  text: string,
): { readonly messageId: string; readonly charge: number } | undefined {
  const plain = HTTP_ONE.exec(text);
  return plain === null ? undefined : { messageId: plain[1]!, charge: Number(plain[2]) };
}

// ---- JSON API: {"StatusCode":200,…,"Result":[{MessageId, Receiver, Charge}]} (one recipient) ----

/** The characters of a JSON string that need no escape (`"`, `\` and controls excluded). */
const JSON_CHARS = '[^"\\\\\\u0000-\\u001f]*';
const JSON_ONE = new RegExp(
  `^\\{"StatusCode":200,"StatusDescription":"${JSON_CHARS}","Result":\\[\\{"MessageId":"(${JSON_CHARS})","Receiver":"${JSON_CHARS}","Charge":(0|[1-9]\\d{0,14})\\}\\]\\}$`,
);

/**
 * `MessageId` and `Charge` of a compact one-recipient `Send_*` reply with `StatusCode` 200;
 * `undefined` for any other text.
 */
export function plainJsonSendReply(
  text: string,
): { readonly messageId: string; readonly charge: number } | undefined {
  const plain = JSON_ONE.exec(text);
  return plain === null ? undefined : { messageId: plain[1]!, charge: Number(plain[2]) };
}
