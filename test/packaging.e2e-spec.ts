/**
 * The package as users get it: built, packed with `npm pack`, installed from the tarball into
 * two consumer apps (NestJS 12 ESM, NestJS 11 CommonJS) that boot `PostaGuverciniModule`.
 * Plus the manifest checks: every package lib/ imports is declared, optional peers are loaded
 * lazily, the `exports` map resolves both entries for `import` and `require`, the bin exists.
 *
 * Needs the npm registry (the fixtures install NestJS 11/12 and TypeScript); fails with a
 * clear message when it is unreachable. Set POSTA_GUVERCINI_KEEP_PACKAGING_DIR=1 to keep the
 * temporary directory for inspection.
 */
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import {
  access,
  cp,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { PostaGuverciniSimulator } from '../lib/testing/index.js';
import { freePort } from './support/redis-server.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const FIXTURES = path.join(ROOT, 'test', 'fixtures');
const NAME = 'nestjs-posta-guvercini';
const OPTIONAL_PEERS = ['ioredis', 'bullmq', '@nestjs/terminus', '@opentelemetry/api', 'axios'];
const MINUTE = 60_000;

interface PackageJson {
  name: string;
  type?: string;
  bin?: Record<string, string>;
  files?: string[];
  engines?: Record<string, string>;
  exports: Record<string, string | Record<string, Record<string, string>>>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

interface FixtureReport {
  fixture: string;
  format: 'esm' | 'cjs';
  entry: string;
  testingEntry: string;
  transport: string;
  transportFromTestingEntry: boolean;
  otp: { maskedPhone: string; valid: boolean };
  bulk: { sent: number; skipped: number; failed: number };
  outbox: string[];
}

interface FixtureRun {
  report: FixtureReport;
  nestVersion: string;
  dir: string;
}

/**
 * The environment for child npm/node processes: the user's npm configuration (registry,
 * cache, proxy) passes through; what `npm test` sets about this project and Jest does not.
 */
const OUTER_RUN =
  /^(npm_(package|lifecycle)_.*|npm_config_local_prefix|npm_command|npm_execpath|npm_node_execpath|INIT_CWD|NODE_OPTIONS)$/i;
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!OUTER_RUN.test(key)) env[key] = value;
  }
  return { ...env, npm_config_update_notifier: 'false', npm_config_fund: 'false' };
}

class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly output: string,
    reason: string,
  ) {
    super(`\`${command}\` ${reason}\n${output.split('\n').slice(-40).join('\n')}`);
  }
}

function run(
  command: string,
  args: string[],
  cwd: string,
  timeoutMs = 5 * MINUTE,
): Promise<{ stdout: string; stderr: string }> {
  const shown = [command, ...args].join(' ');
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { cwd, env: childEnv(), timeout: timeoutMs, maxBuffer: 32 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) {
          const reason = error.killed
            ? `was stopped after ${timeoutMs / 1000} s`
            : `failed (exit ${String(error.code)}) in ${path.relative(ROOT, cwd) || '.'}`;
          reject(new CommandError(shown, `${stdout}\n${stderr}`, reason));
        } else {
          resolve({ stdout, stderr });
        }
      },
    );
  });
}

const NETWORK_FAILURE = /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|E50[0-9]|network/i;

/** Runs an npm command that needs the registry; names the registry when that is the problem. */
async function npmOnline(args: string[], cwd: string): Promise<void> {
  try {
    await run('npm', args, cwd);
  } catch (error) {
    if (error instanceof CommandError && NETWORK_FAILURE.test(error.output)) {
      throw new Error(
        `The npm registry is unreachable, so the consumer fixture apps cannot be installed ` +
          `(the packaging test needs it). ${error.message}`,
        { cause: error },
      );
    }
    throw error;
  }
}

async function* walk(dir: string): AsyncGenerator<string> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(full);
    else yield full;
  }
}

