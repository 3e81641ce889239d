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

// The reply is read as bytes, with no string made of it (a reply is about 75 bytes per
// recipient: a string of it was most of a campaign's garbage). Ids and receivers are printable
// ASCII without a quote or a backslash; the description anything but a quote, a backslash or a
// control character (bytes ≥ 0x80 are UTF-8 text JSON.parse would accept).
const HEAD = Buffer.from('{"StatusCode":200,"StatusDescription":"', 'latin1');
const AFTER_DESCRIPTION = Buffer.from('","Result":[', 'latin1');
const ENTRY_HEAD = Buffer.from('{"MessageId":"', 'latin1');
const AFTER_ID = Buffer.from('","Receiver":"', 'latin1');
const AFTER_RECEIVER = Buffer.from('","Charge":', 'latin1');
const BACKSLASH = 0x5c;

/** Whether `literal` is at `p` in `body`. */
function at(body: Buffer, p: number, literal: Buffer): boolean {
  if (p + literal.length > body.length) return false;
  for (let i = 0; i < literal.length; i++) if (body[p + i] !== literal[i]) return false;
  return true;
}

/**
 * The end (the closing quote) of a run of characters from `p`: printable ASCII without a quote
 * or a backslash, or with `high` any byte ≥ 0x80 too; -1 when another byte comes first.
 */
function quotedEnd(body: Buffer, p: number, high: boolean): number {
  for (let c = body[p]; c !== undefined; c = body[++p]) {
    if (c === QUOTE) return p;
    if (c < 0x20 || c === BACKSLASH || (c >= 0x7f && !high)) return -1;
  }
  return -1;
}

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
  if (count === 0 || !at(body, 0, HEAD)) return undefined;
  const described = quotedEnd(body, HEAD.length, true);
  if (described < 0 || !at(body, described, AFTER_DESCRIPTION)) return undefined;
  let p = described + AFTER_DESCRIPTION.length;
  const idRanges = new Int32Array(2 * count);
  const charges = new Float64Array(count);
  let credits = 0;
  for (let i = 0; i < count; i++) {
    if (i > 0) {
      if (body[p] !== COMMA) return undefined;
      p++;
    }
    // {"MessageId":"<id, not empty>","Receiver":"<receiver>","Charge":<0 or 1-9 digits>}
    if (!at(body, p, ENTRY_HEAD)) return undefined;
    const id = p + ENTRY_HEAD.length;
    const idEnd = quotedEnd(body, id, false);
    if (idEnd <= id || !at(body, idEnd, AFTER_ID)) return undefined;
    const receiverEnd = quotedEnd(body, idEnd + AFTER_ID.length, false);
    if (receiverEnd < 0 || !at(body, receiverEnd, AFTER_RECEIVER)) return undefined;
    p = receiverEnd + AFTER_RECEIVER.length;
    let charge = 0;
    let digits = 0;
    for (let c = body[p]! - 0x30; c >= 0 && c <= 9; c = body[++p]! - 0x30) {
      if (++digits > 9 || (digits === 2 && charge === 0)) return undefined;
      charge = charge * 10 + c;
    }
    if (digits === 0 || body[p] !== 0x7d /* } */) return undefined;
    p++;
    idRanges[2 * i] = id;
    idRanges[2 * i + 1] = idEnd;
    charges[i] = charge;
    credits += charge;
  }
  if (body[p] !== 0x5d /* ] */ || body[p + 1] !== 0x7d /* } */) return undefined;
  return p + 2 === body.length ? new AcceptedReply(body, idRanges, charges, credits) : undefined;
}
