// Durable bulk mode against a password-protected Redis with the wrong password: the errors the
// package throws keep no credential anywhere in their cause chain. The shared Redis is never
// touched: this test starts its own throwaway redis-server (requirepass) on a free port.
import { inspect } from 'node:util';
import {
  BulkCampaignError,
  BulkSmsService,
  InMemoryTransport,
  PostaGuverciniError,
} from '../lib/index.js';
import { type DurableBulkOptions } from '../lib/bulk/bulk.options.js';
import { RedisServer } from './support/redis-server.js';

const RIGHT_PASSWORD = 'Right-Pa55word-4-Redis';
const WRONG_PASSWORD = 'S3cret-But-Wrong-Pa55';

/** Every way an application may print or ship an error, cause chain included. */
function printed(error: unknown): string {
  const chain: unknown[] = [];
  for (let e: unknown = error; e !== undefined && chain.length < 10; e = (e as Error).cause)
    chain.push(e);
  return [
    inspect(error, { depth: Infinity, showHidden: true }),
    JSON.stringify(error),
    String(error),
    ...chain.map((e) => `${String(e)}\n${(e as Error).stack ?? ''}\n${JSON.stringify(e)}`),
  ].join('\n');
}

describe('durable bulk mode with a wrong Redis password: no credential in any error', () => {
  let redis: RedisServer;
  let port: number;
  const services: BulkSmsService[] = [];
  /** Everything written to stdout/stderr meanwhile (Nest's logger writes there). */
  let output = '';
  const writes = { out: process.stdout.write, err: process.stderr.write };

  beforeAll(async () => {
    const capture =
      (stream: NodeJS.WriteStream, original: typeof process.stdout.write) =>
      (chunk: unknown, ...rest: unknown[]): boolean => {
        output += String(chunk);
        return (original as (...args: unknown[]) => boolean).call(stream, chunk, ...rest);
      };
    process.stdout.write = capture(process.stdout, writes.out);
    process.stderr.write = capture(process.stderr, writes.err);
    redis = await RedisServer.start({ requirepass: RIGHT_PASSWORD });
    port = redis.port;
  });

  afterEach(async () => {
    for (const service of services.splice(0)) await service.onApplicationShutdown();
  });

  afterAll(async () => {
    process.stdout.write = writes.out;
    process.stderr.write = writes.err;
    await redis.stop();
  });

  function service(connection: DurableBulkOptions['connection']): BulkSmsService {
    const bulk = new BulkSmsService(new InMemoryTransport(), {
      bulk: { durable: { connection, worker: false } },
    });
    services.push(bulk);
    return bulk;
  }

  it.each([
    ['a redis:// URL', () => `redis://:${WRONG_PASSWORD}@127.0.0.1:${port}`],
    [
      'a URL with a user and a percent-encoded password',
      () => `redis://app:${encodeURIComponent(`${WRONG_PASSWORD}/@`)}@127.0.0.1:${port}`,
    ],
    ['connection options', () => ({ host: '127.0.0.1', port, password: WRONG_PASSWORD })],
    [
      'connection options with a user',
      () => ({ host: '127.0.0.1', port, username: 'app', password: WRONG_PASSWORD }),
    ],
  ])(
    'campaign.done rejects with a BulkCampaignError whose cause chain is clean (%s)',
    async (_how, connection) => {
      const bulk = service(connection());
      const campaign = bulk.send({ to: ['05321234567'], text: 'Merhaba', kind: 'informational' });
      const error = await campaign.done.catch((e: unknown) => e);

      expect(error).toBeInstanceOf(BulkCampaignError);
      expect(error).toMatchObject({ code: 'CAMPAIGN_QUEUE_FAILED', report: { sent: 0 } });
      // The cause still says what went wrong…
      const cause = (error as Error).cause as Error;
      expect(cause).toBeInstanceOf(Error);
      expect(cause.message).toMatch(/WRONGPASS/);
      expect(cause.name).toBe('ReplyError');
      // …but carries nothing else of the driver's error (its command.args hold the password).
      expect(Object.keys(cause)).not.toContain('command');
      const text = printed(error);
      expect(text).not.toContain(WRONG_PASSWORD);
      expect(text).not.toContain(encodeURIComponent(WRONG_PASSWORD));
      expect(text).not.toMatch(/AUTH/);
    },
  );

  it('attach() throws a typed error with a clean cause chain, not the driver error', async () => {
    const bulk = service({ host: '127.0.0.1', port, password: WRONG_PASSWORD });
    const error = await bulk.attach('0b7f7d4e-0000-4000-8000-000000000000').catch((e) => e);
    expect(error).toBeInstanceOf(PostaGuverciniError);
    expect(error).toMatchObject({ code: 'CAMPAIGN_STORE_UNAVAILABLE' });
    expect((error as Error).cause).toBeInstanceOf(Error);
    expect(printed(error)).not.toContain(WRONG_PASSWORD);
  });

  it('an onRecipient error holding a credential-bearing URL is masked in the cause', async () => {
    const bulk = new BulkSmsService(new InMemoryTransport(), {});
    const boom = Object.assign(
      new Error(`insert failed on postgres://app:${WRONG_PASSWORD}@db/x`),
      {
        connectionString: `postgres://app:${WRONG_PASSWORD}@db/x`,
      },
    );
    const campaign = bulk.send({
      to: ['05321234567'],
      text: 'Merhaba',
      kind: 'informational',
      onRecipient: () => {
        throw boom;
      },
    });
    const error = await campaign.done.catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CAMPAIGN_SINK_FAILED' });
    expect(((error as Error).cause as Error).message).toBe('insert failed on postgres://***@db/x');
    expect(printed(error)).not.toContain(WRONG_PASSWORD);
  });

  it('the log lines written meanwhile name the failure but not the password', () => {
    expect(output).toMatch(/WRONGPASS/);
    expect(output).not.toContain(WRONG_PASSWORD);
    expect(output).not.toContain(encodeURIComponent(WRONG_PASSWORD));
  });
});
