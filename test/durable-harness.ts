/**
 * Helpers for durable-mode e2e tests with child processes: transpiles lib/ and a child entry
 * (isolated modules) into a cache folder so the child runs on plain node, starts and stops
 * children, and removes a test's Redis keys.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import ts from 'typescript';

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
