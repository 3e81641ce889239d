// Redis goes away mid-test and comes back. The shared Redis is never touched: this test starts
// its own throwaway redis-server on a free port (no persistence), stops it and restarts it.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { OtpStoreUnavailableError } from '../lib/errors/otp.errors.js';
import { RedisOtpStore } from '../lib/otp/stores/redis-otp.store.js';
import { ManualClock, PHONE, createService, lastCode, wrongCode } from './otp-fixtures.js';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Resolves once something on the port answers PING with PONG. */
async function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.setTimeout(500);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

async function waitFor(
  condition: () => Promise<boolean>,
  what: string,
  attempts = 200,
): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`gave up waiting for ${what}`);
}

/** A redis-server child process of this test only. */
class ThrowawayRedis {
  private child: ChildProcess | undefined;
  constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  async start(): Promise<void> {
    this.child = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        this.dir,
        '--loglevel',
        'warning',
      ],
      { stdio: 'ignore' },
    );
    await waitFor(() => answersPing(this.port), `redis-server on port ${this.port}`);
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child === undefined || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
}

describe('Redis outage', () => {
  let server: ThrowawayRedis;
  let dir: string;
  const closers: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'otp-redis-'));
    server = new ThrowawayRedis(await freePort(), dir);
    await server.start();
  });

  afterAll(async () => {
    for (const close of closers.reverse()) await close();
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('fails closed with OtpStoreUnavailableError while Redis is down, and works again when it is back', async () => {
    const url = `redis://127.0.0.1:${server.port}`;
    // The store's own client, and a client of the user's with ioredis defaults (offline queue on).
    const own = await RedisOtpStore.connect({
      url,
      keyPrefix: 'outage-own:',
      operationTimeoutMs: 300,
    });
    const userClient = new Redis(url);
    userClient.on('error', () => {});
    const given = new RedisOtpStore({
      client: userClient,
      keyPrefix: 'outage-given:',
      operationTimeoutMs: 300,
    });
    closers.push(
      () => own.close(),
      () => given.close(),
      () => userClient.quit().catch(() => userClient.disconnect()),
    );
    const clock = new ManualClock();
    const services = [createService(own, {}, clock), createService(given, {}, clock)];

    const challenges = [];
    for (const { service, transport } of services) {
      const { challengeId } = await service.send({ phone: PHONE });
      const code = lastCode(transport);
      await expect(service.verify({ challengeId, code: wrongCode(code) })).resolves.toMatchObject({
        reason: 'invalid',
      });
      challenges.push({ challengeId, code });
    }

    await server.stop();

    for (const [i, { service, transport }] of services.entries()) {
      const { challengeId, code } = challenges[i]!;
      // The right code is not accepted: the service cannot decide, so it says so.
      await expect(service.verify({ challengeId, code })).rejects.toBeInstanceOf(
        OtpStoreUnavailableError,
      );
      await expect(service.verify({ challengeId, code })).rejects.toMatchObject({
        code: 'OTP_STORE_UNAVAILABLE',
      });
      clock.advanceSeconds(30);
      await expect(service.resend(challengeId)).rejects.toBeInstanceOf(OtpStoreUnavailableError);
      // Nothing is sent while the store cannot record the challenge.
      const before = transport.outbox.length;
      await expect(service.send({ phone: PHONE })).rejects.toBeInstanceOf(OtpStoreUnavailableError);
      expect(transport.outbox).toHaveLength(before);
    }

    await server.start();

    for (const { service, transport } of services) {
      // Reconnection happens in the background; the first operations may still fail closed.
      let challengeId = '';
      await waitFor(async () => {
        try {
          ({ challengeId } = await service.send({ phone: '05329990011' }));
          return true;
        } catch (error) {
          if (error instanceof OtpStoreUnavailableError) return false;
          throw error;
        }
      }, 'the store to answer again');
      // The restarted server has no scripts loaded: EVALSHA falls back to EVAL.
      await expect(
        service.verify({ challengeId, code: lastCode(transport, '905329990011') }),
      ).resolves.toMatchObject({ valid: true });
    }
  });
});
