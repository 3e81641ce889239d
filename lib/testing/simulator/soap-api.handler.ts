import type { IncomingHttpHeaders } from 'node:http';
import { istanbulOffsetMinutes } from '../../transports/istanbul-time.js';
import {
  type ApiCall,
  type ApiReply,
  htmlErrorReply,
  type RoutedOperation,
  type SimulatedApiHandler,
  truncatedReply,
} from './api-handler.js';
import {
  MAX_ITEMS_PER_REQUEST,
  normalizeSimulatedNumber,
  type SendItem,
  type SimulatedProvider,
} from './simulated-provider.js';
import type { SimulatorBehaviour } from './simulator.types.js';
import {
  decodeXmlBody,
  decodeXmlText,
  escapeXml,
  localName,
  MalformedXmlError,
  parseXmlDocument,
  xmlAttributes,
  xmlChildNames,
  xmlChildren,
  xmlRawText,
  type XmlNode,
} from './simulator-xml.js';

/** Namespace of the operations (the WSDL's target namespace; a trailing `/` is accepted too). */
export const SOAP_SERVICE_NAMESPACE = 'http://83.66.137.24/PgApiWs';
const SOAP11 = 'http://schemas.xmlsoap.org/soap/envelope/';
const SOAP12 = 'http://www.w3.org/2003/05/soap-envelope';

/** The four operations public clients attest (reference §4.2, §12). */
const ATTESTED: Readonly<Record<string, RoutedOperation>> = {
  SmsInsert_1_N: { operation: 'SmsInsert_1_N', kind: 'send' },
  SmsInsert_N_N: { operation: 'SmsInsert_N_N', kind: 'send' },
  CreditBalance: { operation: 'CreditBalance', kind: 'credit' },
  IdCheck: { operation: 'IdCheck', kind: 'originator' },
};
/** Served only with `assumeSoapStatusOperation`. */
const ASSUMED_STATUS: RoutedOperation = { operation: 'SmsStatus', kind: 'status' };
const UNKNOWN: RoutedOperation = { operation: 'unknown', kind: 'unknown' };

/** SOAP 1.1 (`text/xml` + `SOAPAction`) or SOAP 1.2 (`application/soap+xml; action=…`). */
type SoapVersion = '1.1' | '1.2';
const SOAP12_MEDIA_TYPE = 'application/soap+xml';
const CONTENT_TYPES: Readonly<Record<SoapVersion, string>> = {
  '1.1': 'text/xml; charset=utf-8',
  '1.2': 'application/soap+xml; charset=utf-8',
};
const ENVELOPE_NS: Readonly<Record<SoapVersion, string>> = { '1.1': SOAP11, '1.2': SOAP12 };
const envelopeOpen = (version: SoapVersion): string =>
  `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="${ENVELOPE_NS[version]}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"><soap:Body>`;
const ENVELOPE_CLOSE = '</soap:Body></soap:Envelope>';
/** The operation element of a body, for SOAP 1.2 requests without an `action` parameter. */
const BODY_OPERATION =
  /<(?:[A-Za-z_][\w.-]*:)?Body\b[^>]*>\s*<(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)/;
const ACTION_PARAMETER = /;\s*action\s*=\s*"?([^";]*)"?/i;
const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?(Z|[+-]\d{2}:\d{2})?$/;

/** A SOAP fault to answer (HTTP 500): `Client`/`Server` are `Sender`/`Receiver` in SOAP 1.2. */
class SoapFault extends Error {
  constructor(
    readonly faultCode: 'Client' | 'Server' | 'VersionMismatch',
    readonly faultString: string,
  ) {
    super(faultString);
  }
}

/** A request-level error: the result holds exactly this one entry. */
class SoapResultError extends Error {
  constructor(readonly code: string) {
    super(code);
  }
}

/** The operation element's children by local name. */
type Fields = Map<string, XmlNode[]>;

/**
 * `/api_ws/smsservice.asmx` — the ASMX web service (reference §4, §12), SOAP 1.1 (`text/xml`,
 * operation from `SOAPAction`) and SOAP 1.2 (`application/soap+xml`, operation from the
 * `action` parameter or the body element), as ASMX serves both.
 *
 * Only the four attested operations are served: `SmsInsert_1_N`, `CreditBalance`, `IdCheck`,
 * and `SmsInsert_N_N` (whose parameter names are unknown: served with `Recepients`/`Messages`
 * only under `assumeSoapManyToManyElementNames`, else a `soap:Server` fault). `SmsStatus` exists
 * only under `assumeSoapStatusOperation`; otherwise it is answered like any operation ASMX
 * does not know: a `soap:Client` fault, HTTP 500. A value ASMX cannot deserialise (an empty or
 * malformed `dateTime`) is a `soap:Client` fault with HTTP 500, as ASMX answers it.
 */
export class SoapApiHandler implements SimulatedApiHandler {
  readonly api = 'soap' as const;
  readonly prefix = '/api_ws/';

