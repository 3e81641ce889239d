#!/usr/bin/env node
// `npm test`'s pretest step: builds dist/ when it is missing or older than the sources, so that
// the specs that use the built package (the documentation snippets, the simulator command, the
// samples started as their npm scripts do) never test a stale build. CI builds first
// (`.ci/run`), and then this does nothing.
//
//   node scripts/ensure-built.mjs
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** Written by scripts/build.mjs after both compilations: the build's time stamp. */
const STAMP = path.join(root, 'dist', 'cjs', 'package.json');
const INPUTS = ['tsconfig.json', 'tsconfig.build.json', 'tsconfig.cjs.json', 'scripts/build.mjs'];

function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) latest = Math.max(latest, newest(file));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts')) {
      latest = Math.max(latest, statSync(file).mtimeMs);
    }
  }
  return latest;
}

function mtime(file) {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

const built = mtime(STAMP);
const sources = Math.max(
  newest(path.join(root, 'lib')),
  ...INPUTS.map((file) => mtime(path.join(root, file)) ?? 0),
);
if (built !== undefined && built >= sources) process.exit(0);

process.stdout.write(
  built === undefined
    ? 'dist/ is missing: building it\n'
    : 'lib/ changed since the last build: rebuilding dist/\n',
);
const result = spawnSync(process.execPath, [path.join(root, 'scripts', 'build.mjs')], {
  cwd: root,
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