/** Package name of a bare specifier: `@scope/name/sub` → `@scope/name`, `name/sub` → `name`. */
function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return (specifier.startsWith('@') ? parts.slice(0, 2) : parts.slice(0, 1)).join('/');
}

const IMPORT_PATTERNS = [
  /^\s*(?:import|export)\s[^'";]*?\sfrom\s*['"]([^'"]+)['"]/gm, // import … from 'x', export … from 'x'
  /^\s*import\s*['"]([^'"]+)['"]/gm, // import 'x'
  /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g, // import('x')
  /\brequire\(\s*['"]([^'"]+)['"]\s*\)/g, // require('x')
];

/** Every bare (non-relative, non-builtin) package the shipped sources in lib/ import. */
async function packagesImportedByLib(): Promise<Map<string, string[]>> {
  const used = new Map<string, string[]>();
  for await (const file of walk(path.join(ROOT, 'lib'))) {
    if (!file.endsWith('.ts') || file.endsWith('.spec.ts')) continue;
    const source = await readFile(file, 'utf8');
    for (const pattern of IMPORT_PATTERNS) {
      for (const [, specifier = '.'] of source.matchAll(pattern)) {
        if (specifier.startsWith('.') || specifier.startsWith('/') || isBuiltin(specifier))
          continue;
        const name = packageName(specifier);
        used.set(name, [...(used.get(name) ?? []), path.relative(ROOT, file)]);
      }
    }
  }
  return used;
}

/** Resolves and loads both entries under both conditions, from a consumer's point of view. */
const PROBE = `
import { createRequire } from 'node:module';
const require = createRequire(process.cwd() + '/probe.js');
const out = {};
for (const entry of ['${NAME}', '${NAME}/testing']) {
  const cjs = require(entry);
  const esm = await import(entry);
  out[entry] = {
    require: require.resolve(entry),
    import: new URL(import.meta.resolve(entry)).pathname,
    requireExports: Object.keys(cjs).sort(),
    importExports: Object.keys(esm).sort(),
  };
}
console.log(JSON.stringify(out));
`;

