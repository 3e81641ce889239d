// bench/otp — the Redis verify against its floor (one HMAC and one EVALSHA of a minimal script:
// floor-verify.ts), then OtpService on the memory and Redis stores, Redis commands per
// operation, and a naive Redis baseline (GET, compare, INCR, DEL as separate commands), all in
// one run; client CPU µs per verification first, then verifications/s.
// - Head to head (the target's figure, run first): the floor, the client's floor (the package's
//   own script sent by raw ioredis), the Redis store alone (the same HMAC and one
//   RedisOtpStore.attempt: like for like) and OtpService.verify on the Redis store (the service
//   path), in OTP_BENCH_SLICES (16) slices per round in a balanced order, each round on an
//   emptied throwaway server and a collected heap; a ratio is the median of the paired slices of
//   all OTP_BENCH_ROUNDS rounds. Run it as `npm run bench:otp` does (node --expose-gc).
// - Phases (one after another, round after round, medians): the stores compared with each other;
//   the Redis store with the account lockout (`otp.lockout`, the default) on and off, and the
//   memory and Redis stores with issue 11's operations on (a purpose profile, an app-wide cap and
//   two named caps, the lockout), which must stay at one round trip per send and per verify.
// `npm run bench:otp`. Sizes: OTP_BENCH_N (default 20000 per phase and per side),
// OTP_BENCH_WARMUP (2000), OTP_BENCH_CONCURRENCY (64), OTP_BENCH_ROUNDS (3), OTP_BENCH_SLICES (16).
//
// Redis: a throwaway redis-server on a free port when `redis-server` is on PATH (so INFO
// commandstats counts only this run), else REDIS_URL (default redis://127.0.0.1:6379).
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { OtpModuleOptions } from '../../lib/otp/otp.options.js';
import { OtpService } from '../../lib/otp/otp.service.js';
import { otpOptionsFactory } from '../../lib/otp/otp.providers.js';
import { MemoryOtpStore } from '../../lib/otp/stores/memory-otp.store.js';
import type { OtpStore } from '../../lib/otp/stores/otp.store.js';
import { RedisOtpStore } from '../../lib/otp/stores/redis-otp.store.js';
import { CodeCaptureTransport, pool, StoreAloneVerify } from './bench-support.js';
import { type FloorChallenge, FloorVerify, ScriptFloorVerify } from './floor-verify.js';
import { NaiveRedisOtpStore } from './naive-redis-otp.store.js';
import { RedisServer, redisServerAvailable } from '../../test/support/redis-server.js';

const N = Number(process.env['OTP_BENCH_N'] ?? 20_000);
const WARMUP = Number(process.env['OTP_BENCH_WARMUP'] ?? 2000);
const CONCURRENCY = Number(process.env['OTP_BENCH_CONCURRENCY'] ?? 64);
const GUESS_ROUNDS = 5;
const ROUNDS = Number(process.env['OTP_BENCH_ROUNDS'] ?? 3);
/** Slices of the head-to-head run (floor, store alone, service path in turn). */
const HEAD_SLICES = Number(process.env['OTP_BENCH_SLICES'] ?? 16);
const SECRET = randomBytes(32);

/**
 * Counts the Redis commands a store sends (each call is one round trip: no pipelining). Both
 * Redis stores go through this, so they carry the same instrumentation cost.
 */
