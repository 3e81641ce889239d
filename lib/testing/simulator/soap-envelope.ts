import type { IncomingHttpHeaders } from 'node:http';
import { istanbulOffsetMinutes } from '../../transports/istanbul-time.js';
import { type ApiCall, type ApiReply } from './api-handler.js';
import {
  decodeXmlBody,
  decodeXmlText,
  escapeXml,
  localName,
  parseXmlDocument,
  xmlAttributes,
  xmlChildNames,
  xmlChildren,
  xmlRawText,
  type XmlNode,
} from './simulator-xml.js';

// The SOAP side of the simulator's ASMX service: envelopes read (version, operation, fields)
// and written (results and faults in SOAP 1.1 and 1.2). soap-api.handler.ts does the rest.

/** Namespace of the operations (the WSDL's target namespace; a trailing `/` is accepted too). */
export const SOAP_SERVICE_NAMESPACE = 'http://83.66.137.24/PgApiWs';
export const SOAP11 = 'http://schemas.xmlsoap.org/soap/envelope/';
export const SOAP12 = 'http://www.w3.org/2003/05/soap-envelope';

/** SOAP 1.1 (`text/xml` + `SOAPAction`) or SOAP 1.2 (`application/soap+xml; action=…`). */
export type SoapVersion = '1.1' | '1.2';
export const SOAP12_MEDIA_TYPE = 'application/soap+xml';
export const CONTENT_TYPES: Readonly<Record<SoapVersion, string>> = {
  '1.1': 'text/xml; charset=utf-8',
  '1.2': 'application/soap+xml; charset=utf-8',
};
export const ENVELOPE_NS: Readonly<Record<SoapVersion, string>> = { '1.1': SOAP11, '1.2': SOAP12 };
export const envelopeOpen = (version: SoapVersion): string =>
  `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="${ENVELOPE_NS[version]}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"><soap:Body>`;
export const ENVELOPE_CLOSE = '</soap:Body></soap:Envelope>';
/** The operation element of a body, for SOAP 1.2 requests without an `action` parameter. */
export const BODY_OPERATION =
  /<(?:[A-Za-z_][\w.-]*:)?Body\b[^>]*>\s*<(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)/;
export const ACTION_PARAMETER = /;\s*action\s*=\s*"?([^";]*)"?/i;
export const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?(Z|[+-]\d{2}:\d{2})?$/;

/** A SOAP fault to answer (HTTP 500): `Client`/`Server` are `Sender`/`Receiver` in SOAP 1.2. */
export class SoapFault extends Error {
  constructor(
    readonly faultCode: 'Client' | 'Server' | 'VersionMismatch',
    readonly faultString: string,
  ) {
    super(faultString);
  }
}

/** A request-level error: the result holds exactly this one entry. */
export class SoapResultError extends Error {
  constructor(readonly code: string) {
    super(code);
  }
}

/** The operation element's children by local name. */
export type Fields = Map<string, XmlNode[]>;

