// bench/transports — this checkout's transports against another build's, in the same run: the
// floor, the other build's transport and this one's, in alternating slices (as run.ts), so a
// before/after holds on a shared machine.
//
//   git worktree add /tmp/before <commit> && (cd /tmp/before && npm ci && npx tsc -p bench/tsconfig.json)
//   tsc -p bench/tsconfig.json && node dist-bench/bench/transports/versus.js /tmp/before xml soap
//
// The other build is loaded from `<dir>/dist-bench/lib/transports/<api>.transport.js`; both
// transports send through this checkout's harness (same requests, same acceptance check).
// Sizes: BENCH_N (default 10000), BENCH_ROUNDS (5), BENCH_CONCURRENCY (64), BENCH_WARMUP
// (2000), BENCH_SLICES (16).
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { SendRequest, SendResult } from '../../lib/transports/sms-transport.types.js';
import { startReplayServer } from '../shared/replay-server.js';
import {
  compare,
  HEADER,
  medianRatios,
  medianResult,
  printTable,
  row,
  Side,
  type Sizes,
} from './harness.js';
import { type Api, dispatchSide, recipient, TEXT, TRANSPORTS } from './sides.js';

const [other, ...apis] = process.argv.slice(2);
if (other === undefined)
  throw new Error('usage: versus.js <other checkout> [http|xml|soap|json …]');
const SIZES: Sizes = {
  n: Number(process.env['BENCH_N'] ?? 10_000),
  rounds: Number(process.env['BENCH_ROUNDS'] ?? 5),
  concurrency: Number(process.env['BENCH_CONCURRENCY'] ?? 64),
  warmup: Number(process.env['BENCH_WARMUP'] ?? 2_000),
  slices: Number(process.env['BENCH_SLICES'] ?? 16),
};
const CLASSES: Record<Api, string> = {
  http: 'HttpTransport',
  xml: 'XmlTransport',
  soap: 'SoapTransport',
  json: 'JsonTransport',
};

interface AnyTransport {
  send(request: SendRequest): Promise<SendResult>;
  close(): Promise<void>;
}

const replay = await startReplayServer();
const options = { accounts: replay.accounts, timeoutMs: 10_000, connections: SIZES.concurrency };
const total = SIZES.warmup + SIZES.n * SIZES.rounds;
const numbers = Array.from({ length: total }, (_, i) => recipient(2, i));
const server = {
  label: 'replay',
  counters: () => replay.stats(),
  reset: () => Promise.resolve(),
};

function side(label: string, transport: AnyTransport): Side {
  return new Side(
    label,
    (i) => transport.send({ channel: 'otp', to: [numbers[i]!], text: TEXT }),
    () => transport.close(),
    undefined,
    (result) => (result as SendResult).recipients[0]!.status === 'accepted',
  );
}

for (const api of (apis.length > 0 ? apis : Object.keys(TRANSPORTS)) as Api[]) {
  const url = pathToFileURL(resolve(other, `dist-bench/lib/transports/${api}.transport.js`)).href;
  const module = (await import(url)) as Record<string, new (o: typeof options) => AnyTransport>;
  const results = await compare(
    server,
    [
      dispatchSide(api, options, total, SIZES.concurrency),
      side(`${api} transport (${other})`, new module[CLASSES[api]]!(options)),
      side(`${api} transport (this checkout)`, new TRANSPORTS[api](options)),
    ],
    SIZES,
  );
  printTable(
    HEADER,
    results.map((rounds) => row(medianResult(rounds), medianRatios(rounds, results[0]!))),
  );
}
await replay.stop();
