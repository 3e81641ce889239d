// Child process of bench/transports: the provider simulator on its own thread (its own
// process), so the client being measured and the server do not share an event loop.
// Talks to the parent over IPC.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createProxy } from 'proxy';
import { PostaGuverciniSimulator } from '../../lib/testing/simulator/posta-guvercini.simulator.js';

export type SimulatorCommand = { type: 'stats' } | { type: 'reset' } | { type: 'stop' };

export interface SimulatorStats {
  readonly type: 'stats';
  readonly connectionsOpened: number;
  readonly requests: number;
  readonly messages: number;
  /** Requests answered with anything but HTTP 200. */
  readonly failedRequests: number;
  /** CONNECT tunnels the forward proxy opened so far. */
  readonly proxyTunnels: number;
}

const sim = new PostaGuverciniSimulator({ credit: 100_000_000 });
await sim.start();
// A real forward proxy (CONNECT), in this process too, so its CPU is not the client's.
const proxy = createProxy(createServer());
let proxyTunnels = 0;
proxy.on('connect', () => proxyTunnels++);
await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
process.send!({ type: 'ready', accounts: sim.accounts, proxyUrl });

process.on('message', (command: SimulatorCommand) => {
  switch (command.type) {
    case 'stats':
      process.send!({
        type: 'stats',
        connectionsOpened: sim.connectionsOpened,
        requests: sim.requests.length,
        messages: sim.messages.length,
        failedRequests: sim.requests.filter((r) => r.status !== 200).length,
        proxyTunnels,
      } satisfies SimulatorStats);
      break;
    case 'reset':
      sim.reset();
      process.send!({ type: 'reset' });
      break;
    case 'stop':
      proxy.closeAllConnections();
      proxy.close();
      void sim.stop().then(() => process.exit(0));
      break;
  }
});
