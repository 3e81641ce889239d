/**
 * A small, strict, non-validating XML reader for the provider's replies (XML API and SOAP).
 *
 * Why not a general XML library: the replies are tiny, fixed shapes read on the hot path of
 * every send, and the general parsers measured 20–80 µs per reply here (numeric character
 * references alone cost most of that in fast-xml-parser); this reader takes a few µs. It is
 * strict where strictness protects the caller: it refuses `<!DOCTYPE` (no entity expansion, no
 * external entities), unknown entities, mismatched or unclosed tags and anything after the
 * root element, so a truncated or garbled reply is reported as malformed instead of being
 * half-read.
 *
 * Names are kept as written (`soap:Envelope`); {@link XmlElement.name} is the local name
 * (`Envelope`), which is what the transports match on.
 */
export interface XmlElement {
  /** Local name: the part after the namespace prefix, if any. */
  readonly name: string;
  /** Name as written, with its prefix. */
  readonly qualifiedName: string;
  /** Attribute values, decoded, by name as written (prefixes kept: `xsi:nil`). */
  readonly attributes: Readonly<Record<string, string>>;
  readonly children: readonly XmlElement[];
  /** Character data directly inside this element (entities and CDATA decoded), concatenated. */
  readonly text: string;
}

/** The text is not well-formed XML (as far as this reader checks). */
export class XmlSyntaxError extends Error {
  override readonly name = 'XmlSyntaxError';
}

interface MutableElement {
  name: string;
  qualifiedName: string;
  attributes: Record<string, string>;
  children: MutableElement[];
  text: string;
}

/** Parses a whole document and returns its root element. Throws `XmlSyntaxError`. */
export function parseXml(source: string): XmlElement {
  let i = source.charCodeAt(0) === 0xfeff ? 1 : 0;
  const length = source.length;
  const stack: MutableElement[] = [];
  let root: MutableElement | undefined;

  const fail = (what: string): never => {
    throw new XmlSyntaxError(`${what} at offset ${i}`);
  };

  while (i < length) {
    const lt = source.indexOf('<', i);
    const textEnd = lt === -1 ? length : lt;
    if (textEnd > i) {
      const raw = source.slice(i, textEnd);
      if (stack.length === 0) {
        if (!isWhitespace(raw)) fail('text outside the root element');
      } else {
        stack[stack.length - 1]!.text += decodeEntities(raw, i);
      }
      i = textEnd;
      if (lt === -1) break;
    }
    const next = source.charCodeAt(i + 1);
    if (next === 0x21 /* ! */) {
      if (source.startsWith('<!--', i)) {
        const end = source.indexOf('-->', i + 4);
        if (end === -1) fail('unclosed comment');
        i = end + 3;
      } else if (source.startsWith('<![CDATA[', i)) {
        if (stack.length === 0) fail('CDATA outside the root element');
        const end = source.indexOf(']]>', i + 9);
        if (end === -1) fail('unclosed CDATA section');
        stack[stack.length - 1]!.text += source.slice(i + 9, end);
        i = end + 3;
      } else {
        fail('DOCTYPE or markup declaration (not accepted)');
      }
    } else if (next === 0x3f /* ? */) {
      const end = source.indexOf('?>', i + 2);
      if (end === -1) fail('unclosed processing instruction');
      i = end + 2;
    } else if (next === 0x2f /* / */) {
      const end = source.indexOf('>', i + 2);
      if (end === -1) fail('unclosed end tag');
      const name = source.slice(i + 2, end).trimEnd();
      const open = stack.pop();
      if (open === undefined || open.qualifiedName !== name)
        fail(`end tag </${name}> does not match`);
      i = end + 1;
    } else {
      if (root !== undefined && stack.length === 0) fail('a second root element');
      const tag = readStartTag(source, i + 1, fail);
      const parent = stack[stack.length - 1];
      if (parent !== undefined) parent.children.push(tag.element);
      else root = tag.element;
      if (!tag.selfClosing) stack.push(tag.element);
      i = tag.end;
    }
  }
  if (root === undefined) fail('no root element');
  if (stack.length > 0) fail(`unclosed element <${stack[stack.length - 1]!.qualifiedName}>`);
  return root!;
}

