// bench/bulk — CPU µs per recipient of a 1-N campaign (async generator → BulkSmsService →
// JsonTransport) against a hand-written floor doing the same work (generator, one digit scan,
// de-duplication, body encoding, raw undici `dispatch`, reply parsing), in two modes:
//   client-bound: a minimal server process replaying the simulator's captured replies
//                 (bench/shared/replay-server.ts), so the sender is the bottleneck;
//   simulator:    the full provider simulator in a child process.
// Each side runs on a FRESH server process, warmed up first, at the same concurrency, over the
// same N recipients (nothing extrapolated). CPU is process.cpuUsage() of this process around the
// run (the server's CPU is its own process's). The `estimate` row reads the same N recipients.
// A `source` side only drains the same async generator (`for await` doing nothing), also in a
// fresh process, median of RUNS: what the user's own input costs. "In the package" is the
// campaign's CPU minus the source's, "floor pipeline" the floor's minus the source's; the
// 1.2 µs target is checked on the package figure, and the totals are printed too.
// `npm run bench:bulk`. Sizes: BULK_BENCH_N (default 1000000), BULK_BENCH_WARMUP (20000),
// BULK_BENCH_CONCURRENCY (4), BULK_BENCH_MODES (client-bound,simulator), BULK_BENCH_RUNS (3:
// each side runs that many times, alternating, on a fresh server each; the median by CPU is shown).
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { BulkSmsService } from '../../lib/bulk/bulk-sms.service.js';
import { JsonTransport } from '../../lib/transports/json.transport.js';
import type { AccountsOptions } from '../../lib/transports/wire-transport.options.js';
import { startReplayServer } from '../shared/replay-server.js';
import { runFloor } from './floor.js';

const TOTAL = Number(process.env['BULK_BENCH_N'] ?? 1_000_000);
const WARMUP = Number(process.env['BULK_BENCH_WARMUP'] ?? 20_000);
const CONCURRENCY = Number(process.env['BULK_BENCH_CONCURRENCY'] ?? 4);
const MODES = (process.env['BULK_BENCH_MODES'] ?? 'client-bound,simulator').split(',');
const RUNS = Number(process.env['BULK_BENCH_RUNS'] ?? 3);
const TEXT =
  'Değerli müşterimiz, hesap özetiniz hazırlanmıştır. Detaylar için mobil uygulamamızı ziyaret edin.';
const RSS_TARGET_MB = 200;
/** CPU µs per recipient the package may spend (campaign minus source). */
const CPU_TARGET_US = 1.2;

interface Stats {
  readonly requests: Record<string, number>;
  readonly rss: number;
  readonly cpuSeconds: number;
}

/**
 * `sequential` (the default): the i-th number is 5,300,000,000 + i, as in a list sorted by
 * number. `spread`: the i-th of a permutation of the 6·10^8 numbers of the 50x–55x mobile
 * ranges (i · 618,033,989 mod 6·10^8, a bijection), as a real list spreads over operators and
 * ranges: no two neighbours share a cache line in a de-duplicator, and the floor's bitmap
 * touches most of its 125 MB.
 */
const NUMBERS = process.env['BULK_BENCH_NUMBERS'] ?? 'sequential';

/**
 * i · 618,033,989 mod 6·10^8, exactly: the factor is split in 16-bit halves so that no product
 * passes 2^53 (a plain product does from i ≈ 14.6 M, the warm-up's i starts at 90 M, and the
 * rounded results would be multiples of 8, not a permutation).
 */
function spreadKey(i: number): number {
  const m = 600_000_000;
  const r = i % m;
  return (((r * (618_033_989 >>> 16)) % m) * 65_536 + r * (618_033_989 & 0xffff)) % m;
}

/** The i-th recipient, in one of the forms people type (all distinct numbers). */
function recipient(i: number): string {
  const national =
    NUMBERS === 'spread'
      ? `5${String(spreadKey(i)).padStart(9, '0')}`
      : `53${String(i).padStart(8, '0')}`;
  switch (i % 4) {
    case 0:
      return `0${national}`;
    case 1:
      return `+90 ${national.slice(0, 3)} ${national.slice(3, 6)} ${national.slice(6, 8)} ${national.slice(8)}`;
    case 2:
      return national;
    default:
      return `90${national}`;
  }
}

async function* recipients(count: number, from = 0): AsyncGenerator<string> {
  for (let i = from; i < from + count; i++) yield recipient(i);
}

const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const int = (n: number): string => Math.round(n).toLocaleString('en-US');
const cpuSeconds = (usage: NodeJS.CpuUsage): number => (usage.user + usage.system) / 1e6;

function ask(child: ChildProcess): Promise<Stats> {
  const reply = once(child, 'message') as Promise<[Stats]>;
  child.send({ type: 'stats' });
  return reply.then(([stats]) => stats);
}

