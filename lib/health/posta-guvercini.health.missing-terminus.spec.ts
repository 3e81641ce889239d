import { jest } from '@jest/globals';

// Simulates an application that never installed the optional peer @nestjs/terminus.
jest.unstable_mockModule('@nestjs/terminus', () => {
  throw Object.assign(new Error("Cannot find package '@nestjs/terminus'"), {
    code: 'ERR_MODULE_NOT_FOUND',
  });
});

const { PostaGuverciniHealthIndicator } = await import('./posta-guvercini.health.js');
const { InMemoryTransport } = await import('../transports/in-memory.transport.js');
const { resolveHealthOptions } = await import('./posta-guvercini-health.options.js');

describe('PostaGuverciniHealthIndicator without @nestjs/terminus', () => {
  it('is importable, and a check fails with an error that says what to install', async () => {
    const indicator = new PostaGuverciniHealthIndicator(
      new InMemoryTransport(),
      resolveHealthOptions({ transport: 'memory' }),
    );
    await expect(indicator.isHealthy()).rejects.toMatchObject({
      code: 'MISSING_PEER_DEPENDENCY',
      message: expect.stringContaining('npm install @nestjs/terminus') as string,
    });
    // Still the same clear error on the next check (the failed load is not cached as success).
    await expect(indicator.isHealthy()).rejects.toMatchObject({ code: 'MISSING_PEER_DEPENDENCY' });
  });
});
