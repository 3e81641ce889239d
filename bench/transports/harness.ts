// bench/transports — the measuring harness: sides, slices, driving N operations at a fixed
// concurrency, medians and table printing. No transport knowledge here.

/** The server a comparison sends to (replay server or simulator child). */
export interface BenchServer {
  readonly label: string;
  /** TCP connections accepted and non-200 answers so far. */
  counters(): Promise<{ connectionsOpened: number; failedRequests: number }>;
  /** Forgets what the server keeps per message (simulator memory); no-op for the replay. */
  reset(): Promise<void>;
}

/** What one side measured over its slices of one round. */
export interface RunResult {
  readonly label: string;
  /** CPU time of this (client) process per message, µs: user + system. */
  readonly cpuPerMessage: number;
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly connections: number;
  readonly failures: number;
}

/** Process-wide state a side runs under (e.g. an OpenTelemetry SDK), set up per slice. */
export interface SideEnvironment {
  enter(): void;
  leave(): void;
}

/** One side (baseline or transport) of a comparison, accumulated over its slices. */
export class Side {
  private seconds = 0;
  private cpuMicros = 0;
  private count = 0;
  private failures = 0;
  private connections = 0;
  private latencies: number[] = [];

  constructor(
    readonly label: string,
    /** Sends message `i` (distinct recipient); resolves with what `accepted` judges. */
    readonly op: (i: number) => Promise<unknown>,
    readonly close: () => Promise<void>,
    readonly environment?: SideEnvironment,
    /**
     * Whether what `op` resolved with is an accepted message. Separate from `op` so that every
     * side is awaited the same way (one await on the promise it returns), without a wrapper.
     */
    readonly accepted: (value: unknown) => boolean = (value) => value === true,
  ) {}

  async slice(
    server: BenchServer,
    concurrency: number,
    from: number,
    count: number,
    record = true,
  ): Promise<void> {
    const before = await server.counters();
    this.environment?.enter();
    const cpu = process.cpuUsage();
    const run = await drive(from, count, concurrency, this.op, this.accepted);
    const used = process.cpuUsage(cpu);
    this.environment?.leave();
    const after = await server.counters();
    // Connections count from the first (warm-up) slice on: all this side's client ever opened.
    this.connections += after.connectionsOpened - before.connectionsOpened;
    if (!record) return;
    this.seconds += run.seconds;
    this.cpuMicros += used.user + used.system;
    this.count += count;
    this.failures += run.failures + (after.failedRequests - before.failedRequests);
    for (const latency of run.latencies) this.latencies.push(latency);
  }

  /** The round's result; starts a new round (connections keep counting). */
  takeRound(): RunResult {
    const sorted = Float64Array.from(this.latencies).sort();
    const result: RunResult = {
      label: this.label,
      cpuPerMessage: this.cpuMicros / this.count,
      perSecond: this.count / this.seconds,
      p50: sorted[Math.floor(sorted.length * 0.5)]!,
      p99: sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))]!,
      connections: this.connections,
      failures: this.failures,
    };
    this.seconds = this.cpuMicros = this.count = this.failures = 0;
    this.latencies = [];
    return result;
  }
}

/** Runs operations `from … from+count-1` with `concurrency` in flight; per-op latencies in ms. */
async function drive(
  from: number,
  count: number,
  concurrency: number,
  op: (i: number) => Promise<unknown>,
  accepted: (value: unknown) => boolean,
): Promise<{ seconds: number; latencies: Float64Array; failures: number }> {
  const latencies = new Float64Array(count);
  let next = 0;
  let failures = 0;
  const started = process.hrtime.bigint();
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      const t0 = process.hrtime.bigint();
      if (!accepted(await op(from + i))) failures++;
      latencies[i] = Number(process.hrtime.bigint() - t0) / 1e6;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, latencies, failures };
}

export interface Sizes {
  readonly n: number;
  readonly warmup: number;
  readonly slices: number;
  readonly rounds: number;
  readonly concurrency: number;
}

/**
 * Runs `sides` against `server`: one warm-up slice each (not counted), then `rounds` rounds of
 * `n` messages per side in `slices` slices whose order rotates (b t, t b, … for two sides), so a
 * load change on a shared machine hits every side alike. Returns each round's results per side.
 */
export async function compare(
  server: BenchServer,
  sides: readonly Side[],
  sizes: Sizes,
): Promise<RunResult[][]> {
  for (const side of sides) await side.slice(server, sizes.concurrency, 0, sizes.warmup, false);
  await server.reset();
  const rounds: RunResult[][] = sides.map(() => []);
  const size = Math.ceil(sizes.n / sizes.slices);
  let from = sizes.warmup;
  for (let round = 0; round < sizes.rounds; round++) {
    for (let k = 0, done = 0; done < sizes.n; k++, done += size) {
      const count = Math.min(size, sizes.n - done);
      for (let j = 0; j < sides.length; j++) {
        await sides[(j + k) % sides.length]!.slice(server, sizes.concurrency, from, count);
      }
      from += count;
      await server.reset();
    }
    sides.forEach((side, i) => rounds[i]!.push(side.takeRound()));
  }
  for (const side of sides) await side.close();
  return rounds;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Median over rounds of every figure of one side. */
export function medianResult(rounds: readonly RunResult[]): RunResult {
  const of = (pick: (r: RunResult) => number) => median(rounds.map(pick));
  return {
    label: rounds[0]!.label,
    cpuPerMessage: of((r) => r.cpuPerMessage),
    perSecond: of((r) => r.perSecond),
    p50: of((r) => r.p50),
    p99: of((r) => r.p99),
    connections: Math.max(...rounds.map((r) => r.connections)),
    failures: rounds.reduce((sum, r) => sum + r.failures, 0),
  };
}

/** Median of the per-round ratios of `side` to `base` (msg/s and CPU per message). */
export function medianRatios(
  side: readonly RunResult[],
  base: readonly RunResult[],
): { throughput: number; cpu: number } {
  return {
    throughput: median(side.map((r, i) => r.perSecond / base[i]!.perSecond)),
    cpu: median(side.map((r, i) => r.cpuPerMessage / base[i]!.cpuPerMessage)),
  };
}

export const HEADER = [
  'run',
  'CPU µs/msg',
  'CPU ratio',
  'msg/s',
  'ratio',
  'p50 ms',
  'p99 ms',
  'TCP conns',
  'failures',
];

/** One table row: CPU per message first. */
export function row(result: RunResult, ratios: { throughput: number; cpu: number }): string[] {
  return [
    result.label,
    result.cpuPerMessage.toFixed(1),
    ratios.cpu.toFixed(2),
    Math.round(result.perSecond).toLocaleString('en-US'),
    ratios.throughput.toFixed(2),
    result.p50.toFixed(2),
    result.p99.toFixed(2),
    String(result.connections),
    String(result.failures),
  ];
}

export function printTable(header: readonly string[], lines: readonly string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const format = (cells: readonly string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(format(header));
  for (const line of lines) console.log(format(line));
}
