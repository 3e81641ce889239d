// Redis goes away mid-test and comes back. The shared Redis is never touched: this test starts
// its own throwaway redis-server on a free port (no persistence), stops it and restarts it.
import { Redis } from 'ioredis';
import { OtpStoreUnavailableError } from '../lib/errors/otp.errors.js';
import { RedisOtpStore } from '../lib/otp/stores/redis-otp.store.js';
import { ManualClock, PHONE, createService, lastCode, wrongCode } from './otp-fixtures.js';
import { RedisServer } from './support/redis-server.js';

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

describe('Redis outage', () => {
  let server: RedisServer;
  const closers: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    server = await RedisServer.start();
  });

  afterAll(async () => {
    for (const close of closers.reverse()) await close();
    await server.stop();
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

    await server.kill();

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

    await server.restart();

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
