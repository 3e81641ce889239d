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
}

/** Parses a reply; `undefined` when the text is not `key=value(&key=value)*` starting with `errno`. */
export function parseHttpReply(text: string): HttpReply | undefined {
  const trimmed = text.trim();
  if (!trimmed.startsWith('errno=')) return undefined;
  const values = new Map<string, string[]>();
  for (const pair of trimmed.split('&')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) {
      // Not a pair: an `&` inside the error text. Keep it with the previous value.
      const last = [...values.values()].pop();
      if (last === undefined) return undefined;
      last[last.length - 1] += `&${pair}`;
      continue;
    }
    const key = pair.slice(0, eq);
    if (!/^[a-z_]+$/i.test(key)) return undefined;
    const list = values.get(key);
    if (list) list.push(pair.slice(eq + 1));
    else values.set(key, [pair.slice(eq + 1)]);
  }
  return {
    get: (key) => values.get(key)?.[0],
    all: (key) => values.get(key) ?? [],
  };
}
