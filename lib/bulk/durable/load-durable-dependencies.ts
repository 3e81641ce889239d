import type { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { MissingDependencyError } from '../../errors/missing-dependency.error.js';
import { loadOptionalPeer } from '../../optional-peer.js';

/** The optional peers durable mode needs, loaded on first use only. */
export interface DurableDependencies {
  readonly Queue: typeof Queue;
  readonly Worker: typeof Worker;
  readonly Redis: typeof Redis;
}

/**
 * Loads `bullmq` and `ioredis` with dynamic `import()`, so that applications without durable
 * mode never need them installed. Throws `MissingDependencyError` naming the missing one.
 */
export async function loadDurableDependencies(): Promise<DurableDependencies> {
  const bullmq = (await load('bullmq', () => import('bullmq'))) as {
    Queue: typeof Queue;
    Worker: typeof Worker;
  };
  const ioredis = (await load('ioredis', () => import('ioredis'))) as {
    Redis?: typeof Redis;
    default?: typeof Redis;
  };
  const RedisClass = ioredis.Redis ?? ioredis.default;
  if (
    typeof bullmq.Queue !== 'function' ||
    typeof bullmq.Worker !== 'function' ||
    typeof RedisClass !== 'function'
  ) {
    throw new MissingDependencyError('bullmq/ioredis', FEATURE, {
      detail: 'unexpected exports; bullmq ≥ 5 and ioredis ≥ 5 are supported',
      install: INSTALL,
    });
  }
  return { Queue: bullmq.Queue, Worker: bullmq.Worker, Redis: RedisClass };
}

const FEATURE = 'bulk.durable (remove it to send campaigns in process)';
const INSTALL = 'npm install bullmq ioredis';

function load(name: string, importer: () => Promise<unknown>): Promise<unknown> {
  return loadOptionalPeer(name, FEATURE, importer);
}
