// bench/transports — single-recipient OTP sends through each wire transport, against a raw
// keep-alive undici client sending the very same request bodies, in the same run.
//
//   npm run bench:transports
//
// The simulator runs in a child process (its own event loop), so client and server do not
// share a thread. For each transport, in the same run: the baseline — a raw keep-alive undici
// Agent (same connection limit) posting the request bodies prebuilt by the transport's own
// encoder and reading each reply whole — and the transport itself (validation, encoding, its
// keep-alive client, reply parsing, typed result). The N messages of each are sent in slices
// that alternate baseline/transport (b t t b b t …), so a load change on a shared machine hits
// both alike; throughput = N / summed time of its slices. Each side keeps one client for all
// its slices; TCP connections are what the simulator accepted while that side was sending.
//
// Then, in the same run, the HTTP clients on one transport (JSON): the default undici client,
// the default client through a real forward proxy (CONNECT tunnels; the `proxy` package, in the
// simulator's process so its CPU is not counted as the client's), and an axios instance
// (`httpClient`, keep-alive agent with the same socket limit), and the default client with the
// OpenTelemetry SDK registered (metrics + a span per request, registered only during that
// side's slices). Same slicing, rotating order.
// TCP connections for the proxied row are the tunnels the simulator accepted from the proxy.
//
// BENCH_CLIENTS_ONLY=1 runs only the client comparison.
//
// Sizes: BENCH_N (default 20000 messages per side), BENCH_CONCURRENCY (64), BENCH_WARMUP (2000),
// BENCH_SLICES (16).
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { Agent as HttpAgent } from 'node:http';
import { context, metrics, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import axios from 'axios';
import { fileURLToPath } from 'node:url';
import { Agent } from 'undici';
import { HttpTransport } from '../../lib/transports/http.transport.js';
import { JsonTransport } from '../../lib/transports/json.transport.js';
import { SoapTransport } from '../../lib/transports/soap.transport.js';
import type {
  AccountsOptions,
  WireTransportOptions,
} from '../../lib/transports/wire-transport.options.js';
import { planSend } from '../../lib/transports/wire/send-plan.js';
import type { WireRequest } from '../../lib/transports/wire/wire-client.js';
import { XmlTransport } from '../../lib/transports/xml.transport.js';
import type { SimulatorCommand, SimulatorStats } from './simulator.child.js';

const N = Number(process.env['BENCH_N'] ?? 20_000);
const CONCURRENCY = Number(process.env['BENCH_CONCURRENCY'] ?? 64);
const WARMUP = Number(process.env['BENCH_WARMUP'] ?? 2_000);
const SLICES = Number(process.env['BENCH_SLICES'] ?? 16);
const TEXT = 'Doğrulama kodunuz: 482913. Bu kodu kimseyle paylaşmayın.';
const TARGET_RATIO = 0.7;
const CLIENTS_ONLY = process.env['BENCH_CLIENTS_ONLY'] === '1';

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

/** One side (baseline or transport) of a comparison, accumulated over its slices. */
class Side {
  private seconds = 0;
  private cpuMicros = 0;
  private count = 0;
  private failures = 0;
  private connections = 0;
  private readonly latencies: number[] = [];

  constructor(
    readonly label: string,
    /** Sends message `i` (distinct recipient); resolves whether it was accepted. */
    readonly op: (i: number) => Promise<boolean>,
    readonly close: () => Promise<void>,
    /** Process-wide state this side runs under (e.g. an OpenTelemetry SDK), set up per slice. */
    readonly environment?: { enter(): void; leave(): void },
  ) {}

  async slice(child: ChildProcess, from: number, count: number, record = true): Promise<void> {
    const before = await stats(child);
    this.environment?.enter();
    const cpu = process.cpuUsage();
    const run = await drive(from, count, this.op);
    const used = process.cpuUsage(cpu);
    this.environment?.leave();
    const after = await stats(child);
    // Connections count from the first (warm-up) slice on: all this side's client ever opened.
    this.connections += after.connectionsOpened - before.connectionsOpened;
    if (!record) return;
    this.seconds += run.seconds;
    this.cpuMicros += used.user + used.system;
    this.count += count;
    this.failures += run.failures + (after.failedRequests - before.failedRequests);
    for (const latency of run.latencies) this.latencies.push(latency);
  }

  result(): RunResult {
    const sorted = Float64Array.from(this.latencies).sort();
    return {
      label: this.label,
      perSecond: this.count / this.seconds,
      p50: sorted[Math.floor(sorted.length * 0.5)]!,
      p99: sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))]!,
      connections: this.connections,
      failures: this.failures,
      cpuPerMessage: this.cpuMicros / this.count,
    };
  }
}