function countingClient(client: Redis): { client: Redis; counts: Map<string, number> } {
  const counts = new Map<string, number>();
  const proxy = new Proxy(client, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        counts.set(String(property), (counts.get(String(property)) ?? 0) + 1);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { client: proxy, counts };
}

let phoneSeq = 0;
/** A fresh valid Turkish mobile number per send, so per-phone caps (on, at defaults) never bite. */
function nextPhone(): string {
  phoneSeq += 1;
  return `0532${String(phoneSeq).padStart(7, '0')}`;
}
const canonical = (phone: string): string => `90${phone.slice(1)}`;

/**
 * The service under test. `lockout` false turns `otp.lockout` off (the naive baseline store
 * does not implement it; the Redis store is measured both ways).
 */
function service(
  store: OtpStore,
  transport: CodeCaptureTransport,
  lockout = true,
  otp: OtpModuleOptions = {},
): OtpService {
  return new OtpService(
    transport,
    otpOptionsFactory({
      transport,
      otp: { secret: SECRET, ...(lockout ? {} : { lockout: false }), ...otp },
    }),
    store,
  );
}
const lockoutOf = (store: OtpStore): boolean => store.supportsLockout;

/**
 * Issue 11's operations all on (beside the defaults, same run): a profile for the purpose, an
 * app-wide cap and two named caps (customer, number prefix: two hot counters shared by every
 * send), the account lockout, and sends with a subject. Caps are high enough never to refuse.
 */
const OPERATIONS: OtpModuleOptions = {
  purposes: {
    login: {
      codeLength: 6,
      ttlSeconds: 120,
      maxAttempts: 4,
      phoneLimits: [{ limit: 5, windowSeconds: 600 }],
    },
  },
  globalLimits: [{ limit: 1_000_000, windowSeconds: 60 }],
  limitKeys: [
    { name: 'customer', key: (r) => r.subject, limits: [{ limit: 5, windowSeconds: 600 }] },
    {
      name: 'prefix',
      key: (r) => r.phone.slice(0, 5),
      limits: [{ limit: 1_000_000, windowSeconds: 60 }],
    },
  ],
  lockout: { maxFailures: 10 },
};

interface Measured {
  readonly pairsPerSecond: number;
  readonly verifyPerSecond: number;
  /** CPU time of this process (user + system) per verification, µs. */
  readonly verifyCpuUs: number;
}

/** Runs `body` and returns its CPU time (this process, user + system) in µs. */
async function cpuOf(body: () => Promise<unknown>): Promise<number> {
  const before = process.cpuUsage();
  await body();
  const spent = process.cpuUsage(before);
  return spent.user + spent.system;
}

/** send+verify pairs/s, then verify/s alone (on challenges sent beforehand). */
async function measure(
  store: OtpStore,
  onVerifyPhase?: (phase: 'start' | 'end') => Promise<void>,
  lockout = lockoutOf(store),
  options?: OtpModuleOptions,
): Promise<Measured> {
  const transport = new CodeCaptureTransport();
  const otp = service(store, transport, lockout, options);
  /** With the operations on, every send names a customer (the `customer` cap counts it). */
  const subject = (phone: string): string | undefined =>
    options === undefined ? undefined : `C-${phone}`;
  const pair = async (): Promise<void> => {
    const phone = nextPhone();
    const { challengeId } = await otp.send({ phone, purpose: 'login', subject: subject(phone) });
    const result = await otp.verify({
      challengeId,
      code: transport.codes.get(canonical(phone))!,
      purpose: 'login',
      subject: subject(phone),
    });
    if (!result.valid) throw new Error(`verification failed: ${result.reason}`);
  };
  await pool(WARMUP, CONCURRENCY, pair); // warm-up
  const pairSeconds = await pool(N, CONCURRENCY, pair);

  const challenges: Array<{ challengeId: string; code: string; subject?: string }> = [];
  await pool(N, CONCURRENCY, async () => {
    const phone = nextPhone();
    const { challengeId } = await otp.send({ phone, purpose: 'login', subject: subject(phone) });
    challenges.push({
      challengeId,
      code: transport.codes.get(canonical(phone))!,
      subject: subject(phone),
    });
  });
  await onVerifyPhase?.('start');
  let verifySeconds = 0;
  const cpu = await cpuOf(async () => {
    verifySeconds = await pool(challenges.length, CONCURRENCY, async (i) => {
      const { challengeId, code, subject: who } = challenges[i]!;
      if (!(await otp.verify({ challengeId, code, purpose: 'login', subject: who })).valid)
        throw new Error('verification failed');
    });
  });
  await onVerifyPhase?.('end');
  return {
    pairsPerSecond: N / pairSeconds,
    verifyPerSecond: challenges.length / verifySeconds,
    verifyCpuUs: cpu / challenges.length,
  };
}

/** The floor: warm-up, then N verifications of challenges seeded beforehand (no send phase). */
async function measureFloor(floor: FloorVerify): Promise<Measured> {
  const warm = await floor.seed(WARMUP);
  await pool(warm.length, CONCURRENCY, async (i) => {
    if (!(await floor.verify(warm[i]!))) throw new Error('floor verification failed');
  });
  const challenges = await floor.seed(N);
  let verifySeconds = 0;
  const cpu = await cpuOf(async () => {
    verifySeconds = await pool(challenges.length, CONCURRENCY, async (i) => {
      if (!(await floor.verify(challenges[i]!))) throw new Error('floor verification failed');
    });
  });
  return {
    pairsPerSecond: Number.NaN,
    verifyPerSecond: challenges.length / verifySeconds,
    verifyCpuUs: cpu / challenges.length,
  };
}

/** Side totals of the head-to-head run: wall seconds, CPU µs and verifications. */
interface SideTotal {
  seconds: number;
  cpuUs: number;
  ops: number;
}

/**
 * The orders of a balanced (Williams) design for an even number of sides: over `n` slices each
 * side runs in each position once and right after each other side once. A plain rotation keeps
 * the cyclic order, so a side always ran after the same neighbour and paid for the garbage that
 * neighbour left (a floor that always followed the service path ran up to 1.18× slower than an
 * identical floor that did not).
 */
function williamsOrders(n: number): number[][] {
  const first = Array.from({ length: n }, (_, j) =>
    j === 0 ? 0 : j % 2 === 1 ? (j + 1) / 2 : n - j / 2,
  );
  return Array.from({ length: n }, (_, row) => first.map((side) => (side + row) % n));
}

/** The sides of the head-to-head run. */
type HeadSide = 'floor' | 'script' | 'alone' | 'service';

/**
 * The floor, the client's floor (the package's script sent by raw ioredis), the Redis store
 * alone and OtpService.verify on the Redis store, head to head: challenges for all four made
 * beforehand, then HEAD_SLICES slices in which each side runs its share of verifications in
 * turn (in the orders of a balanced design), so load drift hits all alike — as bench/transports
 * alternates its sides. Each side's verify/s is its verifications over the wall time of its own
 * slices; CPU is this process's, per verification. (Run with a second floor in place of the
 * client's floor, the design gave floor B ÷ floor 0.98–1.03: balanced.)
 */
async function headToHead(
  floor: FloorVerify,
  script: { floor: ScriptFloorVerify; store: RedisOtpStore },
  alone: RedisOtpStore,
  ours: RedisOtpStore,
): Promise<Record<HeadSide, SideTotal[]>> {
  const transport = new CodeCaptureTransport();
  const resolved = otpOptionsFactory({ transport, otp: { secret: SECRET } });
  const aloneService = new OtpService(transport, resolved, alone);
  const otp = service(ours, transport, true);
  const aloneVerify = new StoreAloneVerify(alone, SECRET, resolved.lockout);
  const total = WARMUP + N;
  const floorChallenges = await floor.seed(total);
  const scriptService = new OtpService(transport, resolved, script.store);
  const scriptChallenges: FloorChallenge[] = [];
  const aloneChallenges: Array<{ challengeId: string; code: string }> = [];
  const serviceChallenges: Array<{ challengeId: string; code: string }> = [];
  await pool(total, CONCURRENCY, async (i) => {
    aloneChallenges[i] = await sendOne(aloneService, transport, 'login');
    serviceChallenges[i] = await sendOne(otp, transport, 'login');
    const sent = await sendOne(scriptService, transport, 'login');
    scriptChallenges[i] = script.floor.challenge(sent.challengeId, sent.code);
  });
  const sides = {
    floor: async (i: number): Promise<void> => {
      if (!(await floor.verify(floorChallenges[i]!))) throw new Error('floor verification failed');
    },
    script: async (i: number): Promise<void> => {
      if (!(await script.floor.verify(scriptChallenges[i]!)))
        throw new Error("client's floor: verification failed");
    },
    alone: async (i: number): Promise<void> => {
      const { challengeId, code } = aloneChallenges[i]!;
      await aloneVerify.verify(challengeId, code, 'login');
    },
    service: async (i: number): Promise<void> => {
      const { challengeId, code } = serviceChallenges[i]!;
      if (!(await otp.verify({ challengeId, code, purpose: 'login' })).valid)
        throw new Error('verification failed');
    },
  };
  const names = ['floor', 'script', 'alone', 'service'] as const;
  // Warm-up: the first WARMUP challenges of each side.
  for (const name of names) await pool(WARMUP, CONCURRENCY, (i) => sides[name](i));
  // The garbage of seeding and warm-up collected before the clock starts (with --expose-gc, as
  // `npm run bench:otp` runs), so no side's first slice pays for it.
  (globalThis as { gc?: () => void }).gc?.();
  const slices: Record<HeadSide, SideTotal[]> = { floor: [], script: [], alone: [], service: [] };
  const per = Math.floor(N / HEAD_SLICES);
  const orders = williamsOrders(names.length);
  if (HEAD_SLICES % orders.length !== 0)
    throw new Error(
      `OTP_BENCH_SLICES must be a multiple of ${orders.length} (the balanced design)`,
    );
  for (let slice = 0; slice < HEAD_SLICES; slice++) {
    const from = WARMUP + slice * per;
    for (const index of orders[slice % orders.length]!) {
      const name = names[index]!;
      let seconds = 0;
      const cpuUs = await cpuOf(async () => {
        seconds = await pool(per, CONCURRENCY, (i) => sides[name](from + i));
      });
      slices[name].push({ seconds, cpuUs, ops: per });
    }
  }
  return slices;
}

/** Prints the head-to-head figures (the target's), right after they are measured. */
function reportHeadToHead(heads: Array<Record<HeadSide, SideTotal[]>>): void {
  const rate = (t: SideTotal): number => t.ops / t.seconds;
  const cpuUs = (t: SideTotal): number => t.cpuUs / t.ops;
  // Each slice of a side is paired with the floor's slice of the same round and index (run
  // back to back): the figure is the median of those paired ratios, so a pause that lands in
  // one slice moves one pair, not a side's total; the totals per round are printed beside it.
  const total = (list: SideTotal[]): SideTotal => ({
    seconds: sum(list.map((t) => t.seconds)),
    cpuUs: sum(list.map((t) => t.cpuUs)),
    ops: sum(list.map((t) => t.ops)),
  });
  const quartiles = (values: number[]): [number, number] => {
    const sorted = [...values].sort((a, b) => a - b);
    return [sorted[Math.floor(sorted.length / 4)]!, sorted[Math.floor((3 * sorted.length) / 4)]!];
  };
  const headLine = (side: HeadSide, base: HeadSide = 'floor'): string => {
    const paired = heads.flatMap((h) => h[side].map((t, i) => rate(t) / rate(h[base][i]!)));
    const [low, high] = quartiles(paired);
    const rounds = heads.map((h) => rate(total(h[side])) / rate(total(h[base])));
    const cpus = heads.map((h) => cpuUs(total(h[side])));
    const baseCpus = heads.map((h) => cpuUs(total(h[base])));
    return `verify/s ${median(paired).toFixed(2)} (median of ${paired.length} paired slices, middle half ${low.toFixed(2)}–${high.toFixed(2)}; round totals ${rounds.map((r) => r.toFixed(2)).join(' / ')}), client CPU µs/op ${median(cpus).toFixed(1)} vs ${median(baseCpus).toFixed(1)}`;
  };
  console.log(
    `\n  Head to head (${HEAD_SLICES} slices of ${fmt(Math.floor(N / HEAD_SLICES))} per side in a balanced order, ${ROUNDS} rounds) — the target's figure:`,
  );
  console.log(
    `    Redis store alone ÷ floor (like for like): ${headLine('alone')}  (target ≥ 0.80)`,
  );
  console.log(
    `    OtpService.verify on the Redis store ÷ floor (service path): ${headLine('service')}`,
  );
  console.log(
    `    The client's floor (the package's script by raw ioredis) ÷ floor: ${headLine('script')}`,
  );
  console.log(
    `    Redis store alone ÷ the client's floor (what the store's client code costs): ${headLine('alone', 'script')}`,
  );
}

async function commandStats(redis: Redis): Promise<Map<string, number>> {
  const info = await redis.info('commandstats');
  const stats = new Map<string, number>();
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm))
    stats.set(match[1]!, Number(match[2]));
  return stats;
}

