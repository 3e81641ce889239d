/**
 * Helpers for durable-mode e2e tests with child processes: the set-up both durable specs share
 * (`durableSuite`: the simulator, Redis, app instances, key prefixes and children, all cleaned
 * up after each test), the transpiling of lib/ and a child entry (isolated modules) into a
 * cache folder so the child runs on plain node, starting and stopping children, and removing a
 * test's Redis keys.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Redis } from 'ioredis';
import ts from 'typescript';
import { BulkSmsService, PostaGuverciniModule, type BulkModuleOptions } from '../lib/index.js';
import type { DurableBulkOptions } from '../lib/bulk/bulk.options.js';
import {
  PostaGuverciniSimulator,
  type PostaGuverciniSimulatorOptions,
} from '../lib/testing/index.js';

export const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
/** The set-up's and each slow test's time limit. */
export const TIMEOUT = 120_000;

/** What a durable spec's tests share; `sim` and `redis` exist once the suite has started. */
export interface DurableSuite {
  readonly sim: PostaGuverciniSimulator;
  readonly redis: Redis;
  /** Closed after each test. */
  readonly apps: INestApplication[];
  /** Stopped after each test. */
  readonly children: ChildHandle[];
  /** A key prefix of the test's own, whose keys are deleted after it. */
  newPrefix(): string;
  /**
   * An app instance on the simulator (`simulator`, the suite's by default) with durable bulk on
   * REDIS_URL, closed after the test: its `BulkSmsService`. The suite's defaults come first.
   */
  instance(
    durable: Partial<DurableBulkOptions> & { prefix: string },
    bulk?: Omit<BulkModuleOptions, 'durable'>,
    simulator?: PostaGuverciniSimulator,
  ): Promise<BulkSmsService>;
}

/**
 * Registers the set-up of a durable spec (call it in its `describe`): a simulator (with
 * `simulator` options) and a Redis client for the whole spec; after each test the children
 * stopped, the apps closed, the test's keys deleted and the simulator reset.
 */
export function durableSuite(defaults: {
  /** The first word of the spec's key prefixes. */
  readonly name: string;
  readonly simulator?: PostaGuverciniSimulatorOptions;
  readonly bulk?: Omit<BulkModuleOptions, 'durable'>;
  readonly durable?: Partial<DurableBulkOptions>;
}): DurableSuite {
  let sim: PostaGuverciniSimulator | undefined;
  let redis: Redis | undefined;
  const prefixes: string[] = [];
  const suite: DurableSuite = {
    get sim() {
      return sim!;
    },
    get redis() {
      return redis!;
    },
    apps: [],
    children: [],
    newPrefix() {
      const prefix = `pg-${defaults.name}-test-${process.pid}-${Date.now().toString(36)}-${prefixes.length}`;
      prefixes.push(prefix);
      return prefix;
    },
    async instance(durable, bulk = {}, simulator = suite.sim) {
      const moduleRef = await Test.createTestingModule({
        imports: [
          PostaGuverciniModule.forRoot({
            transport: 'json',
            accounts: simulator.accounts,
            bulk: {
              concurrency: 2,
              ...defaults.bulk,
              ...bulk,
              durable: {
                connection: REDIS_URL,
                pollIntervalMs: 50,
                ...defaults.durable,
                ...durable,
              },
            },
          }),
        ],
      }).compile();
      const app = moduleRef.createNestApplication();
      await app.init();
      suite.apps.push(app);
      return app.get(BulkSmsService);
    },
  };

  beforeAll(async () => {
    sim = new PostaGuverciniSimulator(defaults.simulator);
    await sim.start();
    redis = new Redis(REDIS_URL);
  }, TIMEOUT);

  afterEach(async () => {
    for (const child of suite.children.splice(0)) await stopChild(child);
    for (const app of suite.apps.splice(0)) await app.close();
    for (const prefix of prefixes.splice(0)) await deleteKeys(suite.redis, prefix);
    suite.sim.removeAllListeners('message');
    suite.sim.reset();
  }, TIMEOUT);

  afterAll(async () => {
    await redis?.quit();
    await sim?.stop();
  });

  return suite;
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CACHES = path.join(ROOT, 'node_modules', '.cache');

/**
 * Transpiles lib/ and the child entry `test/<entry>` (isolated modules) into
 * `node_modules/.cache/<cacheName>` so the child runs on plain node; each spec has its own cache
 * folder.
 */
export async function compileEntry(
  entry: string,
  cacheName = 'posta-guvercini-campaigns-e2e',
): Promise<string> {
  const CACHE = path.join(CACHES, cacheName);
  const sources: string[] = [path.join(ROOT, 'test', entry)];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (
        entry.name.endsWith('.ts') &&
        !entry.name.endsWith('.spec.ts') &&
        !entry.name.endsWith('.d.ts')
      )
        sources.push(full);
    }
  };
  await walk(path.join(ROOT, 'lib'));
  for (const source of sources) {
    const { outputText } = ts.transpileModule(await readFile(source, 'utf8'), {
      fileName: source,
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2022,
        experimentalDecorators: true,
        emitDecoratorMetadata: true,
      },
    });
    const target = path.join(CACHE, path.relative(ROOT, source)).replace(/\.ts$/, '.js');
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, outputText);
  }
  return path.join(CACHE, 'test', entry.replace(/\.ts$/, '.js'));
}

export interface ChildHandle {
  readonly child: ChildProcess;
  readonly exited: Promise<NodeJS.Signals | number | null>;
}

export async function startChild(
  script: string,
  env: Record<string, string>,
  onLine: (line: string) => void = () => undefined,
): Promise<ChildHandle> {
  const { NODE_OPTIONS: _ignored, ...parentEnv } = process.env;
  const child = spawn(process.execPath, [script], {
    env: { ...parentEnv, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ?? code)),
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) if (line) onLine(line);
      if (chunk.toString().includes('ready')) resolve();
    });
    void exited.then((how) =>
      reject(new Error(`worker exited (${String(how)}) before it was ready: ${stderr}`)),
    );
  });
  return { child, exited };
}

export async function stopChild(worker: ChildHandle | undefined): Promise<void> {
  if (!worker || worker.child.exitCode !== null || worker.child.signalCode !== null) return;
  worker.child.kill('SIGTERM');
  const timer = setTimeout(() => worker.child.kill('SIGKILL'), 10_000);
  await worker.exited;
  clearTimeout(timer);
}

export async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}
