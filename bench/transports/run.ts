// bench/transports — single-recipient OTP sends through each wire transport against the floor,
// raw undici `dispatch`, in the same run; CPU per message first.
//
//   npm run bench:transports
//
// Two server modes, each in a child process (its own event loop, so its CPU is never the
// client's):
// - client-bound: the replay server of bench/shared (raw keep-alive sockets answering with the
//   simulator's captured replies) — the server does almost nothing, so the client is the
//   bottleneck and the ratios show what the transport costs;
// - simulator: the full provider simulator (it parses, validates and stores every message), as
//   before — closer to an end-to-end figure, but the server dominates.
//
// Per transport, in the same run: the floor — undici `Agent.dispatch` with the same agent
// settings as the transports' client, the same headers and byte-identical bodies (built by the
// transport's own encoder before the clock starts), collecting each reply — and the transport
// itself (validation, encoding, its keep-alive client, reply parsing, typed result). Each of 3
// rounds sends N messages per side in slices whose order alternates (b t t b …), so a load
// change on a shared machine hits both alike; each figure is the median of the rounds, each ratio
// the median of the per-round ratios. CPU µs/msg is this (client) process's user+system time.
//
// Then, on the JSON transport, the HTTP clients: the default undici client, the default client
// through a real forward proxy (CONNECT tunnels; the `proxy` package in the server's child
// process), an axios instance (`httpClient`, keep-alive agent with the same socket limit), and the
// default client with the OpenTelemetry SDK registered (metrics + a span per request, registered
// only during that side's slices). Same slicing, rotating order.
//
// BENCH_MODE=client-bound|simulator|both (default both); BENCH_CLIENTS=0 skips the client rows,
// BENCH_CLIENTS_ONLY=1 runs only them. Sizes: BENCH_N (default 20000 messages per side per
// round), BENCH_ROUNDS (3), BENCH_CONCURRENCY (64), BENCH_WARMUP (2000), BENCH_SLICES (16).
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { Agent as HttpAgent } from 'node:http';
import { fileURLToPath } from 'node:url';
import axios from 'axios';
import type { WireTransportOptions } from '../../lib/transports/wire-transport.options.js';
import { startReplayServer } from '../shared/replay-server.js';
import {
  type BenchServer,
  compare,
  HEADER,
  medianRatios,
  medianResult,
  printTable,
  row,
  type Sizes,
} from './harness.js';
import { type Api, dispatchSide, openTelemetrySdk, TRANSPORTS, transportSide } from './sides.js';
import type { SimulatorCommand, SimulatorStats } from './simulator.child.js';

const SIZES: Sizes = {
  n: Number(process.env['BENCH_N'] ?? 20_000),
  rounds: Number(process.env['BENCH_ROUNDS'] ?? 3),
  concurrency: Number(process.env['BENCH_CONCURRENCY'] ?? 64),
  warmup: Number(process.env['BENCH_WARMUP'] ?? 2_000),
  slices: Number(process.env['BENCH_SLICES'] ?? 16),
};
/** Issue 10: each wire transport ≥ 0.85× of dispatch msg/s in the client-bound mode. */
const TARGET_RATIO = 0.85;
const MODE = process.env['BENCH_MODE'] ?? 'both';
const CLIENTS_ONLY = process.env['BENCH_CLIENTS_ONLY'] === '1';
const CLIENTS = process.env['BENCH_CLIENTS'] !== '0';

interface Mode {
  readonly server: BenchServer;
  readonly options: WireTransportOptions;
  readonly proxyUrl: string;
  stop(): Promise<void>;
}

async function clientBound(): Promise<Mode> {
  const replay = await startReplayServer({ proxy: true });
  return {
    server: {
      label: `client-bound (replay server, child ${replay.pid})`,
      counters: () => replay.stats(),
      reset: () => Promise.resolve(),
    },
    options: { accounts: replay.accounts, timeoutMs: 10_000, connections: SIZES.concurrency },
    proxyUrl: replay.proxyUrl!,
    stop: () => replay.stop(),
  };
}

