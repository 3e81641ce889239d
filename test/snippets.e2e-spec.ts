/**
 * The documentation's snippets are tests. `scripts/check-snippets.mjs` compiles every ```ts block
 * of README.md and docs/**\/*.md against the built package (dist/, `npm run build` first, as
 * `.ci/run` does); then this spec runs what a newcomer pastes:
 *
 * - README.md's Quick start (`app.module.ts` + `main.ts`), compiled, started as its own Node
 *   process against the provider simulator, and walked the way the README shows:
 *   challenge → 401 → retry with the code from the SMS → 201;
 * - every snippet named `*.spec.ts` (README.md's "Testing your app" and docs/testing.md's specs),
 *   run with Jest against the built package.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { createServer } from 'node:net';
import path from 'node:path';
import { jest } from '@jest/globals';
import { PostaGuverciniSimulator } from '../lib/testing/index.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const OUT = path.join(ROOT, 'test-artifacts', 'snippets-e2e');
const JEST = path.join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js');

interface SnippetEntry {
  readonly markdown: string;
  readonly line: number;
  readonly name?: string;
  readonly partial: boolean;
  readonly js: string;
}

function run(
  file: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { cwd: ROOT, env, maxBuffer: 16 * 1024 * 1024, timeout: 120_000 },
      (error, stdout, stderr) => {
        const code = error ? ((error as { code?: unknown }).code as number) : 0;
        resolve({ code: typeof code === 'number' ? code : 1, stdout, stderr });
      },
    );
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** POSTs JSON to the Quick start app; resolves with status and parsed body. */
async function post(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

jest.setTimeout(120_000);

describe('documentation snippets', () => {
  let compile: { code: number; stdout: string; stderr: string };
  let index: SnippetEntry[] = [];

  beforeAll(async () => {
    compile = await run(process.execPath, ['scripts/check-snippets.mjs', '--out', OUT]);
    if (compile.code === 0) {
      index = JSON.parse(await readFile(path.join(OUT, 'snippets.json'), 'utf8')) as SnippetEntry[];
    }
  });

  it('every ts block of README.md and docs/ compiles against the built package', () => {
    expect(compile.stderr).toBe('');
    expect(compile.code).toBe(0);
    expect(compile.stdout).toMatch(/^✓ \d+ TypeScript snippets/);
    // The Quick start and the testing specs are where the README points.
    const named = index.flatMap((s) => (s.name ? [`${s.markdown}: ${s.name}`] : []));
    expect(named).toEqual(
      expect.arrayContaining([
        'README.md: app.module.ts',
        'README.md: main.ts',
        'README.md: payments.spec.ts',
        'docs/testing.md: login.spec.ts',
        'docs/testing.md: login.simulator.spec.ts',
        'docs/testing.md: campaign.spec.ts',
      ]),
    );
  });

  it('README.md stays a ten-minute read that starts with the two set-up commands', async () => {
    const readme = await readFile(path.join(ROOT, 'README.md'), 'utf8');
    expect(readme.split('\n').length).toBeLessThanOrEqual(420);
    const commands = /^# nestjs-posta-guvercini\n\n```bash\n(.*)\n(.*)\n```/.exec(readme);
    expect(commands?.[1]).toMatch(/^npm install && npm run sample /);
    expect(commands?.[2]).toMatch(/^npm install && npm test /);
    const sections = [...readme.matchAll(/^## (.*)$/gm)].map((m) => m[1]);
    expect(sections.slice(0, 3)).toEqual(['What it does', 'Install', 'Quick start']);
    expect(sections).toEqual(
      expect.arrayContaining(['Testing your app', 'Local development', 'Documentation']),
    );
  });

  it('a snippet that does not compile fails the check, pointing at its Markdown line', async () => {
    const docs = await mkdtemp(path.join(os.tmpdir(), 'pg-snippets-'));
    try {
      await mkdir(path.join(docs, 'docs'));
      await writeFile(
        path.join(docs, 'README.md'),
        [
          '# Broken on purpose', // 1
          '', // 2
          '```ts', // 3
          "import { PostaGuverciniModule } from 'nestjs-posta-guvercini';", // 4
          "PostaGuverciniModule.forRoot({ transport: 'carrier-pigeon' });", // 5
          '```', // 6
          '', // 7
          '```ts partial', // 8
          'await otp.send({ phone: "05321234567" });', // 9
          '```', // 10
          '', // 11
          '```ts partail', // 12
          'export const fine = 1;', // 13
          '```', // 14
        ].join('\n'),
      );
      await writeFile(
        path.join(docs, 'docs', 'page.md'),
        ['```ts', '// a.ts', 'export {};', '```', '', '```ts', '// a.ts', 'export {};', '```'].join(
          '\n',
        ),
      );
      const broken = await run(process.execPath, [
        'scripts/check-snippets.mjs',
        '--docs',
        docs,
        '--out',
        path.join(ROOT, 'test-artifacts', 'snippets-broken'),
      ]);
      expect(broken.code).toBe(1);
      const lines = broken.stderr.split('\n');
      expect(lines).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^README\.md:5: error TS2322: .*carrier-pigeon/),
          "README.md:9: error TS2304: Cannot find name 'otp'.",
          'README.md:12: unknown info string word(s) after ts: partail (only "partial" is known)',
          'docs/page.md:6: two blocks are named a.ts; rename one (see scripts/check-snippets.mjs)',
        ]),
      );
      expect(broken.stdout).toBe('');
    } finally {
      await rm(docs, { recursive: true, force: true });
    }
  });

  describe("README.md's Quick start, run as pasted against the simulator", () => {
    const sim = new PostaGuverciniSimulator();
    let app: ChildProcess | undefined;
    let url = '';
    let output = '';

    beforeAll(async () => {
      expect(compile.code).toBe(0);
      await sim.start();
      const port = await freePort();
      url = `http://127.0.0.1:${port}`;
      const main = index.find((s) => s.markdown === 'README.md' && s.name === 'main.ts')!;
      app = spawn(process.execPath, [path.join(OUT, main.js)], {
        // No .env in this directory: the variables the README puts in .env come from here.
        cwd: OUT,
        env: {
          PATH: process.env.PATH,
          PORT: String(port),
          POSTA_GUVERCINI_OTP_USERNAME: 'otp-user',
          POSTA_GUVERCINI_OTP_PASSWORD: 'otp-secret',
          POSTA_GUVERCINI_OTP_BASE_URL: sim.otpBaseUrl,
          OTP_SECRET: randomBytes(48).toString('base64'),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      app.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      app.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const exited = new Promise<never>((_, reject) =>
        app!.once('exit', (code) =>
          reject(new Error(`the Quick start exited (${code}):\n${output}`)),
        ),
      );
      // Wait until it listens (Nest logs "successfully started").
      await Promise.race([
        exited,
        (async () => {
          while (app.exitCode === null) {
            try {
              await fetch(`${url}/`);
              return;
            } catch {
              await new Promise((resolve) => setTimeout(resolve, 100));
            }
          }
        })(),
      ]);
    });

    afterAll(async () => {
      if (app && app.exitCode === null) {
        const exited = new Promise((resolve) => app!.once('exit', resolve));
        app.kill('SIGTERM');
        await exited;
      }
      await sim.stop();
    });

    it('challenge → 401 → retry with the code from the SMS → 201', async () => {
      const payment = { amount: '149.90', payee: 'ACME' };
      const challenge = await post(`${url}/payments`, payment);
      expect(challenge.status).toBe(401);
      expect(challenge.body).toMatchObject({ maskedPhone: '+90 532 *** ** 67' });
      const challengeId = challenge.body.challengeId as string;
      expect(challengeId).toEqual(expect.any(String));

      const sms = sim.lastMessageTo('+90 532 123 45 67', 'otp');
      expect(sms?.text).toContain('149.90');
      expect(sms?.text).toContain('ACME');
      const code = /(?<!\d[.,]?)\d{6}(?![.,]?\d)/.exec(sms!.text)![0];

      const wrongAmount = await post(
        `${url}/payments`,
        { ...payment, amount: '1490.00' },
        { 'X-OTP-Challenge': challengeId, 'X-OTP-Code': code },
      );
      expect(wrongAmount.status).toBe(401);
      expect(wrongAmount.body).toMatchObject({ reason: 'invalid' });

      const paid = await post(`${url}/payments`, payment, {
        'X-OTP-Challenge': challengeId,
        'X-OTP-Code': code,
      });
      expect(paid.status).toBe(201);
      expect(paid.body).toMatchObject({ paid: '149.90', payee: 'ACME' });
      expect(output).not.toContain(code);
    });
  });

  it('the *.spec.ts snippets pass with Jest against the built package', async () => {
    expect(compile.code).toBe(0);
    const specs = index.filter((s) => /\.(e2e-)?spec\.ts$/.test(s.name ?? ''));
    expect(specs.length).toBeGreaterThanOrEqual(2);
    const config = {
      rootDir: path.join(OUT, 'js'),
      testMatch: ['**/*.spec.js'],
      transform: {},
      testEnvironment: 'node',
      setupFiles: ['reflect-metadata'],
      // The package as users import it, from dist/ (ES build).
      moduleNameMapper: {
        '^nestjs-posta-guvercini$': path.join(ROOT, 'dist', 'esm', 'index.js'),
        '^nestjs-posta-guvercini/testing$': path.join(ROOT, 'dist', 'esm', 'testing', 'index.js'),
      },
    };
    const result = await run(
      process.execPath,
      [JEST, '--config', JSON.stringify(config), '--ci', '--runInBand', '--no-cache'],
      { ...process.env, NODE_OPTIONS: '--experimental-vm-modules --no-warnings' },
    );
    const summary = /Tests:\s+(.*)/.exec(result.stderr)?.[1] ?? result.stderr;
    expect({ code: result.code, summary }).toEqual({
      code: 0,
      summary: expect.stringMatching(/^\d+ passed, \d+ total$/),
    });
    for (const spec of specs) {
      expect(result.stderr).toMatch(new RegExp(`^PASS .*/${spec.js.replace(/[.]/g, '\\.')}$`, 'm'));
    }
  });
});
