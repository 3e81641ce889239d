import type { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { DurableModeUnavailableError } from '../../errors/bulk.errors.js';

/** The optional peers durable mode needs, loaded on first use only. */
export interface DurableDependencies {
  readonly Queue: typeof Queue;
  readonly Worker: typeof Worker;
  readonly Redis: typeof Redis;
}

/**
 * Loads `bullmq` and `ioredis` with dynamic `import()`, so that applications without durable
 * mode never need them installed. Throws `DurableModeUnavailableError` naming the missing one.
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
    throw new DurableModeUnavailableError(
      'bullmq/ioredis (unexpected exports; bullmq ≥ 5 and ioredis ≥ 5 are supported)',
    );
  }
  return { Queue: bullmq.Queue, Worker: bullmq.Worker, Redis: RedisClass };
}

async function load(name: string, importer: () => Promise<unknown>): Promise<unknown> {
  try {
    return await importer();
  } catch (error) {
    throw new DurableModeUnavailableError(name, { cause: error });
  }
}
