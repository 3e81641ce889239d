// The hand-written floor of bench/bulk: the same work a 1-N campaign does, with nothing else and
// the cheapest way known for each step — an async generator of typed numbers, one digit scan to
// a numeric key, de-duplication in a bitmap over the whole key space (125 MB of address space,
// only the touched pages resident), the JSON body of Send_1_N written as bytes straight from the
// keys, raw undici `dispatch` with a minimal handler, and each reply checked by counting its
// entries with a non-empty MessageId (`indexOf`, no parse, no object per entry).
import { Agent, type Dispatcher } from 'undici';

export interface FloorResult {
  readonly sent: number;
  readonly requests: number;
}

interface Account {
  readonly username: string;
  readonly password: string;
  readonly baseUrl: string;
}

/**
 * The national number minus 5·10^9 (`0 … 999 999 999`, a small integer) of a Turkish mobile
 * typed as 0…, 90…, +90 … or 5…; -1 for anything else.
 */
function keyOf(raw: string): number {
  let key = 0;
  let digits = 0;
  for (let i = 0; i < raw.length; i++) {
    const d = raw.charCodeAt(i) - 48;
    if (d >= 0 && d <= 9) {
      key = key * 10 + d;
      digits++;
    }
  }
  // 10 digits 5…, 11 digits 05… (same value), 12 digits 905…
  const national = digits === 12 ? key - 900_000_000_000 : key;
  if (digits < 10 || digits > 12 || national < 5_000_000_000 || national > 5_999_999_999) return -1;
  return national - 5_000_000_000;
}

/** `head`, `"905…"` per key separated by commas, `tail`, as bytes. */
function bodyOf(head: Buffer, keys: Int32Array, count: number, tail: Buffer): Buffer {
  const body = Buffer.allocUnsafe(head.length + count * 15 - 1 + tail.length);
  let p = head.copy(body, 0);
  for (let i = 0; i < count; i++) {
    if (i > 0) body[p++] = 0x2c;
    body[p] = 0x22;
    body[p + 1] = 0x39;
    body[p + 2] = 0x30;
    body[p + 3] = 0x35;
    let key = keys[i]!;
    for (let d = 12; d >= 4; d--) {
      const rest = (key / 10) | 0;
      body[p + d] = 0x30 + key - rest * 10;
      key = rest;
    }
    body[p + 13] = 0x22;
    p += 14;
  }
  tail.copy(body, p);
  return body;
}

const ENTRY = '{"MessageId":"';

/** The entries of a Send_1_N reply that carry a non-empty MessageId. */
function accepted(reply: string): number {
  let n = 0;
  for (let p = reply.indexOf(ENTRY); p >= 0; p = reply.indexOf(ENTRY, p + ENTRY.length)) {
    if (reply.charCodeAt(p + ENTRY.length) !== 0x22) n++;
  }
  return n;
}

function post(agent: Agent, url: URL, body: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart: () => undefined,
      onResponseStart: () => undefined,
      onResponseData: (_c, chunk: Buffer) => void chunks.push(chunk),
      onResponseEnd: () => resolve(Buffer.concat(chunks).toString('latin1')),
      onResponseError: (_c, error) => reject(error),
    };
    agent.dispatch(
      {
        origin: url.origin,
        path: '/api_json/v1/Sms/Send_1_N',
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body,
      },
      handler,
    );
  });
}

export async function runFloor(
  source: AsyncIterable<string>,
  text: string,
  account: Account,
  concurrency: number,
): Promise<FloorResult> {
  const agent = new Agent({ connections: concurrency, pipelining: 1 });
  const url = new URL(account.baseUrl);
  const tail = Buffer.from(
    `],"SendDate":null,"ExpireDate":null,"Channel":"BULK","Originator":null,"Username":${JSON.stringify(account.username)},"Password":${JSON.stringify(account.password)}}`,
  );
  const head = Buffer.from(`{"Message":${JSON.stringify(text)},"Receivers":[`);
  const seen = new Uint8Array(125_000_000); // one bit per key 0 … 999 999 999
  const inFlight = new Set<Promise<void>>();
  let sent = 0;
  let requests = 0;
  const keys = new Int32Array(800);
  let count = 0;
  const send = (): void => {
    requests++;
    const task: Promise<void> = post(agent, url, bodyOf(head, keys, count, tail))
      .then((reply) => {
        sent += accepted(reply);
      })
      .finally(() => inFlight.delete(task));
    inFlight.add(task);
  };
  for await (const raw of source) {
    const key = keyOf(raw);
    if (key < 0) continue;
    const bit = 1 << (key & 7);
    if (seen[key >>> 3]! & bit) continue;
    seen[key >>> 3]! |= bit;
    keys[count] = key;
    if (++count === 800) {
      while (inFlight.size >= concurrency) await Promise.race(inFlight);
      send();
      count = 0;
    }
  }
  if (count > 0) send();
  await Promise.all(inFlight);
  await agent.close();
  return { sent, requests };
}
