// bench/shared — the client-bound replay server the benchmarks send to.
//
//   const replay = await startReplayServer({ proxy: true });
//   new JsonTransport({ accounts: replay.accounts });   // or replay.baseUrls.otp / .bulk
//   …
//   const { requests, connectionsOpened } = await replay.stats();
//   await replay.stop();
//
// A child process (its own event loop and core, so its CPU is never the client's) serving both
// host profiles on raw keep-alive sockets with the provider simulator's captured replies: the
// first request of each shape (profile, method, path, SOAP action / media type, number of
// recipients, number of message ids) is answered by an in-process simulator and captured, every
// later one is replayed from a prebuilt buffer, with message ids made unique (sends) or echoed
// from the request (status). So the server does almost no work per request and the client being
// measured is the bottleneck ("client-bound"). See replay.child.ts.
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { AccountsOptions } from '../../lib/transports/wire-transport.options.js';

export interface ReplayServerOptions {
  /** Credit of the simulator the replies are captured from. @default 1_000_000_000 */
  readonly credit?: number;
  /** Also start a forward proxy (CONNECT) in the child; its URL is `proxyUrl`. @default false */
  readonly proxy?: boolean;
}

/** Counters of the replay server since it started. */
export interface ReplayStats {
  readonly type: 'stats';
  /** TCP connections accepted on both ports. */
  readonly connectionsOpened: number;
  /** Requests answered (replayed + captured). */
  readonly requests: number;
  /** Requests answered from a captured reply. */
  readonly replayed: number;
  /** Requests forwarded to the simulator (first of their shape). */
  readonly captured: number;
  /** Requests answered with anything but HTTP 200. */
  readonly failedRequests: number;
  /** Distinct request shapes seen. */
  readonly shapes: number;
  /** CONNECT tunnels the forward proxy opened (0 without `proxy`). */
  readonly proxyTunnels: number;
  /** Resident set size of the child, bytes. */
  readonly rss: number;
}

/** @internal IPC from the child once it listens. */
export interface ReplayReady {
  readonly type: 'ready';
  readonly baseUrls: { readonly otp: string; readonly bulk: string };
  readonly accounts: AccountsOptions;
  readonly simulatorBaseUrls: { readonly otp: string; readonly bulk: string };
  readonly proxyUrl?: string;
}

/** @internal IPC to the child. */
export type ReplayCommand = { type: 'stats' } | { type: 'stop' };

/** A running replay server. */
export interface ReplayServer {
  /** Base URL per host profile (plain `http://127.0.0.1:port`). */
  readonly baseUrls: { readonly otp: string; readonly bulk: string };
  /** The simulator's default accounts, pointing at the replay server: pass as `accounts`. */
  readonly accounts: AccountsOptions;
  /** Base URLs of the simulator the replies come from (for a simulator-mode side, same child). */
  readonly simulatorBaseUrls: { readonly otp: string; readonly bulk: string };
  /** The forward proxy's URL, when started with `proxy: true`. */
  readonly proxyUrl?: string;
  /** The child's process id. */
  readonly pid: number;
  stats(): Promise<ReplayStats>;
  stop(): Promise<void>;
}

/** Starts the replay server in a child process. */
export async function startReplayServer(options: ReplayServerOptions = {}): Promise<ReplayServer> {
  const child: ChildProcess = fork(
    fileURLToPath(new URL('./replay.child.js', import.meta.url)),
    [JSON.stringify(options)],
    { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  );
  const [ready] = (await once(child, 'message')) as [ReplayReady];
  let queue: Promise<unknown> = Promise.resolve();
  return {
    baseUrls: ready.baseUrls,
    accounts: ready.accounts,
    simulatorBaseUrls: ready.simulatorBaseUrls,
    ...(ready.proxyUrl ? { proxyUrl: ready.proxyUrl } : {}),
    pid: child.pid!,
    stats() {
      // One question at a time: IPC replies carry no correlation id.
      const next = queue.then(async () => {
        const reply = once(child, 'message') as Promise<[ReplayStats]>;
        child.send({ type: 'stats' } satisfies ReplayCommand);
        return (await reply)[0];
      });
      queue = next.catch(() => undefined);
      return next;
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.send({ type: 'stop' } satisfies ReplayCommand);
      await exited;
    },
  };
}
