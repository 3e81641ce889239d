import type { IncomingHttpHeaders } from 'node:http';
import { escapeXmlForIso88599 } from '../../message/iso-8859-9.js';
import { parseIstanbulWallClock } from '../../transports/istanbul-time.js';
import {
  type ApiCall,
  type ApiReply,
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
  MalformedXmlError,
  parseXmlDocument,
  xmlChild,
  xmlChildNames,
  xmlChildren,
  xmlRawText,
  type XmlNode,
} from './simulator-xml.js';
import {
  PAGES,
  BY_OPERATION,
  XmlRequestError,
  xmlOk,
  xmlErrorReply,
  attribute,
} from './xml-api.pages.js';

/**
 * `/api_xml/<Page>.asp` — the official XML API v1.2.0 (reference §3, TEAM wire decisions).
 * Request documents are read as an XML parser reads bytes: byte-order mark, then the
 * declaration's `encoding`, else UTF-8 — the `Content-Type` charset does not override them.
 * Character references are decoded and attribute values normalised as any XML parser does.
 * Replies carry no `<?xml?>` declaration, as in the official document, unless
 * `xmlReplyDeclaration` is set.
 */
export class XmlApiHandler implements SimulatedApiHandler {
  readonly api = 'xml' as const;
  readonly prefix = '/api_xml/';

  constructor(
    private readonly provider: SimulatedProvider,
    private readonly behaviour: Pick<SimulatorBehaviour, 'xmlReplyDeclaration'>,
  ) {}

  route(
    lowerPath: string,
    _headers: IncomingHttpHeaders,
    _body: Buffer,
  ): RoutedOperation | undefined {
    return PAGES[lowerPath.slice(this.prefix.length)];
  }

  handle(call: ApiCall): ApiReply {
    const page = BY_OPERATION.get(call.operation)!;
    let recipients = 0;
    try {
      const text = call.method === 'POST' ? decodeXmlBody(call.body) : undefined;
      const document = text === undefined ? undefined : parseXmlDocument(text);
      if (
        document === undefined ||
        document.name !== page.request ||
        typeof document.node === 'string'
      ) {
        throw new XmlRequestError('050');
      }
      const root = document.node;
      const client = xmlChild(root, 'CLIENT');
      if (client === undefined || client === null) throw new XmlRequestError('050');
      const user = attribute(client, 'user');
      const password = attribute(client, 'pwd');
      if (this.provider.checkCredentials(call.profile, user, password) !== 'ok')
        throw new XmlRequestError('001');
      switch (page.kind) {
        case 'send': {
          const result = this.send(call, root);
          recipients = result.recipients;
          return xmlOk(this.behaviour.xmlReplyDeclaration, page, result.body, recipients);
        }
        case 'status': {
          const statuses = xmlChildren(root, 'STATUS');
          recipients = statuses.length;
          if (recipients > MAX_ITEMS_PER_REQUEST) throw new XmlRequestError('070');
          let body = '';
          for (const status of statuses)
            body += this.status(
              call,
              attribute(status, 'id') ?? '',
              page.operation === 'Sms_stareqx',
            );
          return xmlOk(this.behaviour.xmlReplyDeclaration, page, body, recipients);
        }
        case 'credit':
          return xmlOk(
            this.behaviour.xmlReplyDeclaration,
            page,
            `<BALANCE res="${this.provider.creditOf(call.profile)}"/>`,
            0,
          );
        default:
          return xmlOk(
            this.behaviour.xmlReplyDeclaration,
            page,
            `<ID res="${escapeXmlForIso88599(this.provider.originator)}"/>`,
            0,
          );
      }
    } catch (caught) {
      if (caught instanceof XmlRequestError)
        return xmlErrorReply(
          this.behaviour.xmlReplyDeclaration,
          page,
          `ERR${page.family}${caught.kind}`,
          recipients,
        );
      if (caught instanceof MalformedXmlError)
        return xmlErrorReply(
          this.behaviour.xmlReplyDeclaration,
          page,
          `ERR${page.family}050`,
          recipients,
        );
      throw caught;
    }
  }