async function simulator(): Promise<Mode> {
  const child = fork(fileURLToPath(new URL('./simulator.child.js', import.meta.url)), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const [ready] = (await once(child, 'message')) as [
    { accounts: WireTransportOptions['accounts']; proxyUrl: string },
  ];
  const ask = async <T>(command: SimulatorCommand): Promise<T> => {
    const reply = once(child, 'message') as Promise<[T]>;
    child.send(command);
    return (await reply)[0];
  };
  return {
    server: {
      label: `simulator (child ${child.pid})`,
      counters: () => ask<SimulatorStats>({ type: 'stats' }),
      reset: () => ask<unknown>({ type: 'reset' }).then(() => undefined),
    },
    options: { accounts: ready.accounts, timeoutMs: 10_000, connections: SIZES.concurrency },
    proxyUrl: ready.proxyUrl,
    async stop() {
      const exited = once(child, 'exit');
      child.send({ type: 'stop' } satisfies SimulatorCommand);
      await exited;
    },
  };
}

const verdicts: string[] = [];

async function transports(mode: Mode, clientBoundMode: boolean): Promise<void> {
  const lines: string[][] = [];
  for (const api of Object.keys(TRANSPORTS) as Api[]) {
    const total = SIZES.warmup + SIZES.n * SIZES.rounds;
    const [floor, transport] = await compare(
      mode.server,
      [
        dispatchSide(api, mode.options, total, SIZES.concurrency),
        transportSide(api, mode.options, undefined, undefined, total),
      ],
      SIZES,
    );
    const ratios = medianRatios(transport!, floor!);
    lines.push(row(medianResult(floor!), { throughput: 1, cpu: 1 }));
    const result = medianResult(transport!);
    lines.push(row(result, ratios));
    if (clientBoundMode) {
      const ok =
        ratios.throughput >= TARGET_RATIO &&
        result.connections <= SIZES.concurrency &&
        result.failures === 0;
      verdicts.push(
        `${api}: ${ratios.throughput.toFixed(2)}× of dispatch msg/s (target ≥ ${TARGET_RATIO}), ` +
          `${result.cpuPerMessage.toFixed(1)} µs CPU/msg, ${result.connections} connections (≤ ${SIZES.concurrency}) → ${ok ? 'OK' : 'MISSED'}`,
      );
    }
  }
  console.log(`\n${mode.server.label}: transports vs undici dispatch`);
  printTable(HEADER, lines);
}

async function clients(mode: Mode): Promise<void> {
  const total = SIZES.warmup + SIZES.n * SIZES.rounds;
  const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: SIZES.concurrency });
  const results = await compare(
    mode.server,
    [
      transportSide('json', mode.options, 'json: default client (undici)', undefined, total),
      transportSide(
        'json',
        { ...mode.options, proxy: mode.proxyUrl },
        'json: default client via forward proxy',
        undefined,
        total,
      ),
      transportSide(
        'json',
        { ...mode.options, httpClient: axios.create({ httpAgent }) },
        'json: axios client (httpClient)',
        undefined,
        total,
      ),
      transportSide(
        'json',
        mode.options,
        'json: default client, OpenTelemetry SDK on',
        openTelemetrySdk(),
        total,
      ),
    ],
    SIZES,
  );
  httpAgent.destroy();
  const base = results[0]!;
  console.log(
    `\n${mode.server.label}: HTTP clients (JSON transport, ${SIZES.concurrency} connections max)`,
  );
  printTable(
    HEADER,
    results.map((rounds) => row(medianResult(rounds), medianRatios(rounds, base))),
  );
}

async function main(): Promise<void> {
  console.log(
    `bench/transports: ${SIZES.n.toLocaleString('en-US')} single-recipient OTP messages per side per round, ` +
      `median of ${SIZES.rounds} rounds, concurrency ${SIZES.concurrency}, ${SIZES.slices} alternating slices per round, Node ${process.version}`,
  );
  const modes: [string, () => Promise<Mode>][] = [];
  if (MODE !== 'simulator') modes.push(['client-bound', clientBound]);
  if (MODE !== 'client-bound') modes.push(['simulator', simulator]);
  for (const [name, start] of modes) {
    const mode = await start();
    try {
      if (!CLIENTS_ONLY) await transports(mode, name === 'client-bound');
      if (CLIENTS || CLIENTS_ONLY) await clients(mode);
    } finally {
      await mode.stop();
    }
  }
  if (verdicts.length > 0) console.log(`\nclient-bound verdicts:\n${verdicts.join('\n')}`);
}

await main();
