// bench/transports — single-recipient OTP sends through each wire transport, against a raw
// keep-alive undici client sending the very same request bodies, in the same run.
//
//   npm run bench:transports
//
// The simulator runs in a child process (its own event loop and CPU), so client and server do
// not share a thread. For each transport: warm-up, then the baseline (prebuilt bodies from the
// transport's own encoder, posted with undici's Agent.request and the reply read whole), then
// the transport itself (validation, encoding, keep-alive client, reply parsing, typed result).
// Each run has its own client, so the simulator's connection count per run is the number of
// TCP connections that client opened.
//
// Sizes: BENCH_N (default 20000 messages per run), BENCH_CONCURRENCY (64), BENCH_WARMUP (2000),
// BENCH_ROUNDS (1; with more, baseline and transport runs alternate and the best of each is kept).
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { Agent } from 'undici';
import { HttpTransport } from '../../lib/transports/http.transport.js';
import { JsonTransport } from '../../lib/transports/json.transport.js';
import { SoapTransport } from '../../lib/transports/soap.transport.js';
import type { AccountsOptions, WireTransportOptions } from '../../lib/transports/wire-transport.options.js';
import { planSend } from '../../lib/transports/wire/send-plan.js';
import type { WireRequest } from '../../lib/transports/wire/wire-client.js';
import { XmlTransport } from '../../lib/transports/xml.transport.js';
import type { SimulatorCommand, SimulatorStats } from './simulator.child.js';

const N = Number(process.env['BENCH_N'] ?? 20_000);
const CONCURRENCY = Number(process.env['BENCH_CONCURRENCY'] ?? 64);
const WARMUP = Number(process.env['BENCH_WARMUP'] ?? 2_000);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 1);
const TEXT = 'Doğrulama kodunuz: 482913. Bu kodu kimseyle paylaşmayın.';
const TARGET_RATIO = 0.7;

/** The exact wire request a transport would send for one OTP message (its own encoder). */
function otpPlan(to: string) {
  return planSend({ channel: 'otp', to: [to], text: TEXT }, undefined);
}
class HttpProbe extends HttpTransport {
  wireFor(to: string): WireRequest {
    return this.prepareSend(this.accountFor('otp'), otpPlan(to)).requests[0]!.wire;
  }
}
class XmlProbe extends XmlTransport {
  wireFor(to: string): WireRequest {
    return this.prepareSend(this.accountFor('otp'), otpPlan(to)).requests[0]!.wire;
  }
}
class SoapProbe extends SoapTransport {
  wireFor(to: string): WireRequest {
    return this.prepareSend(this.accountFor('otp'), otpPlan(to)).requests[0]!.wire;
  }
}
class JsonProbe extends JsonTransport {
  wireFor(to: string): WireRequest {
    return this.prepareSend(this.accountFor('otp'), otpPlan(to)).requests[0]!.wire;
  }
}

const TRANSPORTS = { http: HttpProbe, xml: XmlProbe, soap: SoapProbe, json: JsonProbe };
type Api = keyof typeof TRANSPORTS;

interface RunResult {
  readonly label: string;
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly connections: number;
  readonly failures: number;
  /** CPU time of this (client) process per message, µs. */
  readonly cpuPerMessage: number;
}

/** Distinct OTP recipients for a run. */
function recipient(run: number, i: number): string {
  return `905${String(run % 10)}${String(i).padStart(8, '0')}`;
}

let runNumber = 0;

