import { XMLParser, XMLValidator } from 'fast-xml-parser';
import iconv from 'iconv-lite';
import { decodeIso88599 } from '../../message/iso-8859-9.js';

/**
 * XML reading for the simulator's XML and SOAP APIs: charset detection, well-formedness,
 * and XML-correct value decoding (entity and character references, attribute-value
 * normalisation), which `fast-xml-parser` leaves to us so that the simulator is as strict as a
 * real XML parser: a bare `&`, an unknown entity, `<` in an attribute, two root elements, or
 * text outside the root make the document malformed.
 */

/** A parsed element: a string for a leaf without attributes, else an object. */
export type XmlNode = string | XmlElement;
export interface XmlElement {
  readonly [key: string]: XmlNode | XmlNode[] | string | undefined;
}

export const ATTRIBUTE_PREFIX = '@_';
const TEXT = '#text';
const ARRAY_NAMES = new Set(['INSERT', 'TO', 'STATUS', 'string']);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: ATTRIBUTE_PREFIX,
  textNodeName: TEXT,
  processEntities: false,
  htmlEntities: false,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  isArray: (name) => ARRAY_NAMES.has(localName(name)),
});

const DECLARED_ENCODING = /^<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z0-9._-]+)["']/;
const CONTENT_TYPE_CHARSET = /;\s*charset\s*=\s*"?([A-Za-z0-9._-]+)"?/i;

/**
 * Decodes an XML body as an XML parser reading the raw bytes does (XML 1.0 §4.3.3, appendix F):
 * a byte-order mark wins, then the declaration's `encoding`, else UTF-8. The `Content-Type`
 * charset is consulted only when `contentType` is given (SOAP, where the transport protocol
 * names the charset); the XML API ignores it (reference §12: a client sends UTF-8 bytes under
 * `charset=iso-8859-9` and works in production). `undefined` when the named charset is unknown.
 */
export function decodeXmlBody(body: Buffer, contentType?: string): string | undefined {
  if (body.length >= 3 && body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf)
    return body.toString('utf8', 3);
  if (body.length >= 2 && body[0] === 0xff && body[1] === 0xfe)
    return iconv.decode(body.subarray(2), 'utf-16le');
  if (body.length >= 2 && body[0] === 0xfe && body[1] === 0xff)
    return iconv.decode(body.subarray(2), 'utf-16be');
  const head = body.toString('latin1', 0, Math.min(body.length, 200));
  const declared =
    DECLARED_ENCODING.exec(head)?.[1] ??
    (contentType ? CONTENT_TYPE_CHARSET.exec(contentType)?.[1] : undefined);
  return decodeCharset(body, declared ?? 'utf-8');
}

function decodeCharset(body: Buffer, charset: string): string | undefined {
  switch (charset.toLowerCase()) {
    case 'utf-8':
    case 'utf8':
      return body.toString('utf8');
    case 'iso-8859-9':
    case 'iso8859-9':
    case 'iso_8859-9':
    case 'latin5':
    case 'l5':
      return decodeIso88599(body);
    case 'windows-1254':
    case 'cp1254':
      return decodeIso88599(body, { charset: 'windows-1254' });
    default:
      return iconv.encodingExists(charset) ? iconv.decode(body, charset) : undefined;
  }
}

/**
 * Checks well-formedness and parses. Returns the root element's name and node, or
 * `undefined` when the document is malformed.
 */
export function parseXmlDocument(
  text: string,
): { readonly name: string; readonly node: XmlNode } | undefined {
  if (XMLValidator.validate(text) !== true) return undefined;
  // The validator and the parser both let text after the root element through.
  if (text.slice(text.lastIndexOf('>') + 1).trim() !== '') return undefined;
  let parsed: Record<string, unknown>;
  try {
    parsed = parser.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  let root: { name: string; node: XmlNode } | undefined;
  for (const [key, value] of Object.entries(parsed)) {
    if (key === TEXT) {
      if (typeof value !== 'string' || value.trim() !== '') return undefined;
      continue;
    }
    if (key.startsWith('!') || key.startsWith('?')) continue;
    if (root !== undefined || Array.isArray(value)) return undefined;
    root = { name: key, node: value as XmlNode };
  }
  return root;
}

/** `pre:Name` → `Name`. */
export function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon === -1 ? name : name.slice(colon + 1);
}

/** Children of an element with this exact name, as a list (empty when absent). */
export function xmlChildren(node: XmlNode | undefined, name: string): XmlNode[] {
  if (node === undefined || typeof node === 'string') return [];
  const value = node[name];
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** The single child with this name; `null` when there are several, `undefined` when none. */
export function xmlChild(node: XmlNode | undefined, name: string): XmlNode | undefined | null {
  if (node === undefined || typeof node === 'string') return undefined;
  const value = node[name];
  if (Array.isArray(value)) return value.length === 1 ? value[0] : null;
  return value;
}

/** Names of the child elements (not attributes, not text). */
export function xmlChildNames(node: XmlNode | undefined): string[] {
  if (node === undefined || typeof node === 'string') return [];
  return Object.keys(node).filter((key) => key !== TEXT && !key.startsWith(ATTRIBUTE_PREFIX));
}

/** Raw attribute value (undecoded) or `undefined`. */
export function xmlRawAttribute(node: XmlNode | undefined, name: string): string | undefined {
  if (node === undefined || typeof node === 'string') return undefined;
  const value = node[ATTRIBUTE_PREFIX + name];
  return typeof value === 'string' ? value : undefined;
}

/** All attributes, raw. */
export function xmlAttributes(node: XmlNode | undefined): [string, string][] {
  if (node === undefined || typeof node === 'string') return [];
  const out: [string, string][] = [];
  for (const [key, value] of Object.entries(node)) {
    if (key.startsWith(ATTRIBUTE_PREFIX) && typeof value === 'string')
      out.push([key.slice(ATTRIBUTE_PREFIX.length), value]);
  }
  return out;
}

/** Raw text content of an element (undecoded), `''` for an empty one. */
export function xmlRawText(node: XmlNode | undefined): string {
  if (node === undefined) return '';
  if (typeof node === 'string') return node;
  const text = node[TEXT];
  return typeof text === 'string' ? text : '';
}

/** Thrown by the value decoders for a bad reference; callers answer "malformed". */
export class MalformedXmlError extends Error {}

const PREDEFINED: Readonly<Record<string, string>> = {
  lt: '<',
  gt: '>',
  amp: '&',
  quot: '"',
  apos: "'",
};
const REFERENCE = /&([^;&\s]*);?/g;
const LINE_ENDS = /\r\n?/g;
const ATTRIBUTE_WHITESPACE = /[\t\n]/g;

/**
 * Decodes an attribute value as an XML parser does: line ends become LF, then literal tab and
 * LF become spaces (attribute-value normalisation), then references are replaced
 * (`&#10;` stays a line feed). Throws `MalformedXmlError` for a bad reference or a raw `<`.
 */
export function decodeXmlAttribute(raw: string): string {
  if (raw.includes('<')) throw new MalformedXmlError('< in attribute value');
  const normalised =
    raw.indexOf('\r') === -1 && raw.indexOf('\n') === -1 && raw.indexOf('\t') === -1
      ? raw
      : raw.replace(LINE_ENDS, '\n').replace(ATTRIBUTE_WHITESPACE, ' ');
  return normalised.indexOf('&') === -1 ? normalised : replaceReferences(normalised);
}

/** Decodes text content: line ends become LF, then references are replaced. */
export function decodeXmlText(raw: string): string {
  const normalised = raw.indexOf('\r') === -1 ? raw : raw.replace(LINE_ENDS, '\n');
  return normalised.indexOf('&') === -1 ? normalised : replaceReferences(normalised);
}

function replaceReferences(value: string): string {
  return value.replace(REFERENCE, (match: string, name: string) => {
    if (!match.endsWith(';')) throw new MalformedXmlError('unterminated reference');
    const predefined = PREDEFINED[name];
    if (predefined !== undefined) return predefined;
    let codePoint: number;
    if (/^#x[0-9a-fA-F]{1,6}$/.test(name)) codePoint = Number.parseInt(name.slice(2), 16);
    else if (/^#[0-9]{1,7}$/.test(name)) codePoint = Number.parseInt(name.slice(1), 10);
    else throw new MalformedXmlError(`unknown reference &${name};`);
    const legal =
      codePoint === 0x9 ||
      codePoint === 0xa ||
      codePoint === 0xd ||
      (codePoint >= 0x20 && codePoint <= 0xd7ff) ||
      (codePoint >= 0xe000 && codePoint <= 0xfffd) ||
      (codePoint >= 0x10000 && codePoint <= 0x10ffff);
    if (!legal) throw new MalformedXmlError(`illegal character reference &${name};`);
    return String.fromCodePoint(codePoint);
  });
}

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};
const TO_ESCAPE = /[&<>"']/g;
const NEEDS_ESCAPE = /[&<>"']/;

/** Escapes text for an attribute value or element content of a reply. */
export function escapeXml(text: string): string {
  return NEEDS_ESCAPE.test(text) ? text.replace(TO_ESCAPE, (char) => ESCAPES[char]!) : text;
}
