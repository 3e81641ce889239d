#!/usr/bin/env node
// Dual build: ESM (dist/esm, the package's own "type": "module") and CommonJS (dist/cjs, for
// NestJS 11 apps compiled to CommonJS). Both come from the same sources in lib/.
//
//   node scripts/build.mjs   clean dist/, compile both, mark dist/cjs as CommonJS, make the CLI executable
import { spawn } from 'node:child_process';
import { chmod, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const CLI = path.join(dist, 'esm', 'testing', 'simulator', 'cli.js');

/** Runs `tsc -p <project>`; resolves with the exit code and the compiler's output. */
function compile(project) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [tsc, '-p', project], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ project, code: code ?? 1, output }));
  });
}

async function exists(file) {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}

const started = Date.now();
await rm(dist, { recursive: true, force: true });

// The two compilations are independent; run them side by side.
const results = await Promise.all([compile('tsconfig.build.json'), compile('tsconfig.cjs.json')]);
let failed = false;
for (const { project, code, output } of results) {
  if (code !== 0) {
    failed = true;
    process.stderr.write(`\n✗ tsc -p ${project} failed (exit ${code}):\n${output}\n`);
  }
}
if (failed) process.exit(1);

// Node decides module format per nearest package.json: the root says "module", so the CJS
// tree needs its own marker.
await mkdir(path.join(dist, 'cjs'), { recursive: true });
await writeFile(
  path.join(dist, 'cjs', 'package.json'),
  `${JSON.stringify({ type: 'commonjs' }, null, 2)}\n`,
);

if (await exists(CLI)) {
  // `npm install` links the bin; it must start with a shebang and be executable.
  const source = await readFile(CLI, 'utf8');
  if (!source.startsWith('#!')) await writeFile(CLI, `#!/usr/bin/env node\n${source}`);
  await chmod(CLI, 0o755);
} else {
  process.stderr.write(
    `! ${path.relative(root, CLI)} not found: the posta-guvercini-simulator bin has no target yet\n`,
  );
}

process.stdout.write(
  `✓ built dist/esm and dist/cjs in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
);
