/**
 * A reply of the HTTP API (`/api_http/*.asp`): `key=value` pairs joined by `&`, like a query
 * string, e.g. `errno=0&errtext=&message_id=C1_…&message_id=C1_…&charge=2`. Keys may repeat
 * (`message_id` once per recipient of `sendbulksms.asp`). Values are taken as written (the
 * provider does not percent-encode them).
 */
export interface HttpReply {
  /** First value of a key, `undefined` when absent. */
  get(key: string): string | undefined;
  /** Every value of a key, in order. */
  all(key: string): string[];
  /**
   * The reply cut into blocks, each starting at an `errno` key. One block for the usual
   * layout; one block per recipient when a `sendbulksms.asp` reply repeats
   * `errno/errtext/message_id/charge` per recipient (reference §12: both layouts must be read).
   */
  blocks(): HttpReply[];
}

const KEY = /^[a-z_]+$/i;

/** Parses a reply; `undefined` when the text is not `key=value(&key=value)*` starting with `errno`. */
export function parseHttpReply(text: string): HttpReply | undefined {
  const trimmed = text.trim();
  if (!trimmed.startsWith('errno=')) return undefined;
  const pairs: [string, string][] = [];
  for (const pair of trimmed.split('&')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) {
      // Not a pair: an `&` inside the error text. Keep it with the previous value.
      const last = pairs[pairs.length - 1];
      if (last === undefined) return undefined;
      last[1] += `&${pair}`;
      continue;
    }
    const key = pair.slice(0, eq);
    if (!KEY.test(key)) return undefined;
    pairs.push([key, pair.slice(eq + 1)]);
  }
  return replyOf(pairs);
}

function replyOf(pairs: readonly (readonly [string, string])[]): HttpReply {
  const values = new Map<string, string[]>();
  for (const [key, value] of pairs) {
    const list = values.get(key);
    if (list) list.push(value);
    else values.set(key, [value]);
  }
  const reply: HttpReply = {
    get: (key) => values.get(key)?.[0],
    all: (key) => values.get(key) ?? [],
    blocks: () => {
      const blocks: (readonly [string, string])[][] = [];
      for (const pair of pairs) {
        if (pair[0] === 'errno' || blocks.length === 0) blocks.push([pair]);
        else blocks[blocks.length - 1]!.push(pair);
      }
      return blocks.length <= 1 ? [reply] : blocks.map(replyOf);
    },
  };
  return reply;
}
