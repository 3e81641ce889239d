/**
 * Child process of `bulk-campaigns-durable.e2e-spec.ts`: an instance that starts a durable
 * keyed campaign (no worker here) from a slow 50,000-recipient input and prints `read <n>`
 * as it reads, so the test can kill it with SIGKILL in the middle of reading.
 */
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { BulkSmsService, PostaGuverciniModule } from '../lib/index.js';

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
        durable: {
          connection: env('REDIS_URL'),
          prefix: env('BULK_PREFIX'),
          worker: false,
          starterLeaseMs: 2_000,
          pollIntervalMs: 50,
        },
      },
    }),
  ],
})
class StarterModule {}

const total = Number(env('RECIPIENTS'));
/** The i-th input entry: a number, now and then a repeat of an earlier one or a landline. */
const entry = (i: number): string =>
  i % 997 === 996
    ? `0532${String(i - 500).padStart(7, '0')}`
    : i % 1009 === 1008
      ? '0212 555 00 00'
      : `0532${String(i).padStart(7, '0')}`;
async function* input(): AsyncGenerator<string> {
  for (let i = 0; i < total; i++) {
    if (i % 1_000 === 0) {
      process.stdout.write(`read ${i}\n`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    yield entry(i);
  }
}

const app = await NestFactory.createApplicationContext(StarterModule, {
  logger: ['error', 'warn'],
});
const bulk = app.get(BulkSmsService);
process.stdout.write('ready\n');
const campaign = bulk.send({
  to: input(),
  text: 'Hesap özetiniz hazır',
  kind: 'informational',
  campaignKey: env('CAMPAIGN_KEY'),
});
await campaign.done;
process.stdout.write('done\n');
await app.close();
