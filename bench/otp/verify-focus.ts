// bench/otp/verify-focus — the Redis verify alone, against its floor, like for like: the floor
// (one HMAC + one EVALSHA of a minimal script, floor-verify.ts), the Redis store alone (the same
// HMAC + RedisOtpStore.attempt, what the floor stands for) and OtpService.verify on the Redis
// store (the service path: argument checks, binding, events, tracing, then the store). Phases
// alternate, round after round; each reports the client's CPU µs per verification
// (process.cpuUsage), verifications/s, and the Redis server's µs per script (INFO commandstats:
// EVALSHA usec ÷ calls, inner commands included), so the client's and the server's share are
// both visible on a loaded machine. A throwaway redis-server (redis-server on PATH).
//
// A diagnostic (where the time goes), not the target's figure: its phases run one after another,
// so load drift falls between them; `npm run bench:otp` runs the sides head to head.
//
// npx tsc -p bench/tsconfig.json && node dist-bench/bench/otp/verify-focus.js
// Sizes: OTP_BENCH_N (20000), OTP_BENCH_CONCURRENCY (64), OTP_BENCH_ROUNDS (3),
// OTP_BENCH_LOCKOUT=0 to measure with otp.lockout off.
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { Redis } from 'ioredis';
import { OtpHasher } from '../../lib/otp/otp-code.js';
import { OtpService } from '../../lib/otp/otp.service.js';
import { otpOptionsFactory } from '../../lib/otp/otp.providers.js';
import { RedisOtpStore } from '../../lib/otp/stores/redis-otp.store.js';
import { RedisServer } from '../../test/support/redis-server.js';
import { CodeCaptureTransport, pool, StoreAloneVerify } from './bench-support.js';
import { FloorVerify } from './floor-verify.js';

const N = Number(process.env['OTP_BENCH_N'] ?? 20_000);
const CONCURRENCY = Number(process.env['OTP_BENCH_CONCURRENCY'] ?? 64);
const ROUNDS = Number(process.env['OTP_BENCH_ROUNDS'] ?? 3);
const LOCKOUT = process.env['OTP_BENCH_LOCKOUT'] !== '0';
const SECRET = randomBytes(32);

interface Phase {
  readonly cpuUs: number;
  readonly perSecond: number;
  readonly serverUs: number;
}

async function evalshaStats(admin: Redis): Promise<{ calls: number; usec: number }> {
  const info = await admin.info('commandstats');
  const match = /^cmdstat_evalsha:calls=(\d+),usec=(\d+)/m.exec(info);
  return { calls: Number(match?.[1] ?? 0), usec: Number(match?.[2] ?? 0) };
}

/** OTP_BENCH_PROFILE=<dir>: a CPU profile of each timed phase (verifications only, no setup). */
const PROFILE_DIR = process.env['OTP_BENCH_PROFILE'];
let profiler: Session | undefined;

async function timed(
  admin: Redis,
  name: string,
  total: number,
  task: (index: number) => Promise<void>,
): Promise<Phase> {
  const stats = await evalshaStats(admin);
  if (PROFILE_DIR !== undefined) {
    if (profiler === undefined) {
      profiler = new Session();
      profiler.connect();
      await profiler.post('Profiler.enable');
      await profiler.post('Profiler.setSamplingInterval', { interval: 50 });
    }
    await profiler.post('Profiler.start');
  }
  const cpu = process.cpuUsage();
  const seconds = await pool(total, CONCURRENCY, task);
  const spent = process.cpuUsage(cpu);
  if (profiler !== undefined) {
    const { profile } = await profiler.post('Profiler.stop');
    await writeFile(`${PROFILE_DIR}/${name}-${Date.now()}.cpuprofile`, JSON.stringify(profile));
  }
  const after = await evalshaStats(admin);
  return {
    cpuUs: (spent.user + spent.system) / total,
    perSecond: total / seconds,
    serverUs: (after.usec - stats.usec) / Math.max(1, after.calls - stats.calls),
  };
}

let phoneSeq = 0;
const nextPhone = (): string => `0532${String(++phoneSeq).padStart(7, '0')}`;

