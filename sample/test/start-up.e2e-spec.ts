/**
 * Both samples started the way `npm run sample` and `npm run sample:minimal` start them (the
 * compiled `main.js`, against the built package): they listen and answer, and a port that is
 * taken stops them with one line naming the port and `PORT`, exit code 1. Needs `npm run build`
 * first (as `.ci/run` does); compiles the samples with tsc.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { jest } from '@jest/globals';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const TSC = createRequire(import.meta.url).resolve('typescript/bin/tsc');

const SAMPLES = [
  {
    name: 'the full sample',
    project: 'sample/tsconfig.build.json',
    main: 'sample/dist/main.js',
    command: 'npm run sample',
  },
  {
    name: 'the minimal sample',
    project: 'sample/minimal/tsconfig.build.json',
    main: 'sample/minimal/dist/main.js',
    command: 'npm run sample:minimal',
  },
] as const;

jest.setTimeout(120_000);

function compile(project: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [TSC, '-p', project], { cwd: ROOT }, (error, stdout, stderr) =>
      error ? reject(new Error(`tsc -p ${project} failed:\n${stdout}${stderr}`)) : resolve(),
    );
  });
}

async function occupyPort(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as { port: number }).port, server };
}

/** The environment of a developer with no credentials: only what Node and the sample need. */
function env(port: number): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, PORT: String(port), HOST: '127.0.0.1' };
}

function run(main: string, port: number): ChildProcess {
  // cwd: a directory without .env, so a developer's real credentials are never read.
  return spawn(process.execPath, [path.join(ROOT, main)], {
    cwd: path.join(ROOT, 'test'),
    env: env(port),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function outputOf(child: ChildProcess): { text(): string; exit: Promise<number | null> } {
  let text = '';
  child.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { text: () => text, exit: new Promise((resolve) => child.once('exit', resolve)) };
}

describe.each(SAMPLES)('$name, started as `$command` does', ({ project, main, command }) => {
  beforeAll(() => compile(project));

  it('starts on the embedded simulator with no credentials and answers', async () => {
    const { port, server } = await occupyPort();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const child = run(main, port);
    const output = outputOf(child);
    try {
      await Promise.race([
        output.exit.then((code) => {
          throw new Error(`${command} exited (${code}):\n${output.text()}`);
        }),
        (async () => {
          while (!output.text().includes(`http://127.0.0.1:${port}`)) {
            await new Promise((resolve) => setTimeout(resolve, 50));
          }
        })(),
      ]);
      const response = await fetch(`http://127.0.0.1:${port}/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      // The minimal sample refuses a sign-in without a phone; the full sample has no /login
      // route (its pages are under /branch): either way the app answers.
      expect([400, 404]).toContain(response.status);
    } finally {
      child.kill('SIGTERM');
      await output.exit;
    }
  });

  it('a port that is taken: one line naming it and PORT, exit code 1', async () => {
    const { port, server } = await occupyPort();
    try {
      const child = run(main, port);
      const output = outputOf(child);
      expect(await output.exit).toBe(1);
      expect(output.text()).toBe(
        `Port ${port} is already in use: stop what is using it, or start the sample on another port with PORT=<n> ${command}\n`,
      );
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