describe('packaging', () => {
  let manifest: PackageJson;
  let workDir: string;
  let tarball: string;
  const runs = new Map<string, FixtureRun>();
  let setupError: Error | undefined;

  beforeAll(async () => {
    manifest = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as PackageJson;
    workDir = await mkdtemp(path.join(os.tmpdir(), 'posta-guvercini-packaging-'));
    try {
      // Fail fast and clearly when the registry is down, before anything slow.
      await npmOnline(['ping', '--fetch-timeout=15000', '--fetch-retries=1'], workDir);

      // `npm pack` runs the `prepack` script (the build), so the tarball is the current source.
      await run('npm', ['pack', '--pack-destination', workDir], ROOT);
      const [packed, ...more] = (await readdir(workDir)).filter((f) => f.endsWith('.tgz'));
      if (packed === undefined || more.length > 0) throw new Error('npm pack made no single .tgz');
      tarball = path.join(workDir, packed);

      // Install and run both consumer apps side by side.
      await Promise.all(
        ['consumer-nest12-esm', 'consumer-nest11-cjs'].map(async (fixture) => {
          const dir = path.join(workDir, fixture);
          await cp(path.join(FIXTURES, fixture), dir, {
            recursive: true,
            filter: (src) => !/[/\\](node_modules|dist|package-lock\.json)$/.test(src),
          });
          await npmOnline(
            ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', tarball],
            dir,
          );
          await run('npm', ['run', '--silent', 'build'], dir);
          const { stdout } = await run('node', ['dist/main.js'], dir, MINUTE);
          const report = JSON.parse(stdout.trim().split('\n').pop() ?? '') as FixtureReport;
          const nest = JSON.parse(
            await readFile(path.join(dir, 'node_modules/@nestjs/core/package.json'), 'utf8'),
          ) as { version: string };
          runs.set(fixture, { report, nestVersion: nest.version, dir });
        }),
      );
    } catch (error) {
      setupError = error instanceof Error ? error : new Error(String(error));
    }
  }, 15 * MINUTE);

  afterAll(async () => {
    if (workDir !== undefined && process.env.POSTA_GUVERCINI_KEEP_PACKAGING_DIR !== '1') {
      await rm(workDir, { recursive: true, force: true });
    }
  });

  /** The setup's failure, reported by every test that depends on it. */
  function fixture(name: string): FixtureRun {
    if (setupError !== undefined) throw setupError;
    const result = runs.get(name);
    if (result === undefined) throw new Error(`fixture ${name} did not run`);
    return result;
  }

  describe('manifest', () => {
    it('declares every package that lib/ imports in dependencies or peerDependencies', async () => {
      const declared = new Set([
        ...Object.keys(manifest.dependencies ?? {}),
        ...Object.keys(manifest.peerDependencies ?? {}),
      ]);
      const used = await packagesImportedByLib();
      const undeclared = [...used]
        .filter(([name]) => !declared.has(name))
        .map(([name, files]) => `${name} (imported by ${[...new Set(files)].join(', ')})`);
      expect(undeclared).toEqual([]);
    });

    it('uses every runtime dependency it makes users install', async () => {
      const used = await packagesImportedByLib();
      const unused = Object.keys(manifest.dependencies ?? {}).filter((name) => !used.has(name));
      expect(unused).toEqual([]);
    });

    it('pins peers to explicit majors and marks ioredis, bullmq and @nestjs/terminus optional', () => {
      const peers = manifest.peerDependencies ?? {};
      for (const [name, range] of Object.entries(peers)) {
        expect(`${name}@${range}`).toMatch(/@\^\d+\.\d+\.\d+( \|\| \^\d+\.\d+\.\d+)*$/);
      }
      expect(peers['@nestjs/common']).toBe('^11.0.0 || ^12.0.0');
      expect(peers['@nestjs/core']).toBe('^11.0.0 || ^12.0.0');
      expect(peers.rxjs).toMatch(/^\^7\./);
      expect(peers['reflect-metadata']).toBeDefined();
      for (const name of OPTIONAL_PEERS) {
        expect(peers[name]).toBeDefined();
        expect(manifest.peerDependenciesMeta?.[name]?.optional).toBe(true);
      }
      expect(manifest.engines?.node).toBe('>=20.19.0');
      expect(manifest.files).toEqual(['dist']);
    });

    it('loads optional peers only lazily (no static import of them in the build)', async () => {
      if (setupError !== undefined) throw setupError;
      const offenders: string[] = [];
      const peers = OPTIONAL_PEERS.map((p) => p.replace('/', '\\/')).join('|');
      const staticImport = new RegExp(
        `^\\s*(?:import|export)\\s(?:[^'";]*?\\sfrom\\s*)?['"](?:${peers})(?:/[^'"]*)?['"]`,
        'm',
      );
      for await (const file of walk(path.join(ROOT, 'dist', 'esm'))) {
        if (!file.endsWith('.js')) continue;
        if (staticImport.test(await readFile(file, 'utf8')))
          offenders.push(path.relative(ROOT, file));
      }
      expect(offenders).toEqual([]);
    });

    it('resolves "." and "./testing" for import and require, with types, to files in the build', async () => {
      if (setupError !== undefined) throw setupError;
      for (const entry of ['.', './testing']) {
        const conditions = manifest.exports[entry];
        expect(typeof conditions).toBe('object');
        for (const condition of ['import', 'require'] as const) {
          const { types = '', default: main = '' } =
            (conditions as Record<string, Record<string, string> | undefined>)[condition] ?? {};
          expect(types).toMatch(/\.d\.ts$/);
          expect(main).toMatch(/\.js$/);
          await expect(stat(path.join(ROOT, types))).resolves.toBeTruthy();
          await expect(stat(path.join(ROOT, main))).resolves.toBeTruthy();
        }
      }

      // What Node itself resolves for a consumer of the installed package.
      const { dir } = fixture('consumer-nest12-esm');
      const { stdout } = await run('node', ['--input-type=module', '-e', PROBE], dir, MINUTE);
      const probe = JSON.parse(stdout) as Record<
        string,
        { require: string; import: string; requireExports: string[]; importExports: string[] }
      >;
      const installed = path.join(dir, 'node_modules', NAME);
      for (const [entry, folder] of [
        [NAME, ''],
        [`${NAME}/testing`, 'testing/'],
      ] as const) {
        const resolved = probe[entry];
        expect(resolved).toBeDefined();
        if (resolved === undefined) continue;
        expect(resolved.require).toBe(path.join(installed, `dist/cjs/${folder}index.js`));
        expect(resolved.import).toBe(path.join(installed, `dist/esm/${folder}index.js`));
        // The CommonJS and ES builds export the same names.
        expect(resolved.requireExports.length).toBeGreaterThan(0);
        expect(resolved.requireExports).toEqual(resolved.importExports);
      }
    });

    it('ships the posta-guvercini-simulator bin as an executable with a shebang', async () => {
      if (setupError !== undefined) throw setupError;
      const bin = manifest.bin?.['posta-guvercini-simulator'];
      expect(bin).toBe('./dist/esm/testing/simulator/cli.js');
      const file = path.join(ROOT, bin!);
      await expect(access(file, constants.X_OK)).resolves.toBeUndefined();
      expect((await readFile(file, 'utf8')).startsWith('#!/usr/bin/env node')).toBe(true);
    });

    it('links posta-guvercini-simulator into a consumer, and it runs', async () => {
      const { dir } = fixture('consumer-nest11-cjs');
      const bin = path.join(dir, 'node_modules', '.bin', 'posta-guvercini-simulator');
      const { stdout } = await run(bin, ['--help'], dir, MINUTE);
      expect(stdout).toContain('Usage: posta-guvercini-simulator');
    });
  });

  describe.each([
    ['consumer-nest12-esm', 'esm', 12, 'forRoot'],
    ['consumer-nest11-cjs', 'cjs', 11, 'forRootAsync'],
  ] as const)('%s', (name, format, nestMajor, registration) => {
    it(`installs the packed package and runs on NestJS ${nestMajor}`, () => {
      const { nestVersion } = fixture(name);
      expect(Number(nestVersion.split('.')[0])).toBe(nestMajor);
    });

    it(`loads the ${format} build through the exports map, both entries`, () => {
      const { report } = fixture(name);
      expect(report.format).toBe(format);
      expect(report.entry).toMatch(new RegExp(`node_modules/${NAME}/dist/${format}/index\\.js$`));
      expect(report.testingEntry).toMatch(
        new RegExp(`node_modules/${NAME}/dist/${format}/testing/index\\.js$`),
      );
      // One copy of the classes: the module's transport is the testing entry's InMemoryTransport.
      expect(report.transportFromTestingEntry).toBe(true);
    });

    it(`boots PostaGuverciniModule.${registration}() (global), verifies an OTP, runs a bulk campaign`, () => {
      const { report } = fixture(name);
      expect(report.transport).toBe('memory');
      expect(report.otp).toEqual({ maskedPhone: '+90 532 *** ** 67', valid: true });
      expect(report.bulk).toEqual({ sent: 2, skipped: 1, failed: 0 });
      expect(report.outbox).toEqual(['905321234567', '905331112233', '905334445566']);
    });
  });

  describe("README.md's Quick start on NestJS 11 (CommonJS), with the packed package", () => {
    it(
      'compiles with the classic `nest new` tsconfig and walks challenge → 401 → code → 201',
      async () => {
        const { dir } = fixture('consumer-nest11-cjs');
        // The two files of the Quick start, as a user pastes them into `src/`.
        const readme = await readFile(path.join(ROOT, 'README.md'), 'utf8');
        const start = readme.indexOf('\n## Quick start');
        const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
        const files = new Map<string, string>();
        for (const [, code] of section.matchAll(/```ts\n([\s\S]*?)```/g)) {
          const name = /^\/\/ (\S+\.ts)/.exec(code!)?.[1];
          if (name !== undefined) files.set(name, code!);
        }
        expect([...files.keys()].sort()).toEqual(['app.module.ts', 'main.ts']);
        const app = path.join(dir, 'quickstart');
        await mkdir(path.join(app, 'src'), { recursive: true });
        for (const [name, code] of files) await writeFile(path.join(app, 'src', name), code);
        await writeFile(
          path.join(app, 'tsconfig.json'),
          JSON.stringify({
            extends: '../tsconfig.json',
            compilerOptions: { rootDir: './src', outDir: './dist' },
            include: ['src'],
          }),
        );
        // What the Quick start asks to install besides the package, in their NestJS 11 majors.
        await npmOnline(
          [
            'install',
            '--no-audit',
            '--no-fund',
            '--prefer-offline',
            '--loglevel=error',
            '@nestjs/config@^4',
            '@nestjs/platform-express@^11',
          ],
          dir,
        );
        await run(path.join(dir, 'node_modules', '.bin', 'tsc'), ['-p', 'quickstart'], dir);

        const sim = new PostaGuverciniSimulator();
        await sim.start();
        const port = await freePort();
        const url = `http://127.0.0.1:${port}`;
        let output = '';
        const child = spawn(process.execPath, [path.join(app, 'dist', 'main.js')], {
          cwd: app,
          env: {
            PATH: process.env['PATH'],
            PORT: String(port),
            POSTA_GUVERCINI_OTP_USERNAME: 'otp-user',
            POSTA_GUVERCINI_OTP_PASSWORD: 'otp-secret',
            POSTA_GUVERCINI_OTP_BASE_URL: sim.otpBaseUrl,
            OTP_SECRET: randomBytes(48).toString('base64'),
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
        try {
          for (let i = 0; ; i++) {
            if (child.exitCode !== null) throw new Error(`the Quick start exited:\n${output}`);
            if (i > 300) throw new Error(`the Quick start did not listen in 30 s:\n${output}`);
            const up = await fetch(`${url}/`).then(
              () => true,
              () => false,
            );
            if (up) break;
            await new Promise((resolve) => setTimeout(resolve, 100));
          }
          const post = async (body: object, headers: Record<string, string> = {}) => {
            const response = await fetch(`${url}/payments`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', ...headers },
              body: JSON.stringify(body),
            });
            return {
              status: response.status,
              body: (await response.json()) as Record<string, unknown>,
            };
          };
          const payment = { amount: '149.90', payee: 'ACME' };
          const challenge = await post(payment);
          expect(challenge.status).toBe(401);
          const challengeId = challenge.body['challengeId'] as string;
          const sms = sim.lastMessageTo('+90 532 123 45 67', 'otp');
          expect(sms?.text).toContain('149.90');
          const code = /(?<!\d[.,]?)\d{6}(?![.,]?\d)/.exec(sms!.text)![0];
          const paid = await post(payment, { 'X-OTP-Challenge': challengeId, 'X-OTP-Code': code });
          expect(paid.status).toBe(201);
          expect(paid.body).toMatchObject({ paid: '149.90', payee: 'ACME' });
          expect(output).not.toContain(code);
        } finally {
          if (child.exitCode === null) {
            const exited = new Promise((resolve) => child.once('exit', resolve));
            child.kill('SIGTERM');
            await exited;
          }
          await sim.stop();
        }
      },
      5 * MINUTE,
    );
  });
});
