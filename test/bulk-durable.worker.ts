/**
 * Child process of `bulk-durable.e2e-spec.ts`: a Nest application context whose only job is
 * the durable bulk worker, as a user would deploy it. Configured through the environment;
 * prints `ready` once the worker runs. The test transpiles it with lib/ into a cache folder and runs the JavaScript with plain node.
 */
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { PostaGuverciniModule } from '../lib/index.js';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

@Module({
  imports: [
    PostaGuverciniModule.forRoot({
      transport: 'json',
      accounts: {
        bulk: { username: 'bulk-user', password: 'bulk-secret', baseUrl: env('SIM_BULK_URL') },
      },
      bulk: {
        concurrency: 2,
        durable: {
          connection: env('REDIS_URL'),
          prefix: env('BULK_PREFIX'),
          lockDurationMs: 5_000,
          stalledIntervalMs: 1_000,
          providerDuplicateWindowMs: Number(env('DUPLICATE_WINDOW_MS')),
        },
      },
    }),
  ],
})
class BulkWorkerModule {}

const app = await NestFactory.createApplicationContext(BulkWorkerModule, {
  logger: ['error', 'warn'],
});
app.enableShutdownHooks();
process.stdout.write('ready\n');
