/**
 * The shape of lib/: every source file holds one job in at most ~300 lines (a longer file is one
 * cohesive algorithm and says so in a `Cohesive:` comment near its top), and no import cycle,
 * type-only imports included, runs between its files.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const LIB = path.join(ROOT, 'lib');
const MAX_LINES = 300;

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const found: string[] = [];
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await sourceFiles(full)));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts')) found.push(full);
  }
  return found;
}

const IMPORT = /^\s*(?:import|export)\s[^;]*?from\s+'(\.{1,2}\/[^']+)'/gms;

/** The lib/ files each file imports (relative `import`/`export … from`, type-only included). */
function importsOf(file: string, source: string): string[] {
  const found: string[] = [];
  for (const match of source.matchAll(IMPORT)) {
    found.push(path.resolve(path.dirname(file), match[1]!.replace(/\.js$/, '.ts')));
  }
  return found;
}

/** Each cycle found by a depth-first walk, as the files in it. */
function cycles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string): void => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (!graph.has(next)) continue;
      if (state.get(next) === 'open') found.push(stack.slice(stack.indexOf(next)));
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  return found;
}

describe('lib/ structure', () => {
  let files: Map<string, string>;

  beforeAll(async () => {
    const paths = await sourceFiles(LIB);
    files = new Map(
      await Promise.all(paths.map(async (p) => [p, await readFile(p, 'utf8')] as const)),
    );
  });

  const rel = (file: string): string => path.relative(ROOT, file);

  it(`keeps every source file under ${MAX_LINES} lines unless it says it is one cohesive algorithm`, () => {
    const long = [...files]
      .filter(([, source]) => source.split('\n').length - 1 > MAX_LINES)
      .filter(
        ([, source]) =>
          !/^\s*(?:\/\/|\*|\/\*\*?)\s*Cohesive:/m.test(source.split('\n').slice(0, 15).join('\n')),
      )
      .map(([file, source]) => `${rel(file)} (${source.split('\n').length - 1} lines)`);
    expect(long).toEqual([]);
  });

  it('has no import cycle between its files, type-only imports included', () => {
    const graph = new Map([...files].map(([file, source]) => [file, importsOf(file, source)]));
    // The walk must see the imports it checks: the module imports its providers, and so on.
    expect([...graph.values()].reduce((n, edges) => n + edges.length, 0)).toBeGreaterThan(
      files.size,
    );
    expect(cycles(graph).map((cycle) => cycle.map(rel).join(' → '))).toEqual([]);
  });
});