async function main(): Promise<void> {
  const child = fork(fileURLToPath(new URL('./simulator.child.js', import.meta.url)), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const [ready] = (await once(child, 'message')) as [{ accounts: AccountsOptions }];
  const options: WireTransportOptions = { accounts: ready.accounts, timeoutMs: 10_000, connections: CONCURRENCY };
  console.log(
    `bench/transports: ${N.toLocaleString('en-US')} single-recipient OTP messages per run, concurrency ${CONCURRENCY}, ` +
      `${ROUNDS} round(s), simulator in child process ${child.pid}, Node ${process.version}\n`,
  );

  const rows: { api: Api; baseline: RunResult; transport: RunResult }[] = [];
  for (const api of Object.keys(TRANSPORTS) as Api[]) {
    // Warm both paths up (JIT, sockets) without counting.
    await runBaseline(child, api, options, WARMUP);
    await runTransport(child, api, options, WARMUP);
    let baseline: RunResult | undefined;
    let transport: RunResult | undefined;
    for (let round = 0; round < ROUNDS; round++) {
      const b = await runBaseline(child, api, options, N);
      const t = await runTransport(child, api, options, N);
      if (!baseline || b.perSecond > baseline.perSecond) baseline = b;
      if (!transport || t.perSecond > transport.perSecond) transport = t;
    }
    rows.push({ api, baseline: baseline!, transport: transport! });
  }

  const header = ['run', 'msg/s', 'ratio', 'p50 ms', 'p99 ms', 'TCP conns', 'failures', 'client CPU µs/msg'];
  const lines: string[][] = [];
  for (const { baseline, transport } of rows) {
    for (const run of [baseline, transport]) {
      lines.push([
        run.label,
        Math.round(run.perSecond).toLocaleString('en-US'),
        run === baseline ? '1.00' : (transport.perSecond / baseline.perSecond).toFixed(2),
        run.p50.toFixed(2),
        run.p99.toFixed(2),
        String(run.connections),
        String(run.failures),
        run.cpuPerMessage.toFixed(0),
      ]);
    }
  }
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const format = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(format(header));
  for (const line of lines) console.log(format(line));

  const verdicts = rows.map(({ api, baseline, transport }) => {
    const ratio = transport.perSecond / baseline.perSecond;
    const ok = ratio >= TARGET_RATIO && transport.connections <= CONCURRENCY && transport.failures === 0;
    return `${api}: ratio ${ratio.toFixed(2)} (target ≥ ${TARGET_RATIO}), ${transport.connections} connections (≤ ${CONCURRENCY}) → ${ok ? 'OK' : 'MISSED'}`;
  });
  console.log(`\n${verdicts.join('\n')}`);

  child.send({ type: 'stop' } satisfies SimulatorCommand);
  await once(child, 'exit');
}

async function stats(child: ChildProcess): Promise<SimulatorStats> {
  const reply = once(child, 'message') as Promise<[SimulatorStats]>;
  child.send({ type: 'stats' } satisfies SimulatorCommand);
  return (await reply)[0];
}

async function reset(child: ChildProcess): Promise<void> {
  const reply = once(child, 'message');
  child.send({ type: 'reset' } satisfies SimulatorCommand);
  await reply;
}

/** Runs `count` operations with `CONCURRENCY` in flight; returns per-op latencies in ms. */
async function drive(count: number, op: (i: number) => Promise<boolean>): Promise<{ seconds: number; latencies: Float64Array; failures: number }> {
  const latencies = new Float64Array(count);
  let next = 0;
  let failures = 0;
  const started = process.hrtime.bigint();
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      const t0 = process.hrtime.bigint();
      if (!(await op(i))) failures++;
      latencies[i] = Number(process.hrtime.bigint() - t0) / 1e6;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, latencies, failures };
}

async function measure(child: ChildProcess, label: string, count: number, op: (i: number) => Promise<boolean>): Promise<RunResult> {
  await reset(child);
  const before = await stats(child);
  const cpu = process.cpuUsage();
  const { seconds, latencies, failures } = await drive(count, op);
  const used = process.cpuUsage(cpu);
  const after = await stats(child);
  const sorted = latencies.sort();
  const failedOnServer = after.failedRequests - before.failedRequests;
  return {
    label,
    perSecond: count / seconds,
    p50: sorted[Math.floor(count * 0.5)]!,
    p99: sorted[Math.min(count - 1, Math.floor(count * 0.99))]!,
    connections: after.connectionsOpened - before.connectionsOpened,
    failures: failures + failedOnServer,
    cpuPerMessage: (used.user + used.system) / count,
  };
}

/** The raw client: undici Agent.request with the transport's own prebuilt bodies. */
async function runBaseline(child: ChildProcess, api: Api, options: WireTransportOptions, count: number): Promise<RunResult> {
  const run = runNumber++;
  const encoder = new TRANSPORTS[api](options);
  const wires = Array.from({ length: count }, (_, i) => encoder.wireFor(recipient(run, i)));
  await encoder.close();
  const agent = new Agent({ connections: CONCURRENCY, keepAliveTimeout: 30_000 });
  try {
    return await measure(child, `baseline (${api} bodies)`, count, async (i) => {
      const wire = wires[i]!;
      const response = await agent.request({
        origin: wire.origin,
        path: wire.path,
        method: 'POST',
        headers: { 'content-type': wire.contentType, ...wire.headers },
        body: wire.body,
      });
      await response.body.arrayBuffer();
      return response.statusCode === 200;
    });
  } finally {
    await agent.close();
  }
}

async function runTransport(child: ChildProcess, api: Api, options: WireTransportOptions, count: number): Promise<RunResult> {
  const run = runNumber++;
  const transport = new TRANSPORTS[api](options);
  try {
    return await measure(child, `${api} transport`, count, async (i) => {
      const result = await transport.send({ channel: 'otp', to: [recipient(run, i)], text: TEXT });
      return result.recipients[0]!.status === 'accepted';
    });
  } finally {
    await transport.close();
  }
}

await main();