  constructor(
    private readonly provider: SimulatedProvider,
    private readonly behaviour: Pick<
      SimulatorBehaviour,
      'assumeSoapStatusOperation' | 'assumeSoapManyToManyElementNames'
    >,
  ) {}

  route(
    lowerPath: string,
    headers: IncomingHttpHeaders,
    body: Buffer,
  ): RoutedOperation | undefined {
    if (lowerPath !== '/api_ws/smsservice.asmx') return undefined;
    const version = versionOf(headers);
    let name: string | undefined;
    if (version === '1.2') {
      const action = ACTION_PARAMETER.exec(headers['content-type'] ?? '')?.[1];
      name =
        action !== undefined
          ? operationOfAction(action)
          : BODY_OPERATION.exec(body.toString('utf8', 0, Math.min(body.length, 4096)))?.[1];
    } else {
      const action = headers['soapaction'];
      name = typeof action === 'string' ? operationOfAction(action) : undefined;
    }
    if (name === undefined) return UNKNOWN;
    if (name === 'SmsStatus' && this.behaviour.assumeSoapStatusOperation) return ASSUMED_STATUS;
    return Object.hasOwn(ATTESTED, name) ? ATTESTED[name] : UNKNOWN;
  }

  handle(call: ApiCall): ApiReply {
    if (call.method !== 'POST') {
      return { ...htmlErrorReply(405, 'Method Not Allowed'), headers: { allow: 'POST' } };
    }
    const contentType = call.headers['content-type']?.toLowerCase() ?? '';
    const version = versionOf(call.headers);
    if (version === undefined) {
      return htmlErrorReply(
        415,
        `Unsupported Media Type: SOAP needs text/xml (1.1) or application/soap+xml (1.2), got ${contentType || 'none'}`,
      );
    }
    let recipients = 0;
    try {
      if (call.operation === 'unknown') {
        throw new SoapFault(
          'Client',
          version === '1.1'
            ? `Server did not recognize the value of HTTP Header SOAPAction: ${String(call.headers['soapaction'] ?? '')}.`
            : 'Unable to handle request without a valid action parameter. Please supply a valid soap action.',
        );
      }
      const fields = this.readEnvelope(call, version);
      switch (call.operation) {
        case 'SmsInsert_1_N':
        case 'SmsInsert_N_N': {
          recipients = strings(fields, 'Recepients').length;
          return result(version, call.operation, list(this.send(call, fields)), '0', recipients);
        }
        case 'SmsStatus': {
          recipients = strings(fields, 'MessageIds').length;
          return result(version, call.operation, list(this.status(call, fields)), '0', recipients);
        }
        case 'CreditBalance': {
          const check = this.credentials(call, fields);
          const credit = check ?? String(this.provider.creditOf(call.profile));
          return result(version, call.operation, credit, check ?? '0', 0);
        }
        default: {
          const check = this.credentials(call, fields);
          return result(
            version,
            call.operation,
            escapeXml(check ?? this.provider.originator),
            check ?? '0',
            0,
          );
        }
      }
    } catch (caught) {
      if (caught instanceof SoapResultError)
        return result(version, call.operation, list([caught.code]), caught.code, recipients);
      if (caught instanceof SoapFault) return fault(version, caught, recipients);
      if (caught instanceof MalformedXmlError)
        return fault(
          version,
          new SoapFault('Client', `There is an error in XML document: ${caught.message}`),
          recipients,
        );
      throw caught;
    }
  }