/** Checks the envelope and returns the operation's fields. */
export function readSoapEnvelope(call: ApiCall, version: SoapVersion): Fields {
  const text = decodeXmlBody(call.body, call.headers['content-type']);
  const document = text === undefined ? undefined : parseXmlDocument(text);
  if (document === undefined || typeof document.node === 'string') {
    throw new SoapFault(
      'Client',
      'There is an error in XML document: the request is not well-formed XML.',
    );
  }
  const envelope = document.node;
  const envelopeNs = namespaceOf(document.name, [envelope]);
  if (localName(document.name) !== 'Envelope' || (envelopeNs !== SOAP11 && envelopeNs !== SOAP12)) {
    throw new SoapFault('Client', 'The root element is not a SOAP Envelope.');
  }
  if (envelopeNs !== ENVELOPE_NS[version]) {
    throw new SoapFault(
      'VersionMismatch',
      `A SOAP ${version === '1.1' ? '1.2' : '1.1'} envelope came with the SOAP ${version} media type (${version === '1.1' ? 'text/xml' : SOAP12_MEDIA_TYPE}).`,
    );
  }
  const bodies = xmlChildNames(envelope)
    .filter((child) => localName(child) === 'Body')
    .flatMap((child) =>
      xmlChildren(envelope, child).filter(
        (node) => namespaceOf(child, [node, envelope]) === envelopeNs,
      ),
    );
  if (bodies.length !== 1)
    throw new SoapFault('Client', 'The Envelope must contain exactly one Body.');
  const body = bodies[0]!;
  const names = xmlChildNames(body);
  if (names.length !== 1 || xmlChildren(body, names[0]!).length !== 1) {
    throw new SoapFault('Client', 'The Body must contain exactly one operation element.');
  }
  const name = names[0]!;
  const operation = xmlChildren(body, name)[0]!;
  const namespace = namespaceOf(name, [operation, body, envelope]);
  if (
    localName(name) !== call.operation ||
    (namespace !== SOAP_SERVICE_NAMESPACE && namespace !== `${SOAP_SERVICE_NAMESPACE}/`)
  ) {
    throw new SoapFault(
      'Client',
      `The body element {${namespace ?? ''}}${localName(name)} does not match the action ${SOAP_SERVICE_NAMESPACE}/${call.operation}.`,
    );
  }
  const fields: Fields = new Map();
  for (const child of xmlChildNames(operation)) {
    const key = localName(child);
    fields.set(key, [...(fields.get(key) ?? []), ...xmlChildren(operation, child)]);
  }
  return fields;
}

/** SOAP version by media type; `undefined` for any other media type. */
export function versionOf(headers: IncomingHttpHeaders): SoapVersion | undefined {
  const contentType = headers['content-type']?.toLowerCase() ?? '';
  if (contentType.startsWith('text/xml')) return '1.1';
  if (contentType.startsWith(SOAP12_MEDIA_TYPE)) return '1.2';
  return undefined;
}

/** `"http://83.66.137.24/PgApiWs/SmsInsert_1_N"` → `SmsInsert_1_N` (namespace with or without a trailing `/`). */
export function operationOfAction(raw: string): string | undefined {
  let action = raw.trim();
  if (action.startsWith('"') && action.endsWith('"') && action.length >= 2)
    action = action.slice(1, -1);
  for (const base of [`${SOAP_SERVICE_NAMESPACE}/`, `${SOAP_SERVICE_NAMESPACE}//`]) {
    if (action.startsWith(base) && !action.slice(base.length).includes('/'))
      return action.slice(base.length);
  }
  return undefined;
}

/** Namespace URI of a (possibly prefixed) element name, looked up through the given scopes, innermost first. */
export function namespaceOf(name: string, scopes: readonly XmlNode[]): string | undefined {
  const colon = name.indexOf(':');
  const declaration = colon === -1 ? 'xmlns' : `xmlns:${name.slice(0, colon)}`;
  for (const scope of scopes) {
    for (const [attribute, value] of xmlAttributes(scope))
      if (attribute === declaration) return value;
  }
  return undefined;
}

/** Text of a single field; `undefined` when absent or `xsi:nil`. */
export function scalar(fields: Fields, name: string): string | undefined {
  const nodes = fields.get(name);
  if (nodes === undefined || nodes.length === 0) return undefined;
  if (nodes.length > 1) throw new SoapFault('Client', `Element ${name} appears more than once.`);
  const node = nodes[0]!;
  if (isNil(node)) return undefined;
  return decodeXmlText(xmlRawText(node));
}

/** The `<string>` items of an ArrayOfString field. */
export function strings(fields: Fields, name: string): string[] {
  const nodes = fields.get(name);
  if (nodes === undefined || nodes.length === 0) return [];
  if (nodes.length > 1) throw new SoapFault('Client', `Element ${name} appears more than once.`);
  const node = nodes[0]!;
  const out: string[] = [];
  for (const child of xmlChildNames(node)) {
    if (localName(child) !== 'string')
      throw new SoapFault(
        'Client',
        `${name} may contain only <string> elements, found <${child}>.`,
      );
    for (const item of xmlChildren(node, child))
      out.push(isNil(item) ? '' : decodeXmlText(xmlRawText(item)));
  }
  return out;
}

