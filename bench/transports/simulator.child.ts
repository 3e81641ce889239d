// Child process of bench/transports: the provider simulator on its own thread (its own
// process), so the client being measured and the server do not share an event loop.
// Talks to the parent over IPC.
import { PostaGuverciniSimulator } from '../../lib/testing/simulator/posta-guvercini.simulator.js';

export type SimulatorCommand = { type: 'stats' } | { type: 'reset' } | { type: 'stop' };

export interface SimulatorStats {
  readonly type: 'stats';
  readonly connectionsOpened: number;
  readonly requests: number;
  readonly messages: number;
  /** Requests answered with anything but HTTP 200. */
  readonly failedRequests: number;
}

const sim = new PostaGuverciniSimulator({ credit: 100_000_000 });
await sim.start();
process.send!({ type: 'ready', accounts: sim.accounts });

process.on('message', (command: SimulatorCommand) => {
  switch (command.type) {
    case 'stats':
      process.send!({
        type: 'stats',
        connectionsOpened: sim.connectionsOpened,
        requests: sim.requests.length,
        messages: sim.messages.length,
        failedRequests: sim.requests.filter((r) => r.status !== 200).length,
      } satisfies SimulatorStats);
      break;
    case 'reset':
      sim.reset();
      process.send!({ type: 'reset' });
      break;
    case 'stop':
      void sim.stop().then(() => process.exit(0));
      break;
  }
});
