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
const BACKSLASH = 0x5c;
const COMMA = 0x2c;

/** `head` (`{"Message":…,"Receivers":[`), `"905…"` per key separated by commas, `tail` (`],…}`). */
export function keyedSendBody(head: Buffer, keys: readonly number[], tail: Buffer): Buffer {
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
    let key = keys[i]!;
    for (let d = 12; d >= 4; d--) {
      body[p + d] = 0x30 + (key % 10);
      key = Math.floor(key / 10);
    }
    body[p + 13] = QUOTE;
    p += 14;
  }
  tail.copy(body, p);
  return body;
}

const PREFIX = Buffer.from('{"StatusCode":200,"StatusDescription":"', 'latin1');
const RESULT = Buffer.from(',"Result":[', 'latin1');
const ENTRY_ID = Buffer.from('{"MessageId":"', 'latin1');
const ENTRY_RECEIVER = Buffer.from(',"Receiver":"', 'latin1');
const ENTRY_CHARGE = Buffer.from(',"Charge":', 'latin1');

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
  let p = expect(body, 0, PREFIX);
  if (p < 0) return undefined;
  // StatusDescription: any text without a quote, a backslash or a control character.
  for (;;) {
    if (p >= body.length) return undefined;
    const c = body[p]!;
    if (c === QUOTE) break;
    if (c === BACKSLASH || c < 0x20 || c === 0x7f) return undefined;
    p++;
  }
  p = expect(body, p + 1, RESULT);
  if (p < 0 || count === 0) return undefined;
  const idRanges = new Int32Array(2 * count);
  const charges = new Float64Array(count);
  let credits = 0;
  for (let i = 0; i < count; i++) {
    if (i > 0) {
      if (body[p] !== COMMA) return undefined;
      p++;
    }
    p = expect(body, p, ENTRY_ID);
    if (p < 0) return undefined;
    const idEnd = plainString(body, p);
    if (idEnd <= p) return undefined; // no id, or an empty one: a rejection (read the usual way)
    idRanges[2 * i] = p;
    idRanges[2 * i + 1] = idEnd;
    p = expect(body, idEnd + 1, ENTRY_RECEIVER);
    if (p < 0) return undefined;
    const receiverEnd = plainString(body, p);
    if (receiverEnd < 0) return undefined;
    p = expect(body, receiverEnd + 1, ENTRY_CHARGE);
    if (p < 0) return undefined;
    // A non-negative integer without leading zeros (at most 9 digits).
    const start = p;
    let charge = 0;
    while (p < body.length && body[p]! >= 0x30 && body[p]! <= 0x39 && p - start < 10) {
      charge = charge * 10 + (body[p]! - 0x30);
      p++;
    }
    const digits = p - start;
    if (digits === 0 || digits > 9 || (digits > 1 && body[start] === 0x30)) return undefined;
    if (body[p] !== 0x7d /* } */) return undefined;
    p++;
    charges[i] = charge;
    credits += charge;
  }
  if (body[p] !== 0x5d /* ] */ || body[p + 1] !== 0x7d /* } */ || p + 2 !== body.length)
    return undefined;
  return new AcceptedReply(body, idRanges, charges, credits);
}

/** Position after `literal` at `at` in `body`, or -1. */
function expect(body: Buffer, at: number, literal: Buffer): number {
  if (at < 0 || at + literal.length > body.length) return -1;
  for (let i = 0; i < literal.length; i++) if (body[at + i] !== literal[i]) return -1;
  return at + literal.length;
}

/** End (the closing quote) of a string of printable ASCII without escapes from `at`, or -1. */
function plainString(body: Buffer, at: number): number {
  for (let p = at; p < body.length; p++) {
    const c = body[p]!;
    if (c === QUOTE) return p;
    if (c < 0x20 || c > 0x7e || c === BACKSLASH) return -1;
  }
  return -1;
}