  /** Checks the envelope and returns the operation's fields. */
  private readEnvelope(call: ApiCall, version: SoapVersion): Fields {
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
    if (
      localName(document.name) !== 'Envelope' ||
      (envelopeNs !== SOAP11 && envelopeNs !== SOAP12)
    ) {
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

  /** `undefined` when the credentials are right, else the code to answer. */
  private credentials(call: ApiCall, fields: Fields): string | undefined {
    const check = this.provider.checkCredentials(
      call.profile,
      scalar(fields, 'Username'),
      scalar(fields, 'Password'),
    );
    return check === 'ok' ? undefined : check === 'user' ? '-1001' : '-1002';
  }

  private send(call: ApiCall, fields: Fields): string[] {
    const check = this.credentials(call, fields);
    if (check !== undefined) throw new SoapResultError(check);
    const numbers = strings(fields, 'Recepients').map((value) => value.trim());
    const manyToMany = call.operation === 'SmsInsert_N_N';
    if (manyToMany && !this.behaviour.assumeSoapManyToManyElementNames) {
      throw new SoapFault(
        'Server',
        "Server was unable to process request. ---> SmsInsert_N_N's parameter names are not attested; the simulator reads Recepients/Messages only with the option assumeSoapManyToManyElementNames.",
      );
    }
    const texts = manyToMany ? strings(fields, 'Messages') : [];
    const text = manyToMany ? '' : (scalar(fields, 'Message') ?? '');
    if (numbers.length === 0) throw new SoapResultError('ERR1060');
    if (manyToMany && texts.length !== numbers.length) throw new SoapResultError('ERR1080');
    if (numbers.length > MAX_ITEMS_PER_REQUEST) throw new SoapResultError('ERR1070');
    if (manyToMany ? texts.some((value) => value.trim() === '') : text.trim() === '')
      throw new SoapResultError('ERR1090');
    const sendAt = dateField(fields, 'SendDate');
    const validUntil = dateField(fields, 'ExpireDate');
    const results: string[] = numbers.map(() => '-1003');
    const items: SendItem[] = [];
    const positions: number[] = [];
    numbers.forEach((number, position) => {
      const to = normalizeSimulatedNumber(number);
      if (to === undefined) return;
      items.push({ to, text: manyToMany ? texts[position]! : text });
      positions.push(position);
    });
    if (items.length > 0) {
      const outcome = this.provider.send({
        profile: call.profile,
        api: 'soap',
        items,
        sendAt,
        validUntil,
        creditPolicy: 'wait',
      });
      if (outcome.ok)
        outcome.messages.forEach((message, i) => (results[positions[i]!] = message.id));
    }
    return results;
  }

  private status(call: ApiCall, fields: Fields): string[] {
    const check = this.credentials(call, fields);
    if (check !== undefined) throw new SoapResultError(check);
    const ids = strings(fields, 'MessageIds').map((id) => id.trim());
    if (ids.length > MAX_ITEMS_PER_REQUEST) throw new SoapResultError('ERR1070');
    return ids.map((id) => {
      if (this.provider.find(id, call.profile) === undefined)
        return this.provider.belongsToOther(id, call.profile) ? '-20|1' : '420|1';
      const status = this.provider.statusOf(id)!;
      return `${status.code}|${status.final ? 1 : 0}`;
    });
  }

  providerError(call: ApiCall, code: string | number | undefined): ApiReply {
    const value = String(code ?? '-2001');
    const operation = call.operation === 'unknown' ? 'SmsInsert_1_N' : call.operation;
    const payload =
      operation === 'CreditBalance' || operation === 'IdCheck' ? escapeXml(value) : list([value]);
    return result(versionOf(call.headers) ?? '1.1', operation, payload, value, 0);
  }

  malformed(reply: ApiReply): ApiReply {
    return truncatedReply(reply);
  }
}

/** SOAP version by media type; `undefined` for any other media type. */
function versionOf(headers: IncomingHttpHeaders): SoapVersion | undefined {
  const contentType = headers['content-type']?.toLowerCase() ?? '';
  if (contentType.startsWith('text/xml')) return '1.1';
  if (contentType.startsWith(SOAP12_MEDIA_TYPE)) return '1.2';
  return undefined;
}

/** `"http://83.66.137.24/PgApiWs/SmsInsert_1_N"` → `SmsInsert_1_N` (namespace with or without a trailing `/`). */
function operationOfAction(raw: string): string | undefined {
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
function namespaceOf(name: string, scopes: readonly XmlNode[]): string | undefined {
  const colon = name.indexOf(':');
  const declaration = colon === -1 ? 'xmlns' : `xmlns:${name.slice(0, colon)}`;
  for (const scope of scopes) {
    for (const [attribute, value] of xmlAttributes(scope))
      if (attribute === declaration) return value;
  }
  return undefined;
}

/** Text of a single field; `undefined` when absent or `xsi:nil`. */
function scalar(fields: Fields, name: string): string | undefined {
  const nodes = fields.get(name);
  if (nodes === undefined || nodes.length === 0) return undefined;
  if (nodes.length > 1) throw new SoapFault('Client', `Element ${name} appears more than once.`);
  const node = nodes[0]!;
  if (isNil(node)) return undefined;
  return decodeXmlText(xmlRawText(node));
}

/** The `<string>` items of an ArrayOfString field. */
function strings(fields: Fields, name: string): string[] {
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

function isNil(node: XmlNode): boolean {
  return xmlAttributes(node).some(
    ([name, value]) => localName(name) === 'nil' && (value === 'true' || value === '1'),
  );
}

/**
 * An `xsd:dateTime` field: absent or nil → undefined. Anything else ASMX's XmlSerializer cannot
 * read (an empty element, a malformed value) fails deserialisation before the operation runs:
 * a `soap:Client` fault (reference §12), not a result code.
 */
function dateField(fields: Fields, name: string): Date | undefined {
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

function list(items: readonly string[]): string {
  let out = '';
  for (const item of items) out += `<string>${escapeXml(item)}</string>`;
  return out;
}

function result(
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

const SOAP12_CODES: Readonly<Record<SoapFault['faultCode'], string>> = {
  Client: 'Sender',
  Server: 'Receiver',
  VersionMismatch: 'VersionMismatch',
};

/** A fault in the request's SOAP version, HTTP 500 as ASMX answers both. */
function fault(version: SoapVersion, error: SoapFault, recipients: number): ApiReply {
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