/** Distinct OTP recipients: `905` + side digit + 8 digits. */
function recipient(side: number, i: number): string {
  return `905${side}${String(i).padStart(8, '0')}`;
}

async function main(): Promise<void> {
  const child = fork(fileURLToPath(new URL('./simulator.child.js', import.meta.url)), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const [ready] = (await once(child, 'message')) as [
    { accounts: AccountsOptions; proxyUrl: string },
  ];
  const options: WireTransportOptions = {
    accounts: ready.accounts,
    timeoutMs: 10_000,
    connections: CONCURRENCY,
  };
  console.log(
    `bench/transports: ${N.toLocaleString('en-US')} single-recipient OTP messages per side, concurrency ${CONCURRENCY}, ` +
      `${SLICES} alternating slices, simulator in child process ${child.pid}, Node ${process.version}\n`,
  );

  const rows: { api: Api; baseline: RunResult; transport: RunResult }[] = [];
  for (const api of CLIENTS_ONLY ? [] : (Object.keys(TRANSPORTS) as Api[])) {
    const baseline = baselineSide(api, options, WARMUP + N);
    const transport = transportSide(api, options);
    // Warm both paths up (JIT, connections) without counting.
    await baseline.slice(child, 0, WARMUP, false);
    await transport.slice(child, 0, WARMUP, false);
    await reset(child);
    const size = Math.ceil(N / SLICES);
    for (let k = 0, from = WARMUP; from < WARMUP + N; k++, from += size) {
      const count = Math.min(size, WARMUP + N - from);
      const order = k % 2 === 0 ? [baseline, transport] : [transport, baseline];
      for (const side of order) await side.slice(child, from, count);
      await reset(child);
    }
    await baseline.close();
    await transport.close();
    rows.push({ api, baseline: baseline.result(), transport: transport.result() });
  }

  const header = [
    'run',
    'msg/s',
    'ratio',
    'p50 ms',
    'p99 ms',
    'TCP conns',
    'failures',
    'client CPU µs/msg',
  ];
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
  const format = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  if (lines.length > 0) {
    console.log(format(header));
    for (const line of lines) console.log(format(line));
  }

  // The HTTP clients, on the JSON transport, in the same run.
  const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: CONCURRENCY });
  const clients = [
    transportSide('json', options, 'json: default client (undici)'),
    transportSide(
      'json',
      { ...options, proxy: ready.proxyUrl },
      'json: default client via forward proxy',
    ),
    transportSide(
      'json',
      { ...options, httpClient: axios.create({ httpAgent }) },
      'json: axios client (httpClient)',
    ),
    transportSide(
      'json',
      options,
      'json: default client, OpenTelemetry SDK on',
      openTelemetrySdk(),
    ),
  ];
  for (const side of clients) await side.slice(child, 0, WARMUP, false);
  await reset(child);
  const size = Math.ceil(N / SLICES);
  for (let k = 0, from = WARMUP; from < WARMUP + N; k++, from += size) {
    const count = Math.min(size, WARMUP + N - from);
    for (let j = 0; j < clients.length; j++)
      await clients[(j + k) % clients.length]!.slice(child, from, count);
    await reset(child);
  }
  for (const side of clients) await side.close();
  httpAgent.destroy();
  const clientResults = clients.map((side) => side.result());
  const base = clientResults[0]!;
  console.log(`\nHTTP clients (JSON transport, ${CONCURRENCY} connections max, same run):`);
  const clientLines = clientResults.map((run) => [
    run.label,
    Math.round(run.perSecond).toLocaleString('en-US'),
    (run.perSecond / base.perSecond).toFixed(2),
    run.p50.toFixed(2),
    run.p99.toFixed(2),
    String(run.connections),
    String(run.failures),
    run.cpuPerMessage.toFixed(0),
    (run.cpuPerMessage / base.cpuPerMessage).toFixed(2),
  ]);
  const clientHeader = [...header, 'CPU ratio'];
  const clientWidths = clientHeader.map((h, i) =>
    Math.max(h.length, ...clientLines.map((l) => l[i]!.length)),
  );
  const formatClient = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(clientWidths[i]!) : c.padStart(clientWidths[i]!)))
      .join('  ');
  console.log(formatClient(clientHeader));
  for (const line of clientLines) console.log(formatClient(line));
  const tunnels = (await stats(child)).proxyTunnels;
  console.log(`forward proxy: ${tunnels} CONNECT tunnels opened in all`);

  const verdicts = rows.map(({ api, baseline, transport }) => {
    const ratio = transport.perSecond / baseline.perSecond;
    const ok =
      ratio >= TARGET_RATIO && transport.connections <= CONCURRENCY && transport.failures === 0;
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

/** Forgets the simulator's messages and requests (memory), keeping its connection count. */
async function reset(child: ChildProcess): Promise<void> {
  const reply = once(child, 'message');
  child.send({ type: 'reset' } satisfies SimulatorCommand);
  await reply;
}

/** Runs operations `from … from+count-1` with `CONCURRENCY` in flight; per-op latencies in ms. */
async function drive(
  from: number,
  count: number,
  op: (i: number) => Promise<boolean>,
): Promise<{ seconds: number; latencies: Float64Array; failures: number }> {
  const latencies = new Float64Array(count);
  let next = 0;
  let failures = 0;
  const started = process.hrtime.bigint();
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      const t0 = process.hrtime.bigint();
      if (!(await op(from + i))) failures++;
      latencies[i] = Number(process.hrtime.bigint() - t0) / 1e6;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, latencies, failures };
}

/** The raw client: undici Agent.request with the transport's own prebuilt bodies. */
function baselineSide(api: Api, options: WireTransportOptions, count: number): Side {
  const encoder = new TRANSPORTS[api](options);
  const wires = Array.from({ length: count }, (_, i) => encoder.wireFor(recipient(1, i)));
  void encoder.close();
  const agent = new Agent({ connections: CONCURRENCY, keepAliveTimeout: 30_000 });
  return new Side(
    `baseline (${api} bodies)`,
    async (i) => {
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
    },
    () => agent.close(),
  );
}

function transportSide(
  api: Api,
  options: WireTransportOptions,
  label = `${api} transport`,
  environment?: { enter(): void; leave(): void },
): Side {
  const transport = new TRANSPORTS[api](options);
  return new Side(
    label,
    async (i) => {
      const result = await transport.send({ channel: 'otp', to: [recipient(2, i)], text: TEXT });
      return result.recipients[0]!.status === 'accepted';
    },
    () => transport.close(),
    environment,
  );
}

/**
 * The OpenTelemetry SDK as an application registers it (meter provider with a reader that only
 * exports on demand, tracer provider with a batch processor into a discarding exporter, async
 * context manager), registered only while its side sends.
 */
function openTelemetrySdk(): { enter(): void; leave(): void } {
  class OnDemandReader extends MetricReader {
    protected override onShutdown(): Promise<void> {
      return Promise.resolve();
    }
    protected override onForceFlush(): Promise<void> {
      return Promise.resolve();
    }
  }
  const discard = {
    export: (_spans: unknown, done: (result: { code: 0 }) => void) => done({ code: 0 }),
    shutdown: () => Promise.resolve(),
  };
  const meterProvider = new MeterProvider({ readers: [new OnDemandReader()] });
  const tracerProvider = new BasicTracerProvider({
    spanProcessors: [new BatchSpanProcessor(discard)],
  });
  const contextManager = new AsyncLocalStorageContextManager();
  return {
    enter() {
      context.setGlobalContextManager(contextManager.enable());
      metrics.setGlobalMeterProvider(meterProvider);
      trace.setGlobalTracerProvider(tracerProvider);
    },
    leave() {
      metrics.disable();
      trace.disable();
      context.disable();
    },
  };
}

await main();
