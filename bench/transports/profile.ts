// bench/transports — one side alone against the replay server, for a CPU profile:
//
//   tsc -p bench/tsconfig.json && node dist-bench/bench/transports/profile.js xml 30000 /tmp/xml.cpuprofile
//   node dist-bench/bench/transports/profile.js dispatch:xml 30000 /tmp/floor.cpuprofile
//
// The side is a transport (`http`, `xml`, `soap`, `json`) or the floor with that transport's
// bodies (`dispatch:<api>`; `dispatch` alone = JSON bodies). Prints CPU µs per message of the
// measured run; with a third argument, writes a V8 CPU profile of that run only (not the
// warm-up nor the floor's prebuilt bodies) — open it in Chrome DevTools or read its self
// times. (`node --cpu-prof` works too, but profiles the whole process, setup included.)
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { startReplayServer } from '../shared/replay-server.js';
import { type Api, dispatchSide, TRANSPORTS, transportSide } from './sides.js';

const [sideName = 'json', count = '30000', profileOut] = process.argv.slice(2);
const n = Number(count);
const concurrency = 64;
const [kind, bodies] = sideName.split(':') as [string, string | undefined];
const apiOf = (name: string | undefined): Api =>
  name !== undefined && name in TRANSPORTS ? (name as Api) : 'json';
const replay = await startReplayServer();
const options = { accounts: replay.accounts, connections: concurrency };
const side =
  kind === 'dispatch'
    ? dispatchSide(apiOf(bodies), options, n * 2, concurrency)
    : transportSide(apiOf(kind), options, undefined, undefined, n * 2);
const run = async (from: number, size: number): Promise<number> => {
  let next = from;
  const cpu = process.cpuUsage();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < from + size) await side.op(next++);
    }),
  );
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / size;
};
await run(0, Math.min(5_000, n));
let session: Session | undefined;
if (profileOut !== undefined) {
  session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.start');
}
const perMessage = await run(n, n);
if (session !== undefined) {
  const { profile } = await session.post('Profiler.stop');
  await writeFile(profileOut!, JSON.stringify(profile));
  session.disconnect();
}
console.log(`${sideName}: ${perMessage.toFixed(1)} µs CPU per message`);
await side.close();
await replay.stop();
