import type { KeyedAcceptedReply } from '../keyed-batch.js';

// The JSON API's 1-N batch in bytes, for the campaign hot path (lib/transports/keyed-batch.ts):
// the Send_1_N body written straight from numeric keys, and the usual success reply read
// without JSON.parse. The reader accepts one exact form only —
//   {"StatusCode":200,"StatusDescription":"…","Result":[{"MessageId":"…","Receiver":"…","Charge":N},…]}
// with no blanks, plain ASCII in the ids and receivers, no escapes, non-negative integer
// charges, every MessageId non-empty and as many entries as recipients — which is valid JSON
// that JSON.parse would read to exactly these values. Anything else answers `undefined`, and
// the caller reads the reply the usual way (so errors and rejections are reported as ever).

const QUOTE = 0x22;
const COMMA = 0x2c;

/** `head` (`{"Message":…,"Receivers":[`), `"905…"` per key separated by commas, `tail` (`],…}`). */
export function keyedSendBody(head: Buffer, keys: ArrayLike<number>, tail: Buffer): Buffer {
  const count = keys.length;
  // `"905XXXXXXXXX"` is 14 bytes, plus a comma between two.
  const body = Buffer.allocUnsafe(head.length + count * 15 - 1 + tail.length);
  let p = head.copy(body, 0);
  for (let i = 0; i < count; i++) {
    if (i > 0) body[p++] = COMMA;
    body[p] = QUOTE;
    body[p + 1] = 0x39; // 9
    body[p + 2] = 0x30; // 0
    body[p + 3] = 0x35; // 5
    let key = keys[i]! | 0; // < 6·10^8: a small integer
    for (let d = 12; d >= 4; d--) {
      const rest = (key / 10) | 0;
      body[p + d] = 0x30 + key - rest * 10;
      key = rest;
    }
    body[p + 13] = QUOTE;
    p += 14;
  }
  tail.copy(body, p);
  return body;
}

// Sticky expressions over the reply read as latin1 (one byte, one character): compiled to native
// code, they check a whole entry without a string or an array per entry. Ids and receivers are
// printable ASCII without a quote or a backslash; the description anything but a quote, a
// backslash or a control character (bytes ≥ 0x80 are UTF-8 text JSON.parse would accept).
const HEAD = /\{"StatusCode":200,"StatusDescription":"[\x20\x21\x23-\x5b\x5d-\xff]*","Result":\[/y;
const ENTRY =
  /\{"MessageId":"[\x20\x21\x23-\x5b\x5d-\x7e]+","Receiver":"[\x20\x21\x23-\x5b\x5d-\x7e]*","Charge":(?:0|[1-9][0-9]{0,8})\}/y;
/** `{"MessageId":"` — where an entry's id starts. */
const ID_OFFSET = 14;

class AcceptedReply implements KeyedAcceptedReply {
  readonly accepted = true;
  readonly providerCode = 'StatusCode=200';

  constructor(
    private readonly body: Buffer,
    private readonly idRanges: Int32Array,
    private readonly charges: Float64Array,
    readonly credits: number,
  ) {}

  messageId(i: number): string {
    return this.body.toString('latin1', this.idRanges[2 * i], this.idRanges[2 * i + 1]);
  }

  charge(i: number): number {
    return this.charges[i]!;
  }
}

/** The usual success reply of `count` recipients, all accepted; `undefined` for anything else. */
export function readAcceptedReply(body: Buffer, count: number): KeyedAcceptedReply | undefined {
  if (count === 0) return undefined;
  const text = body.toString('latin1');
  HEAD.lastIndex = 0;
  if (!HEAD.test(text)) return undefined;
  let p = HEAD.lastIndex;
  const idRanges = new Int32Array(2 * count);
  const charges = new Float64Array(count);
  let credits = 0;
  for (let i = 0; i < count; i++) {
    if (i > 0) {
      if (text.charCodeAt(p) !== COMMA) return undefined;
      p++;
    }
    ENTRY.lastIndex = p;
    if (!ENTRY.test(text)) return undefined;
    const end = ENTRY.lastIndex;
    idRanges[2 * i] = p + ID_OFFSET;
    idRanges[2 * i + 1] = text.indexOf('"', p + ID_OFFSET);
    // The charge: the digits before the closing brace.
    let charge = 0;
    let scale = 1;
    for (
      let q = end - 2, c = text.charCodeAt(q);
      c >= 0x30 && c <= 0x39;
      c = text.charCodeAt(--q)
    ) {
      charge += (c - 0x30) * scale;
      scale *= 10;
    }
    charges[i] = charge;
    credits += charge;
    p = end;
  }
  if (text.charCodeAt(p) !== 0x5d /* ] */ || text.charCodeAt(p + 1) !== 0x7d /* } */)
    return undefined;
  return p + 2 === text.length ? new AcceptedReply(body, idRanges, charges, credits) : undefined;
}
