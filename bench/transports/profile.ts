// bench/transports — one transport alone against the replay server, for `node --cpu-prof`:
//
//   tsc -p bench/tsconfig.json && node --cpu-prof --cpu-prof-dir=/tmp/prof \
//     dist-bench/bench/transports/profile.js json 30000
//
// Prints CPU µs per message; the profile shows where they go.
import { startReplayServer } from '../shared/replay-server.js';
import { type Api, dispatchSide, TRANSPORTS, transportSide } from './sides.js';

const api = (process.argv[2] ?? 'json') as Api | 'dispatch';
const n = Number(process.argv[3] ?? 30_000);
const concurrency = 64;
const replay = await startReplayServer();
const options = { accounts: replay.accounts, connections: concurrency };
const side =
  api === 'dispatch'
    ? dispatchSide('json', options, n * 2, concurrency)
    : transportSide(api in TRANSPORTS ? api : 'json', options);
const run = async (from: number, count: number): Promise<number> => {
  let next = from;
  const cpu = process.cpuUsage();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < from + count) await side.op(next++);
    }),
  );
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / count;
};
await run(0, Math.min(5_000, n));
console.log(`${api}: ${(await run(n, n)).toFixed(1)} µs CPU per message`);
await side.close();
await replay.stop();
