import { jest } from '@jest/globals';

/**
 * terminus 11's `HealthIndicatorService`: sessions with `up` and `down` only (no `degraded`,
 * which came with 12). NestJS 11 applications use it.
 */
class Terminus11HealthIndicatorService {
  check(key: string) {
    const compose =
      (status: string) =>
      (data: Record<string, unknown> = {}) => ({
        [key]: { ...data, status },
      });
    return { up: compose('up'), down: compose('down') };
  }
}
jest.unstable_mockModule('@nestjs/terminus', () => ({
  HealthIndicatorService: Terminus11HealthIndicatorService,
}));

const { PostaGuverciniHealthIndicator } = await import('./posta-guvercini.health.js');
const { InMemoryTransport } = await import('../transports/in-memory.transport.js');
const { resolveHealthOptions } = await import('./posta-guvercini-health.options.js');

describe('PostaGuverciniHealthIndicator on @nestjs/terminus 11 (no degraded state)', () => {
  it('reports low credit as up with lowCredit: true and the warning, so the check still passes', async () => {
    const indicator = new PostaGuverciniHealthIndicator(
      new InMemoryTransport({ credit: 50 }),
      resolveHealthOptions({ transport: 'memory' }),
    );
    const result = await indicator.isHealthy('sms', { creditThreshold: 100 });
    expect(result.sms).toMatchObject({
      status: 'up',
      lowCredit: true,
      message: expect.stringContaining('credit is low') as string,
      otp: { balance: 50, threshold: 100, lowCredit: true },
    });
  });

  it("still fails the check on low credit with lowCredit: 'down'", async () => {
    const indicator = new PostaGuverciniHealthIndicator(
      new InMemoryTransport({ credit: 50 }),
      resolveHealthOptions({ transport: 'memory' }),
    );
    const result = await indicator.isHealthy('sms', { creditThreshold: 100, lowCredit: 'down' });
    expect(result.sms.status).toBe('down');
  });
});
