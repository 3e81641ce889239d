import { encodeIso88599, escapeXmlForIso88599 } from '../../message/iso-8859-9.js';
import { type ApiReply, type RoutedOperation } from './api-handler.js';
import { decodeXmlAttribute, xmlRawAttribute, type XmlNode } from './simulator-xml.js';

// The XML API's pages (request and reply roots, error families), its error texts and reply
// documents, for the simulator's XML handler.

export interface XmlPage extends RoutedOperation {
  /** Root element of the request. */
  readonly request: string;
  /** Root element of the reply. */
  readonly response: string;
  /** Error-code family digit (S1: ERR1xxx insreq, ERR2xxx stareq, ERR7xxx cre_balreq, ERR8xxx id_chkreq). */
  readonly family: string;
}

export const PAGES: Readonly<Record<string, XmlPage>> = {
  'sms_insreq.asp': {
    operation: 'Sms_insreq',
    kind: 'send',
    request: 'SMS-InsRequest',
    response: 'SMS-Response',
    family: '1',
  },
  'sms_stareq.asp': {
    operation: 'Sms_stareq',
    kind: 'status',
    request: 'SMS-StaRequest',
    response: 'SMS-Response',
    family: '2',
  },
  'sms_stareqx.asp': {
    operation: 'Sms_stareqx',
    kind: 'status',
    request: 'SMS-StaRequest',
    response: 'SMS-Response',
    family: '2',
  },
  'cre_balreq.asp': {
    operation: 'Cre_balreq',
    kind: 'credit',
    request: 'CREDIT-BalRequest',
    response: 'CREDIT-Response',
    family: '7',
  },
  'id_chkreq.asp': {
    operation: 'Id_chkreq',
    kind: 'originator',
    request: 'ID-ChkRequest',
    response: 'ID-Response',
    family: '8',
  },
};
export const BY_OPERATION = new Map(Object.values(PAGES).map((page) => [page.operation, page]));

/** Texts after the code in `<ERROR>`; keyed by the last three digits of the code. */
export const ERROR_TEXT: Readonly<Record<string, string>> = {
  '001': 'Kullanıcı adı veya şifre hatalı',
  '010': 'Veritabanı bağlantı işlemi başarısız',
  '050': 'İstek değerlendirilemedi',
  '060': 'Alıcı listesi boş olamaz',
  '063': 'Geçersiz gönderim zamanı (dt)',
  '064': 'Geçersiz son gönderim zamanı (dt2)',
  '070': 'Bir istekte en fazla 800 kayıt olabilir',
  '090': 'Mesaj metni boş olamaz',
};

export const DECLARATION = '<?xml version="1.0" encoding="iso-8859-9"?>';
export const CONTENT_TYPE = 'text/xml; charset=iso-8859-9';

/** A request-level error: `ERR<family><kind>`. */
export class XmlRequestError extends Error {
  constructor(readonly kind: string) {
    super(kind);
  }
}

/** A reply of `page` around `inner`. */
export function xmlOk(
  declaration: boolean,
  page: XmlPage,
  inner: string,
  recipients: number,
): ApiReply {
  return {
    status: 200,
    contentType: CONTENT_TYPE,
    body: replyDocument(declaration, `<${page.response}>${inner}</${page.response}>`),
    providerCode: '0',
    recipients,
  };
}

/** A request-level `<ERROR>` reply of `page`. */
export function xmlErrorReply(
  declaration: boolean,
  page: XmlPage,
  code: string,
  recipients: number,
): ApiReply {
  const text = ERROR_TEXT[code.slice(-3)];
  const content = escapeXmlForIso88599(text === undefined ? code : `${code} ${text}`, {
    attribute: false,
  });
  return {
    status: 200,
    contentType: CONTENT_TYPE,
    body: replyDocument(
      declaration,
      `<${page.response}><ERROR>${content}</ERROR></${page.response}>`,
    ),
    providerCode: code.split(' ')[0]!,
    recipients,
  };
}

/** A reply document in ISO-8859-9, with a declaration only when configured. */
function replyDocument(declaration: boolean, root: string): Buffer {
  return encodeIso88599(declaration ? DECLARATION + root : root);
}

export function attribute(node: XmlNode, name: string): string | undefined {
  const raw = xmlRawAttribute(node, name);
  return raw === undefined ? undefined : decodeXmlAttribute(raw);
}