/** Reads `name attr="value" … >` (after the `<`); `end` is the offset after the closing `>`. */
function readStartTag(
  source: string,
  start: number,
  fail: (what: string) => never,
): { element: MutableElement; selfClosing: boolean; end: number } {
  let selfClosing = false;
  let i = start;
  const length = source.length;
  while (i < length && !isNameEnd(source.charCodeAt(i))) i++;
  if (i === start) fail('an element without a name');
  const qualifiedName = source.slice(start, i);
  const colon = qualifiedName.indexOf(':');
  const element: MutableElement = {
    name: colon === -1 ? qualifiedName : qualifiedName.slice(colon + 1),
    qualifiedName,
    attributes: Object.create(null) as Record<string, string>,
    children: [],
    text: '',
  };
  for (;;) {
    while (i < length && isWhitespaceCode(source.charCodeAt(i))) i++;
    if (i >= length) fail(`unclosed start tag <${qualifiedName}>`);
    const code = source.charCodeAt(i);
    if (code === 0x3e /* > */) {
      i++;
      break;
    }
    if (code === 0x2f /* / */) {
      if (source.charCodeAt(i + 1) !== 0x3e) fail(`stray "/" in <${qualifiedName}>`);
      i += 2;
      selfClosing = true;
      break;
    }
    const nameStart = i;
    while (i < length && !isNameEnd(source.charCodeAt(i)) && source.charCodeAt(i) !== 0x3d) i++;
    const attributeName = source.slice(nameStart, i);
    if (attributeName === '') fail(`a malformed attribute in <${qualifiedName}>`);
    while (i < length && isWhitespaceCode(source.charCodeAt(i))) i++;
    if (source.charCodeAt(i) !== 0x3d /* = */) fail(`attribute ${attributeName} without a value`);
    i++;
    while (i < length && isWhitespaceCode(source.charCodeAt(i))) i++;
    const quote = source.charCodeAt(i);
    if (quote !== 0x22 && quote !== 0x27) fail(`attribute ${attributeName} value not quoted`);
    const valueEnd = source.indexOf(quote === 0x22 ? '"' : "'", i + 1);
    if (valueEnd === -1) fail(`unclosed value of attribute ${attributeName}`);
    const rawValue = source.slice(i + 1, valueEnd);
    if (rawValue.includes('<')) fail(`"<" in the value of attribute ${attributeName}`);
    if (element.attributes[attributeName] !== undefined) {
      fail(`attribute ${attributeName} given twice`);
    }
    element.attributes[attributeName] = decodeEntities(
      normalizeAttributeWhitespace(rawValue),
      i + 1,
    );
    i = valueEnd + 1;
  }
  return { element, selfClosing, end: i };
}

const NAMED_ENTITIES: Readonly<Record<string, string>> = {
  lt: '<',
  gt: '>',
  amp: '&',
  quot: '"',
  apos: "'",
};

/** Decodes the five predefined entities and numeric character references, in one pass. */
export function decodeEntities(raw: string, offset = 0): string {
  let amp = raw.indexOf('&');
  if (amp === -1) return raw;
  let out = '';
  let last = 0;
  while (amp !== -1) {
    const semicolon = raw.indexOf(';', amp + 1);
    if (semicolon === -1) throw new XmlSyntaxError(`unterminated entity at offset ${offset + amp}`);
    const name = raw.slice(amp + 1, semicolon);
    let replacement: string | undefined;
    if (name.charCodeAt(0) === 0x23 /* # */) {
      const codePoint =
        name.charCodeAt(1) === 0x78 /* x */
          ? /^#x[0-9a-fA-F]{1,6}$/.test(name)
            ? parseInt(name.slice(2), 16)
            : NaN
          : /^#[0-9]{1,7}$/.test(name)
            ? parseInt(name.slice(1), 10)
            : NaN;
      if (isXmlCodePoint(codePoint)) replacement = String.fromCodePoint(codePoint);
    } else {
      replacement = NAMED_ENTITIES[name];
    }
    if (replacement === undefined)
      throw new XmlSyntaxError(`unknown entity &${name}; at offset ${offset + amp}`);
    out += raw.slice(last, amp) + replacement;
    last = semicolon + 1;
    amp = raw.indexOf('&', last);
  }
  return out + raw.slice(last);
}

/** First child element with this local name. */
export function childNamed(element: XmlElement, name: string): XmlElement | undefined {
  for (const child of element.children) if (child.name === name) return child;
  return undefined;
}

/** All child elements with this local name, in document order. */
export function childrenNamed(element: XmlElement, name: string): XmlElement[] {
  return element.children.filter((child) => child.name === name);
}

function isXmlCodePoint(code: number): boolean {
  return (
    code === 0x9 ||
    code === 0xa ||
    code === 0xd ||
    (code >= 0x20 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd) ||
    (code >= 0x10000 && code <= 0x10ffff)
  );
}

function normalizeAttributeWhitespace(value: string): string {
  return /[\t\n\r]/.test(value) ? value.replace(/\r\n|[\t\n\r]/g, ' ') : value;
}

function isWhitespaceCode(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x09 || code === 0x0d;
}

function isWhitespace(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (!isWhitespaceCode(text.charCodeAt(i))) return false;
  return true;
}

function isNameEnd(code: number): boolean {
  return isWhitespaceCode(code) || code === 0x2f || code === 0x3e || code === 0x3c;
}