export function isNil(node: XmlNode): boolean {
  return xmlAttributes(node).some(
    ([name, value]) => localName(name) === 'nil' && (value === 'true' || value === '1'),
  );
}

/**
 * An `xsd:dateTime` field: absent or nil → undefined. Anything else ASMX's XmlSerializer cannot
 * read (an empty element, a malformed value) fails deserialisation before the operation runs:
 * a `soap:Client` fault (reference §12), not a result code.
 */
export function dateField(fields: Fields, name: string): Date | undefined {
  const nodes = fields.get(name);
  if (nodes === undefined || nodes.length === 0 || isNil(nodes[0]!)) return undefined;
  if (nodes.length > 1) throw new SoapFault('Client', `Element ${name} appears more than once.`);
  const value = decodeXmlText(xmlRawText(nodes[0])).trim();
  const date = parseXsdDateTime(value);
  if (date === undefined) {
    throw new SoapFault(
      'Client',
      `Server was unable to read request. ---> There is an error in XML document. ---> The string '${value}' is not a valid AllXsd value.`,
    );
  }
  return date;
}

/** `xsd:dateTime`; without a zone it is Istanbul wall-clock time (what the .NET server assumes). */
export function parseXsdDateTime(text: string): Date | undefined {
  const match = ISO_DATE_TIME.exec(text);
  if (!match) return undefined;
  const [y, mo, d, h, mi, s] = match.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return undefined;
  const ms = match[7] === undefined ? 0 : Math.floor(Number(`0.${match[7]}`) * 1000);
  const wall = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  if (new Date(wall).getUTCDate() !== d) return undefined;
  const zone = match[8];
  if (zone === undefined) return new Date(wall - istanbulOffsetMinutes(new Date(wall)) * 60_000);
  if (zone === 'Z') return new Date(wall);
  const sign = zone.startsWith('-') ? -1 : 1;
  const offset = sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
  return new Date(wall - offset * 60_000);
}

export function list(items: readonly string[]): string {
  let out = '';
  for (const item of items) out += `<string>${escapeXml(item)}</string>`;
  return out;
}

export function result(
  version: SoapVersion,
  operation: string,
  inner: string,
  providerCode: string,
  recipients: number,
): ApiReply {
  return {
    status: 200,
    contentType: CONTENT_TYPES[version],
    body: Buffer.from(
      `${envelopeOpen(version)}<${operation}Response xmlns="${SOAP_SERVICE_NAMESPACE}"><${operation}Result>${inner}</${operation}Result></${operation}Response>${ENVELOPE_CLOSE}`,
      'utf8',
    ),
    providerCode,
    recipients,
  };
}

export const SOAP12_CODES: Readonly<Record<SoapFault['faultCode'], string>> = {
  Client: 'Sender',
  Server: 'Receiver',
  VersionMismatch: 'VersionMismatch',
};

/** A fault in the request's SOAP version, HTTP 500 as ASMX answers both. */
export function fault(version: SoapVersion, error: SoapFault, recipients: number): ApiReply {
  const code = `soap:${version === '1.1' ? error.faultCode : SOAP12_CODES[error.faultCode]}`;
  const text = escapeXml(error.faultString);
  const inner =
    version === '1.1'
      ? `<soap:Fault><faultcode>${code}</faultcode><faultstring>${text}</faultstring><detail /></soap:Fault>`
      : `<soap:Fault><soap:Code><soap:Value>${code}</soap:Value></soap:Code><soap:Reason><soap:Text xml:lang="en">${text}</soap:Text></soap:Reason><soap:Detail /></soap:Fault>`;
  return {
    status: 500,
    contentType: CONTENT_TYPES[version],
    body: Buffer.from(`${envelopeOpen(version)}${inner}${ENVELOPE_CLOSE}`, 'utf8'),
    providerCode: code,
    recipients,
  };
}
