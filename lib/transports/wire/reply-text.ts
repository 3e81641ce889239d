import { isAscii } from 'node:buffer';
import { decodeIso88599, type TurkishCharset } from '../../message/iso-8859-9.js';
import type { WireResponse } from './wire-client.js';

const CHARSET_PARAMETER = /;\s*charset\s*=\s*"?([A-Za-z0-9._-]+)"?/i;
const XML_DECLARED_ENCODING = /^<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z0-9._-]+)["']/;

/** `replyText` options for an XML reply (whose declaration may name its charset). */
export const XML_REPLY = { xml: true } as const;

/** Charsets a reply can be in. */
export type ReplyCharset = 'utf-8' | TurkishCharset;

/**
 * Decodes a reply body: the `Content-Type` charset when it names UTF-8, ISO-8859-9 or
 * windows-1254 (and, for XML, the declaration's `encoding`, which wins as it does for an XML
 * parser); otherwise the API's own default. A UTF-8 byte-order mark always means UTF-8.
 *
 * A body of ASCII bytes only (every usual reply: ids, codes, numbers) reads the same in all of
 * these charsets, so it is taken as it is without looking for a charset.
 */
export function replyText(
  response: WireResponse,
  fallback: ReplyCharset,
  options: { readonly xml?: boolean } = {},
): string {
  const body = response.body;
  if (isAscii(body)) return body.toString('latin1');
  if (body.length >= 3 && body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf)
    return body.toString('utf8', 3);
  let charset: ReplyCharset | undefined;
  if (options.xml === true && body[0] === 0x3c /* < */) {
    charset = knownCharset(
      XML_DECLARED_ENCODING.exec(body.toString('latin1', 0, Math.min(body.length, 120)))?.[1],
    );
  }
  charset ??=
    knownCharset(
      response.contentType ? CHARSET_PARAMETER.exec(response.contentType)?.[1] : undefined,
    ) ?? fallback;
  if (charset === 'utf-8') return body.toString('utf8');
  return decodeIso88599(body, { charset });
}

function knownCharset(name: string | undefined): ReplyCharset | undefined {
  switch (name?.toLowerCase()) {
    case 'utf-8':
    case 'utf8':
      return 'utf-8';
    case 'iso-8859-9':
    case 'iso8859-9':
    case 'latin5':
      return 'iso-8859-9';
    case 'windows-1254':
    case 'cp1254':
      return 'windows-1254';
    default:
      return undefined;
  }
}