  private send(call: ApiCall, root: XmlNode): { body: string; recipients: number } {
    const names = xmlChildNames(root);
    const inserts = xmlChildren(root, 'INSERT');
    const bulk = xmlChild(root, 'INSERTMSG');
    if (bulk === null || (bulk !== undefined && inserts.length > 0))
      throw new XmlRequestError('050');
    if (names.some((name) => name !== 'CLIENT' && name !== 'INSERT' && name !== 'INSERTMSG'))
      throw new XmlRequestError('050');

    // One entry per recipient, in request order.
    const entries: { to: string; text: string; dt: string; dt2: string }[] = [];
    if (bulk !== undefined) {
      const text = attribute(bulk, 'text') ?? '';
      const dt = attribute(bulk, 'dt') ?? '';
      const dt2 = attribute(bulk, 'dt2') ?? '';
      for (const to of xmlChildren(bulk, 'TO'))
        entries.push({ to: decodeXmlText(xmlRawText(to)).trim(), text, dt, dt2 });
    } else {
      for (const insert of inserts) {
        entries.push({
          to: attribute(insert, 'to') ?? '',
          text: attribute(insert, 'text') ?? '',
          dt: attribute(insert, 'dt') ?? '',
          dt2: attribute(insert, 'dt2') ?? '',
        });
      }
    }
    const recipients = entries.length;
    if (recipients === 0) throw new XmlRequestError('060');
    if (recipients > MAX_ITEMS_PER_REQUEST) throw new XmlRequestError('070');
    if (entries.some((entry) => entry.text.trim() === '')) throw new XmlRequestError('090');

    // Messages with the same dates go to the provider together, in request order.
    const results: (string | undefined)[] = entries.map(() => undefined);
    const batches: {
      sendAt?: Date;
      validUntil?: Date;
      group: { position: number; item: SendItem }[];
    }[] = [];
    let index = 0;
    while (index < recipients) {
      const { dt, dt2 } = entries[index]!;
      const sendAt = dt === '' ? undefined : parseIstanbulWallClock(dt, 'slashed');
      if (dt !== '' && sendAt === undefined) throw new XmlRequestError('063');
      const validUntil = dt2 === '' ? undefined : parseIstanbulWallClock(dt2, 'slashed');
      if (dt2 !== '' && validUntil === undefined) throw new XmlRequestError('064');
      const group: { position: number; item: SendItem }[] = [];
      for (
        ;
        index < recipients && entries[index]!.dt === dt && entries[index]!.dt2 === dt2;
        index++
      ) {
        const entry = entries[index]!;
        const to = normalizeSimulatedNumber(entry.to);
        if (to !== undefined) group.push({ position: index, item: { to, text: entry.text } });
      }
      batches.push({ sendAt, validUntil, group });
    }
    // Dates are all valid: only now accept anything.
    for (const batch of batches) {
      if (batch.group.length === 0) continue;
      const outcome = this.provider.send({
        profile: call.profile,
        api: 'xml',
        items: batch.group.map((entry) => entry.item),
        sendAt: batch.sendAt,
        validUntil: batch.validUntil,
        creditPolicy: 'wait',
      });
      if (!outcome.ok) throw new Error('unreachable: the wait policy never rejects');
      outcome.messages.forEach((message, i) => (results[batch.group[i]!.position] = message.id));
    }
    let body = '';
    for (const id of results)
      body += id === undefined ? '<INSERT id="" res="0"/>' : `<INSERT id="${id}" res="1"/>`;
    return { body, recipients };
  }

  private status(call: ApiCall, id: string, withNumber: boolean): string {
    const message = this.provider.find(id, call.profile);
    let res: string;
    if (message !== undefined) {
      const status = this.provider.statusOf(id)!;
      res = `${status.code}|${status.final ? 1 : 0}`;
    } else {
      res = this.provider.belongsToOther(id, call.profile) ? '-20|1' : '420|1';
    }
    const gsm = withNumber ? ` gsmno="${message ? message.to.slice(2) : ''}"` : '';
    return `<STATUS id="${escapeXmlForIso88599(id)}" res="${res}"${gsm}/>`;
  }

  providerError(call: ApiCall, code: string | number | undefined): ApiReply {
    const page = BY_OPERATION.get(call.operation)!;
    const text =
      code === undefined
        ? `ERR${page.family}010`
        : /^\d+$/.test(String(code))
          ? `ERR${code}`
          : String(code);
    return xmlErrorReply(this.behaviour.xmlReplyDeclaration, page, text, 0);
  }

  malformed(reply: ApiReply): ApiReply {
    return truncatedReply(reply);
  }
}
