// The hand-written floor of bench/bulk: the same work a 1-N campaign does, with nothing else —
// an async generator of typed numbers, one digit scan to a numeric key, de-duplication on that
// key, the JSON body of Send_1_N built by string concatenation, raw undici `dispatch` with a
// minimal handler, and `JSON.parse` of each reply (every entry must carry a MessageId).
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

function post(agent: Agent, url: URL, body: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart: () => undefined,
      onResponseStart: () => undefined,
      onResponseData: (_c, chunk: Buffer) => void chunks.push(chunk),
      onResponseEnd: () => resolve(Buffer.concat(chunks).toString('utf8')),
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
  const tail = `],"SendDate":null,"ExpireDate":null,"Channel":"BULK","Originator":null,"Username":${JSON.stringify(account.username)},"Password":${JSON.stringify(account.password)}}`;
  const head = `{"Message":${JSON.stringify(text)},"Receivers":[`;
  const seen = new Set<number>();
  const inFlight = new Set<Promise<void>>();
  let sent = 0;
  let requests = 0;
  let body = '';
  let count = 0;
  const send = (receivers: string): void => {
    requests++;
    const task: Promise<void> = post(agent, url, head + receivers + tail)
      .then((reply) => {
        const result = (JSON.parse(reply) as { Result: Array<{ MessageId?: string }> }).Result;
        for (const entry of result) if (entry.MessageId) sent++;
      })
      .finally(() => inFlight.delete(task));
    inFlight.add(task);
  };
  for await (const raw of source) {
    const key = keyOf(raw);
    if (key < 0 || seen.has(key)) continue;
    seen.add(key);
    const digits = String(1_000_000_000 + key);
    body += count === 0 ? '"905' + digits.substring(1) + '"' : ',"905' + digits.substring(1) + '"';
    if (++count === 800) {
      while (inFlight.size >= concurrency) await Promise.race(inFlight);
      send(body);
      body = '';
      count = 0;
    }
  }
  if (count > 0) send(body);
  await Promise.all(inFlight);
  await agent.close();
  return { sent, requests };
}