async function main(): Promise<void> {
  const server = await RedisServer.start();
  const admin = new Redis(server.url);
  const floorClient = new Redis(server.url);
  const storeClient = new Redis(server.url);
  const serviceClient = new Redis(server.url);
  try {
    const floor = new FloorVerify(floorClient, 'floor:', SECRET);
    await floor.load();
    const lockout = LOCKOUT ? { maxFailures: 10, windowMs: 900_000, lockMs: 900_000 } : undefined;
    const hasher = new OtpHasher(SECRET);
    const emptyBinding = hasher.bindingDigest('{"s":null,"b":[]}');
    const store = new RedisOtpStore({ client: storeClient, keyPrefix: 'store:' });
    const alone = new StoreAloneVerify(store, SECRET, lockout);
    const serviceStore = new RedisOtpStore({ client: serviceClient, keyPrefix: 'service:' });
    const transport = new CodeCaptureTransport();
    const otp = new OtpService(
      transport,
      otpOptionsFactory({
        transport,
        otp: { secret: SECRET, ...(LOCKOUT ? {} : { lockout: false }) },
      }),
      serviceStore,
    );
    console.log(
      `verify-focus: ${N} verifications per phase, concurrency ${CONCURRENCY}, ${ROUNDS} rounds, lockout ${LOCKOUT ? 'on' : 'off'}, Node ${process.version}`,
    );

    /** Challenges for the store alone: the same fields a service send writes. */
    const seedStore = async (count: number): Promise<Array<{ id: string; code: string }>> => {
      const seeded: Array<{ id: string; code: string }> = [];
      const now = Date.now();
      await pool(count, CONCURRENCY, async (i) => {
        const id = randomBytes(16).toString('base64url');
        const code = String(100_000 + ((i * 7919) % 900_000));
        const phone = `90532${String(++phoneSeq).padStart(7, '0')}`;
        await store.create(
          {
            challengeId: id,
            codeHash: hasher.codeHash(id, code, emptyBinding),
            bindingDigest: emptyBinding,
            phone,
            purpose: 'default',
            text: ['x'],
            createdAt: now,
            expiresAt: now + 180_000,
            resendAvailableAt: now + 30_000,
            retainUntil: now + 360_000,
            attempts: 0,
            maxAttempts: 5,
            resends: 0,
            sentAt: now,
            ...(lockout ? { lockoutKey: hasher.keyId('account-phone', phone) } : {}),
          },
          [],
          now,
          lockout,
        );
        seeded.push({ id, code });
      });
      return seeded;
    };
    const seedService = async (count: number): Promise<Array<{ id: string; code: string }>> => {
      const seeded: Array<{ id: string; code: string }> = [];
      await pool(count, CONCURRENCY, async () => {
        const phone = nextPhone();
        const { challengeId } = await otp.send({ phone });
        seeded.push({ id: challengeId, code: transport.codes.get(`90${phone.slice(1)}`)! });
      });
      return seeded;
    };

    const phases: Record<string, () => Promise<Phase>> = {
      floor: async () => {
        const challenges = await floor.seed(N);
        return timed(admin, 'floor', N, async (i) => {
          if (!(await floor.verify(challenges[i]!))) throw new Error('floor: not verified');
        });
      },
      store: async () => {
        const challenges = await seedStore(N);
        return timed(admin, 'store', N, async (i) => {
          const { id, code } = challenges[i]!;
          await alone.verify(id, code, 'default');
        });
      },
      service: async () => {
        const challenges = await seedService(N);
        return timed(admin, 'service', N, async (i) => {
          const { id, code } = challenges[i]!;
          const result = await otp.verify({ challengeId: id, code });
          if (!result.valid) throw new Error(`service: ${result.reason}`);
        });
      },
    };
    // OTP_BENCH_PHASES=floor,store: only those (e.g. under node --cpu-prof).
    const names = (process.env['OTP_BENCH_PHASES'] ?? 'floor,store,service').split(',');
    // Warm-up: a small round of each.
    for (const name of names) await phases[name]!();
    const results: Record<string, Phase[]> = Object.fromEntries(names.map((n) => [n, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (let k = 0; k < names.length; k++) {
        const name = names[(k + round) % names.length]!;
        results[name]!.push(await phases[name]!());
      }
    }
    const median = (values: number[]): number =>
      [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    const hasFloor = names.includes('floor');
    const ratio = (name: string, key: keyof Phase, inverse: boolean): number =>
      hasFloor
        ? median(
            results[name]!.map((m, i) =>
              inverse ? results['floor']![i]![key] / m[key] : m[key] / results['floor']![i]![key],
            ),
          )
        : Number.NaN;
    console.log(
      `\n${''.padEnd(44)}client CPU µs/op  server µs/script   verify/s   ÷ floor (verify/s, same round)`,
    );
    const labels: Record<string, string> = {
      floor: 'floor: HMAC + EVALSHA (minimal script)',
      store: 'Redis store alone: HMAC + attempt()',
      service: 'OtpService.verify on the Redis store',
    };
    const row = (name: string, ...cells: string[]): string =>
      `  ${labels[name]!.padEnd(42)}${cells[0]!.padStart(16)}${cells[1]!.padStart(18)}${cells[2]!.padStart(11)}${cells[3]!.padStart(10)}`;
    for (const name of names) {
      const list = results[name]!;
      console.log(
        row(
          name,
          median(list.map((m) => m.cpuUs)).toFixed(1),
          median(list.map((m) => m.serverUs)).toFixed(1),
          Math.round(median(list.map((m) => m.perSecond))).toLocaleString('en-US'),
          ratio(name, 'perSecond', false).toFixed(2),
        ),
      );
    }
    console.log('  per round (client CPU µs/op; server µs/script; verify/s):');
    for (const name of names) {
      const list = results[name]!;
      const each = (key: keyof Phase, digits: number): string =>
        list.map((m) => m[key].toFixed(digits)).join(' / ');
      console.log(
        `    ${labels[name]!.padEnd(42)} ${each('cpuUs', 1)};  ${each('serverUs', 1)};  ${each('perSecond', 0)}`,
      );
    }
    for (const name of names.filter((n) => n !== 'floor' && hasFloor)) {
      console.log(
        `\n  ${labels[name]} ÷ floor: verify/s ${ratio(name, 'perSecond', false).toFixed(2)}, client CPU ${ratio(name, 'cpuUs', true).toFixed(2)}, server time ${ratio(name, 'serverUs', true).toFixed(2)} (floor µs ÷ µs; medians of the per-round ratios)`,
      );
    }
  } finally {
    await admin.quit();
    await floorClient.quit();
    await storeClient.quit();
    await serviceClient.quit();
    await server.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
