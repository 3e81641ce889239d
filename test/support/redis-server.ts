// A redis-server of a test's (or a benchmark's) own, on a free loopback port, with no
// persistence: for tests that stop Redis, protect it with a password, or count its commands,
// without touching the machine's shared Redis.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Whether a `redis-server` binary is on PATH. */
export function redisServerAvailable(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** A loopback port nothing listens on (free at the time of the call). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Whether a redis-server answers on the port: PONG, or NOAUTH when it wants a password
 * (within 500 ms).
 */
export function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.setTimeout(500);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.destroy();
      const reply = data.toString();
      resolve(reply.startsWith('+PONG') || reply.startsWith('-NOAUTH'));
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

export interface RedisServerOptions {
  /** The port to listen on (default: a free one); `restart()` keeps it. */
  readonly port?: number;
  /** `--requirepass`: clients must authenticate with it. */
  readonly requirepass?: string;
}

/** A running throwaway redis-server; `stop()` it (and its data directory goes too). */
export class RedisServer {
  private constructor(
    readonly port: number,
    private readonly options: RedisServerOptions,
    private readonly dir: string,
    private child: ChildProcess,
  ) {}

  /** `redis://127.0.0.1:<port>` (no credentials). */
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts one and waits until it answers (10 s at most). */
  static async start(options: RedisServerOptions = {}): Promise<RedisServer> {
    const port = options.port ?? (await freePort());
    const dir = await mkdtemp(path.join(tmpdir(), 'throwaway-redis-'));
    const server = new RedisServer(port, options, dir, RedisServer.spawn(port, options, dir));
    await server.ready();
    return server;
  }

  /** Whether the server answers now. */
  answers(): Promise<boolean> {
    return answersPing(this.port);
  }

  /** Stops the process (`SIGTERM`, or `SIGKILL` for an abrupt outage) and waits for its exit. */
  async kill(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill(signal);
    await exited;
  }

  /** Starts the process again on the same port, with the same options. */
  async restart(): Promise<void> {
    await this.kill();
    this.child = RedisServer.spawn(this.port, this.options, this.dir);
    await this.ready();
  }

  /** Stops the process and removes its data directory. */
  async stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    await this.kill(signal);
    await rm(this.dir, { recursive: true, force: true });
  }

  private async ready(): Promise<void> {
    for (let i = 0; i < 200; i++) {
      if (await this.answers()) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`redis-server did not answer on port ${this.port} within 10 s`);
  }

  private static spawn(port: number, options: RedisServerOptions, dir: string): ChildProcess {
    return spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
        ...(options.requirepass === undefined ? [] : ['--requirepass', options.requirepass]),
        '--loglevel',
        'warning',
      ],
      { stdio: 'ignore' },
    );
  }
}