function delta(after: Map<string, number>, before: Map<string, number>): Map<string, number> {
  const result = new Map<string, number>();
  for (const [name, calls] of after) {
    const d = calls - (before.get(name) ?? 0);
    if (d > 0 && name !== 'info') result.set(name, d);
  }
  return result;
}

function perOp(stats: Map<string, number>, ops: number): string {
  return [...stats.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([name, calls]) => `${name.toUpperCase()} ${(calls / ops).toFixed(2)}`)
    .join(', ');
}

const sum = (values: Iterable<number>): number => [...values].reduce((a, b) => a + b, 0);
const median = (values: number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const range = (values: number[]): string =>
  Math.min(...values) === Math.max(...values)
    ? String(values[0])
    : `${Math.min(...values)}–${Math.max(...values)}`;

/** Sends a code to a fresh number (with `purpose` when given) and returns the challenge and the code. */
async function sendOne(
  otp: OtpService,
  transport: CodeCaptureTransport,
  purpose?: string,
): Promise<{ challengeId: string; code: string }> {
  const phone = nextPhone();
  const { challengeId } = await otp.send(purpose === undefined ? { phone } : { phone, purpose });
  return { challengeId, code: transport.codes.get(canonical(phone))! };
}

/** 200 concurrent wrong guesses on one fresh challenge, GUESS_ROUNDS times: how many were evaluated. */
async function wrongGuessRace(store: OtpStore): Promise<number[]> {
  const transport = new CodeCaptureTransport();
  const otp = service(store, transport, lockoutOf(store));
  const counts: number[] = [];
  for (let round = 0; round < GUESS_ROUNDS; round++) {
    const { challengeId, code } = await sendOne(otp, transport);
    const guesses = Array.from({ length: 200 }, (_, i) =>
      String((Number(code) + 1 + i) % 1_000_000).padStart(6, '0'),
    );
    const results = await Promise.all(
      guesses.map((guess) => otp.verify({ challengeId, code: guess })),
    );
    counts.push(results.filter((r) => !r.valid && r.reason === 'invalid').length);
    // After the race, the right code must be refused.
    if ((await otp.verify({ challengeId, code })).valid) counts[round] = Number.NaN;
  }
  return counts;
}

/**
 * Verify cost with the lockout on and off under the same load: the two services (one store)
 * verify alternately in one pool, each verification timed; returns the mean latencies (ms).
 * Interleaving makes the ratio robust to other processes' load, which throughput phases run
 * one after the other are not.
 */
async function interleavedVerify(store: OtpStore): Promise<{ on: number; off: number }> {
  const transport = new CodeCaptureTransport();
  const on = service(store, transport, true);
  const off = service(store, transport, false);
  // Created at the benchmark's concurrency (20,000 scripts at once would queue past the store's
  // deadline on one connection).
  const challenges: Array<{ challengeId: string; code: string }> = [];
  await pool(N, CONCURRENCY, async (i) => {
    challenges[i] = await sendOne(i % 2 === 0 ? on : off, transport);
  });
  const spent = { on: 0, off: 0 };
  await pool(N, CONCURRENCY, async (i) => {
    const { challengeId, code } = challenges[i]!;
    const which = i % 2 === 0 ? 'on' : 'off';
    const started = process.hrtime.bigint();
    const result = await (which === 'on' ? on : off).verify({ challengeId, code });
    spent[which] += Number(process.hrtime.bigint() - started) / 1e6;
    if (!result.valid) throw new Error('verification failed');
  });
  const half = N / 2;
  return { on: spent.on / Math.ceil(half), off: spent.off / Math.floor(half) };
}

/** Round trips of `ops` wrong-code verifications (each counted against its account's lockout). */
async function wrongVerifyRoundTrips(
  store: OtpStore,
  counts: Map<string, number>,
  ops: number,
): Promise<number> {
  const transport = new CodeCaptureTransport();
  const otp = service(store, transport, lockoutOf(store));
  const challenges: Array<{ challengeId: string; code: string }> = [];
  await pool(ops, CONCURRENCY, async (i) => {
    challenges[i] = await sendOne(otp, transport);
  });
  counts.clear();
  await pool(ops, CONCURRENCY, async (i) => {
    const { challengeId, code } = challenges[i]!;
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
    if ((await otp.verify({ challengeId, code: wrong })).valid) throw new Error('accepted');
  });
  return sum(counts.values()) / ops;
}

/** Redis commands of `ops` sends, by name (commandstats delta). */
async function sendStats(
  store: OtpStore,
  admin: Redis,
  ops: number,
  options?: OtpModuleOptions,
): Promise<Map<string, number>> {
  const transport = new CodeCaptureTransport();
  const otp = service(store, transport, lockoutOf(store), options);
  const before = await commandStats(admin);
  await pool(ops, CONCURRENCY, async () => {
    const phone = nextPhone();
    await otp.send({
      phone,
      purpose: 'login',
      ...(options === undefined ? {} : { subject: `C-${phone}` }),
    });
  });
  return delta(await commandStats(admin), before);
}

async function main(): Promise<void> {
  const own = redisServerAvailable() ? await RedisServer.start() : undefined;
  const url = own?.url ?? process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
  const prefix = `bench-otp:${randomBytes(4).toString('hex')}:`;
  const redis = new Redis(url);
  const naiveRedis = new Redis(url);
  const admin = new Redis(url);
  const opsRedis = new Redis(url);
  const floorRedis = new Redis(url);
  const scriptRedis = new Redis(url);
  const aloneRedis = new Redis(url);
  try {
    console.log(
      `bench/otp: ${N} operations per phase after ${WARMUP} of warm-up, concurrency ${CONCURRENCY}, ${ROUNDS} rounds (medians), Node ${process.version}`,
    );
    console.log(
      `Redis: ${own ? 'a throwaway redis-server on loopback (commandstats are this run only)' : `${url} (shared: commandstats may include other clients)`}`,
    );
    console.log(
      'Every send uses a new phone number; the default per-phone and per-IP caps stay on; the Redis store runs with otp.lockout on (default) and off.\n',
    );

    const { client, counts } = countingClient(redis);
    const { client: opsClient, counts: opsCounts } = countingClient(opsRedis);
    const { client: naiveClient, counts: naiveCounts } = countingClient(naiveRedis);
    // The floor's client is counted the same way (same instrumentation cost as the stores').
    const { client: floorClient } = countingClient(floorRedis);
    // The client's floor: raw ioredis (counted the same way) on challenges a store under the
    // same prefix made.
    const { client: scriptClient } = countingClient(scriptRedis);
    const scriptSide = {
      floor: new ScriptFloorVerify(
        scriptClient,
        `${prefix}script:`,
        SECRET,
        otpOptionsFactory({ transport: new CodeCaptureTransport(), otp: { secret: SECRET } })
          .lockout!,
      ),
      store: new RedisOtpStore({ client: scriptClient, keyPrefix: `${prefix}script:` }),
    };
    const floor = new FloorVerify(floorClient, `${prefix}floor:`, SECRET);
    // The store alone (like the floor): its own client, counted the same way.
    const { client: aloneClient } = countingClient(aloneRedis);
    const alone = new RedisOtpStore({ client: aloneClient, keyPrefix: `${prefix}alone:` });
    await floor.load();
    // Both stores get a client made here (ioredis defaults), counted the same way.
    const ours = new RedisOtpStore({ client, keyPrefix: `${prefix}ours:` });
    const naive = new NaiveRedisOtpStore(naiveClient, `${prefix}naive:`);
    const memory = new MemoryOtpStore();
    const oursOps = new RedisOtpStore({ client: opsClient, keyPrefix: `${prefix}ops:` });
    const memoryOps = new MemoryOtpStore();

    const results = {
      floor: [] as Measured[],
      memory: [] as Measured[],
      ours: [] as Measured[],
      oursNoLockout: [] as Measured[],
      naive: [] as Measured[],
      memoryOps: [] as Measured[],
      oursOps: [] as Measured[],
    };
    let opsVerifyRoundTrips = 0;
    let oursVerifyStats = new Map<string, number>();
    let oursVerifyRoundTrips = 0;
    let naiveVerifyStats = new Map<string, number>();
    let naiveVerifyRoundTrips = 0;
    // The target's figure first: floor, store alone and service path head to head, in
    // alternating slices, each round on an empty throwaway server (nothing left by earlier
    // phases: the same state for the three sides).
    const heads: Array<Record<HeadSide, SideTotal[]>> = [];
    for (let round = 0; round < ROUNDS; round++) {
      if (own) {
        await admin.flushall();
        await floor.load();
      }
      await scriptSide.floor.load();
      heads.push(await headToHead(floor, scriptSide, alone, ours));
    }
    reportHeadToHead(heads);
    if (process.env['OTP_BENCH_HEAD_ONLY'] === '1') return;
    if (own) await admin.flushall();
    await floor.load();

    for (let round = 0; round < ROUNDS; round++) {
      const order: Array<keyof typeof results> = (
        ['floor', 'memory', 'ours', 'oursNoLockout', 'naive', 'memoryOps', 'oursOps'] as const
      ).map((_, i, all) => all[(i + round) % all.length]!);
      for (const name of order) {
        if (name === 'floor') {
          results.floor.push(await measureFloor(floor));
          continue;
        }
        let before = new Map<string, number>();
        const hook = async (phase: 'start' | 'end'): Promise<void> => {
          if (name === 'memory' || name === 'oursNoLockout' || name === 'memoryOps' || round > 0)
            return;
          if (name === 'oursOps') {
            if (phase === 'start') opsCounts.clear();
            else opsVerifyRoundTrips = sum(opsCounts.values());
            return;
          }
          if (phase === 'start') {
            counts.clear();
            naiveCounts.clear();
            before = await commandStats(admin);
            return;
          }
          const stats = delta(await commandStats(admin), before);
          if (name === 'ours') {
            oursVerifyStats = stats;
            oursVerifyRoundTrips = sum(counts.values());
          } else {
            naiveVerifyStats = stats;
            naiveVerifyRoundTrips = sum(naiveCounts.values());
          }
        };
        if (name === 'memoryOps' || name === 'oursOps') {
          const store = name === 'memoryOps' ? memoryOps : oursOps;
          results[name].push(await measure(store, hook, true, OPERATIONS));
          continue;
        }
        const store = name === 'memory' ? memory : name === 'naive' ? naive : ours;
        results[name].push(await measure(store, hook, name === 'ours'));
      }
      process.stdout.write(`  round ${round + 1}/${ROUNDS} done\n`);
    }

    const sends = 500;
    counts.clear();
    const oursSendStats = await sendStats(ours, admin, sends);
    const oursSendRoundTrips = sum(counts.values());
    naiveCounts.clear();
    const naiveSendStats = await sendStats(naive, admin, sends);
    const naiveSendRoundTrips = sum(naiveCounts.values());
    opsCounts.clear();
    await sendStats(oursOps, admin, sends, OPERATIONS);
    const opsSendRoundTrips = sum(opsCounts.values());
    const oursWrongVerify = await wrongVerifyRoundTrips(ours, counts, sends);
    const interleaved: Array<{ on: number; off: number }> = [];
    for (let round = 0; round < ROUNDS; round++) interleaved.push(await interleavedVerify(ours));
    const oursRace = await wrongGuessRace(ours);
    const naiveRace = await wrongGuessRace(naive);
    const memoryRace = await wrongGuessRace(memory);

    const med = (list: Measured[], key: keyof Measured): number => median(list.map((m) => m[key]));
    const all = (list: Measured[], key: keyof Measured): string =>
      list.map((m) => fmt(m[key])).join(' / ');
    // Phases run one after another (load drift falls between them): compare the stores here; the
    // ratios to the floor are the head-to-head figures below.
    console.log(`\n${''.padEnd(47)}verify CPU µs/op   verify/s   send+verify pairs/s`);
    const rows: Array<[string, Measured[]]> = [
      ['floor: 1 HMAC + 1 EVALSHA (minimal script)', results.floor],
      ['OtpService on Redis store, lockout on', results.ours],
      ['OtpService on Redis store, lockout off', results.oursNoLockout],
      ['OtpService on Redis store, operations on', results.oursOps],
      ['naive Redis store (GET, compare, INCR|DEL)', results.naive],
      ['memory store', results.memory],
      ['memory store, operations on', results.memoryOps],
    ];
    for (const [name, list] of rows) {
      const pairs = med(list, 'pairsPerSecond');
      console.log(
        `  ${name.padEnd(45)}${med(list, 'verifyCpuUs').toFixed(1).padStart(16)}${fmt(med(list, 'verifyPerSecond')).padStart(11)}${(Number.isNaN(pairs) ? '—' : fmt(pairs)).padStart(22)}`,
      );
    }
    console.log('  per round (verify CPU µs/op; verify/s; pairs/s):');
    for (const [name, list] of rows) {
      console.log(
        `    ${name.padEnd(45)} ${list.map((m) => m.verifyCpuUs.toFixed(1)).join(' / ')};  ${all(list, 'verifyPerSecond')};  ${list.some((m) => Number.isNaN(m.pairsPerSecond)) ? '—' : all(list, 'pairsPerSecond')}`,
      );
    }
    console.log(
      `\n  Redis store ÷ naive baseline: verify/s ${(med(results.ours, 'verifyPerSecond') / med(results.naive, 'verifyPerSecond')).toFixed(2)}, pairs/s ${(med(results.ours, 'pairsPerSecond') / med(results.naive, 'pairsPerSecond')).toFixed(2)}`,
    );
    console.log(
      `  lockout on ÷ lockout off:     verify/s ${(med(results.ours, 'verifyPerSecond') / med(results.oursNoLockout, 'verifyPerSecond')).toFixed(2)}, pairs/s ${(med(results.ours, 'pairsPerSecond') / med(results.oursNoLockout, 'pairsPerSecond')).toFixed(2)}  (target: verify/s ≥ 0.90)`,
    );
    const latencyRatio = median(interleaved.map(({ on, off }) => off / on));
    console.log(
      `  lockout on ÷ off, interleaved verify (same pool, alternate calls): rate ratio ${latencyRatio.toFixed(2)}` +
        ` (mean latency on ${median(interleaved.map((r) => r.on)).toFixed(2)} ms, off ${median(interleaved.map((r) => r.off)).toFixed(2)} ms; target ≥ 0.90)`,
    );
    console.log(
      `  operations on ÷ defaults (Redis store): verify/s ${(med(results.oursOps, 'verifyPerSecond') / med(results.ours, 'verifyPerSecond')).toFixed(2)}, pairs/s ${(med(results.oursOps, 'pairsPerSecond') / med(results.ours, 'pairsPerSecond')).toFixed(2)}`,
    );
    console.log(
      `  operations on ÷ defaults (memory store): pairs/s ${(med(results.memoryOps, 'pairsPerSecond') / med(results.memory, 'pairsPerSecond')).toFixed(2)}`,
    );
    console.log(
      `  memory store ÷ Redis store:   verify/s ${(med(results.memory, 'verifyPerSecond') / med(results.ours, 'verifyPerSecond')).toFixed(2)}, pairs/s ${(med(results.memory, 'pairsPerSecond') / med(results.ours, 'pairsPerSecond')).toFixed(2)}`,
    );

    console.log('\nRedis round trips per operation (commands sent by the client; no pipelining):');
    console.log(
      `  Redis store (lockout on):  verify ${(oursVerifyRoundTrips / N).toFixed(2)}, send ${(oursSendRoundTrips / sends).toFixed(2)}`,
    );
    console.log(
      `  Redis store (lockout on):  wrong-code verify ${oursWrongVerify.toFixed(2)} (counted against the account)`,
    );
    if (
      [oursVerifyRoundTrips / N, oursSendRoundTrips / sends, oursWrongVerify].some((n) => n !== 1)
    ) {
      console.error('FAIL: the Redis store used other than one round trip per send and verify');
      process.exitCode = 1;
    }
    console.log(
      `  Redis store, operations on (profile, global + 2 named caps, lockout): verify ${(opsVerifyRoundTrips / N).toFixed(2)}, send ${(opsSendRoundTrips / sends).toFixed(2)}`,
    );
    if (opsVerifyRoundTrips !== N || opsSendRoundTrips !== sends) {
      console.error(
        'FAIL: with the operations on, a send or a verify took more than one round trip',
      );
      process.exitCode = 1;
    }
    console.log(
      `  naive store:  verify ${(naiveVerifyRoundTrips / N).toFixed(2)}, send ${(naiveSendRoundTrips / sends).toFixed(2)}`,
    );
    console.log(
      'Redis commands per operation (INFO commandstats deltas; includes commands run inside Lua):',
    );
    console.log(`  Redis store verify: ${perOp(oursVerifyStats, N)}`);
    console.log(`  Redis store send:   ${perOp(oursSendStats, sends)}`);
    console.log(`  naive store verify: ${perOp(naiveVerifyStats, N)}`);
    console.log(`  naive store send:   ${perOp(naiveSendStats, sends)}`);

    console.log(
      `\n200 concurrent wrong guesses on one challenge (maxAttempts 5), ${GUESS_ROUNDS} challenges — guesses evaluated:`,
    );
    console.log(`  Redis store:  ${range(oursRace)}   (${oursRace.join(', ')})`);
    console.log(`  memory store: ${range(memoryRace)}   (${memoryRace.join(', ')})`);
    console.log(`  naive store:  ${range(naiveRace)}   (${naiveRace.join(', ')})`);
    if ([...oursRace, ...memoryRace].some((n) => n !== 5)) {
      console.error(
        'FAIL: a store evaluated other than exactly 5 guesses (or accepted the right code afterwards)',
      );
      process.exitCode = 1;
    }
  } finally {
    await redis.quit();
    await naiveRedis.quit();
    await admin.quit();
    await opsRedis.quit();
    await floorRedis.quit();
    await scriptRedis.quit();
    await aloneRedis.quit();
    if (own) await own.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