interface Server {
  readonly accounts: AccountsOptions;
  /** CPU seconds of the server process so far (simulator mode only; -1 for the replay server). */
  cpu(): Promise<number>;
  stop(): Promise<void>;
}

async function server(mode: string): Promise<Server> {
  if (mode === 'client-bound') {
    const replay = await startReplayServer({ credit: 1_000_000_000 });
    return { accounts: replay.accounts, cpu: async () => -1, stop: () => replay.stop() };
  }
  const child = fork(fileURLToPath(new URL('./simulator.child.js', import.meta.url)), [], {
    execArgv: ['--max-old-space-size=8192'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const [ready] = (await once(child, 'message')) as [{ accounts: AccountsOptions }];
  return {
    accounts: ready.accounts,
    cpu: () => ask(child).then((stats) => stats.cpuSeconds),
    stop: async () => {
      child.send({ type: 'stop' });
      await once(child, 'exit');
    },
  };
}

/** Runs `work`, returning its CPU seconds, wall seconds and peak RSS (sampled every 25 ms). */
async function measured<T>(
  work: () => Promise<T>,
): Promise<{ value: T; cpu: number; wall: number; peakRss: number }> {
  if (global.gc) global.gc();
  let peak = process.memoryUsage.rss();
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 25);
  const cpuBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  const value = await work();
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = cpuSeconds(process.cpuUsage(cpuBefore));
  clearInterval(sampler);
  return { value, cpu, wall, peakRss: Math.max(peak, process.memoryUsage.rss()) };
}

const us = (seconds: number): string => ((seconds / TOTAL) * 1e6).toFixed(2);

async function campaignSide(mode: string) {
  const srv = await server(mode);
  const accounts = srv.accounts;
  const transport = new JsonTransport({ accounts, connections: CONCURRENCY });
  const bulk = new BulkSmsService(transport, { bulk: { concurrency: CONCURRENCY } });
  // Warm-up: numbers outside the measured range (the server captures its replies here too).
  await bulk.send({ to: recipients(WARMUP, 90_000_000), text: TEXT, kind: 'informational' }).done;
  const serverBefore = await srv.cpu();
  const run = await measured(
    () => bulk.send({ to: recipients(TOTAL), text: TEXT, kind: 'informational' }).done,
  );
  const serverAfter = await srv.cpu();
  await bulk.onApplicationShutdown();
  await transport.close();
  await srv.stop();
  return { run, serverCpu: serverBefore < 0 ? -1 : serverAfter - serverBefore };
}

async function estimateSide(mode: string) {
  const srv = await server(mode);
  const transport = new JsonTransport({ accounts: srv.accounts, connections: CONCURRENCY });
  const bulk = new BulkSmsService(transport, { bulk: { concurrency: CONCURRENCY } });
  await bulk.estimate({ to: recipients(WARMUP, 90_000_000), text: TEXT, kind: 'informational' });
  const run = await measured(() =>
    bulk.estimate({ to: recipients(TOTAL), text: TEXT, kind: 'informational' }),
  );
  await transport.close();
  await srv.stop();
  return { run };
}

/** Only drains the generator the other sides read: the user's own input, no package code. */
async function sourceSide() {
  let warm = 0;
  for await (const raw of recipients(WARMUP, 90_000_000)) warm += raw.length;
  const run = await measured(async () => {
    let read = 0;
    for await (const _raw of recipients(TOTAL)) read++;
    return { read, warm };
  });
  return { run };
}

async function floorSide(mode: string) {
  const srv = await server(mode);
  const account = srv.accounts.bulk as { username: string; password: string; baseUrl: string };
  await runFloor(recipients(WARMUP, 90_000_000), TEXT, account, CONCURRENCY);
  const serverBefore = await srv.cpu();
  const run = await measured(() => runFloor(recipients(TOTAL), TEXT, account, CONCURRENCY));
  const serverAfter = await srv.cpu();
  await srv.stop();
  return { run, serverCpu: serverBefore < 0 ? -1 : serverAfter - serverBefore };
}

/** The run with the median CPU time. */
function median<T extends { run: { cpu: number } }>(runs: T[]): T {
  return [...runs].sort((a, b) => a.run.cpu - b.run.cpu)[Math.floor(runs.length / 2)]!;
}

/**
 * Runs one side in a fresh process (`--expose-gc`), so that its peak RSS is its own and not
 * what an earlier side left in the heap.
 */
async function inChild<T>(side: string, mode: string): Promise<T> {
  const child = fork(fileURLToPath(import.meta.url), ['--side', side, mode], {
    execArgv: ['--expose-gc'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const [result] = (await once(child, 'message')) as [T];
  await once(child, 'exit');
  return result;
}

async function side(name: string, mode: string): Promise<void> {
  const sides: Record<string, (mode: string) => Promise<unknown>> = {
    campaign: campaignSide,
    floor: floorSide,
    estimate: estimateSide,
    source: sourceSide,
  };
  const result = await sides[name]!(mode);
  // Run by hand (e.g. under `node --cpu-prof … --side campaign client-bound`): print it.
  if (!process.send)
    console.log(JSON.stringify(result, (k, v) => (k === 'recipients' ? undefined : v)));
  else process.send(result, () => process.exit(0));
}

async function main(): Promise<void> {
  console.log(
    `bench/bulk: ${int(TOTAL)}-recipient 1-N campaign over JsonTransport (${NUMBERS} numbers), concurrency ${CONCURRENCY}, warm-up ${int(WARMUP)}; fresh process and server per side`,
  );
  let failed = false;
  for (const mode of MODES) {
    const campaigns: Array<Awaited<ReturnType<typeof campaignSide>>> = [];
    const floors: Array<Awaited<ReturnType<typeof floorSide>>> = [];
    const sources: Array<Awaited<ReturnType<typeof sourceSide>>> = [];
    for (let run = 0; run < RUNS; run++) {
      campaigns.push(await inChild<Awaited<ReturnType<typeof campaignSide>>>('campaign', mode));
      floors.push(await inChild<Awaited<ReturnType<typeof floorSide>>>('floor', mode));
      sources.push(await inChild<Awaited<ReturnType<typeof sourceSide>>>('source', mode));
    }
    const estimate = await inChild<Awaited<ReturnType<typeof estimateSide>>>('estimate', mode);
    const campaign = median(campaigns);
    const floor = median(floors);
    const source = median(sources);
    const report = campaign.run.value;
    const expectedRequests = Math.ceil(TOTAL / 800);
    const rssOk = campaign.run.peakRss <= RSS_TARGET_MB * 1024 * 1024;
    const ok =
      report.sent === TOTAL &&
      report.requests === expectedRequests &&
      floor.run.value.sent === TOTAL &&
      floor.run.value.requests === expectedRequests &&
      source.run.value.read === TOTAL;
    const inPackage = campaign.run.cpu - source.run.cpu;
    const floorPipeline = floor.run.cpu - source.run.cpu;
    // The target is the client-bound figure (the sender is the bottleneck); simulator mode shows it.
    const targeted = mode === 'client-bound';
    const cpuOk = !targeted || (inPackage / TOTAL) * 1e6 <= CPU_TARGET_US;
    failed ||= !ok || !rssOk || !cpuOk;
    console.log(`\n[${mode}] median of ${RUNS} by CPU`);
    console.log(
      `  CPU µs/recipient   in the package ${us(inPackage)} ${targeted ? `(target ≤ ${CPU_TARGET_US.toFixed(2)} µs) ${cpuOk ? 'OK' : 'MISSED'}` : '(the target is client-bound)'}   floor pipeline ${us(floorPipeline)}   (package/floor ${(inPackage / floorPipeline).toFixed(2)}×)`,
    );
    console.log(
      `  CPU totals         campaign ${us(campaign.run.cpu)}   floor ${us(floor.run.cpu)}   source only ${us(source.run.cpu)}   (campaign/floor ${(campaign.run.cpu / floor.run.cpu).toFixed(2)}×)`,
    );
    console.log(
      `  wall time          package ${campaign.run.wall.toFixed(2)} s   floor ${floor.run.wall.toFixed(2)} s   ${campaign.serverCpu < 0 ? '' : `(simulator CPU ${campaign.serverCpu.toFixed(1)} s / ${floor.serverCpu.toFixed(1)} s)`}`,
    );
    console.log(
      `  peak RSS           package ${mb(campaign.run.peakRss)} (target ≤ ${RSS_TARGET_MB} MB) ${rssOk ? 'OK' : 'MISSED'}   floor ${mb(floor.run.peakRss)}`,
    );
    console.log(
      `  sent / requests    package ${int(report.sent)} / ${int(report.requests)}   floor ${int(floor.run.value.sent)} / ${int(floor.run.value.requests)}   (expected ${int(TOTAL)} / ${int(expectedRequests)}) ${ok ? 'OK' : 'MISSED'}`,
    );
    const e = estimate.run;
    const estimateOk =
      e.value.read === TOTAL &&
      e.value.sendable === report.sent &&
      e.value.requests === report.requests;
    failed ||= !estimateOk;
    console.log(
      `  estimate           ${us(e.cpu)} µs CPU/recipient, wall ${e.wall.toFixed(2)} s (${((e.wall / TOTAL) * 1e6).toFixed(2)} µs/recipient), peak RSS ${mb(e.peakRss)}; ${int(e.value.read)} read, ${int(e.value.requests)} requests — ${estimateOk ? 'equal to the report' : 'DIFFERENT from the report'}`,
    );
  }
  if (failed) process.exitCode = 1;
}

if (process.argv[2] === '--side') await side(process.argv[3]!, process.argv[4]!);
else await main();
