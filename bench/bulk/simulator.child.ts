// Child process of bench/bulk: the provider simulator, so that the million messages it keeps
// in memory do not count against the sending process's RSS. Talks to the parent over IPC.
import { PostaGuverciniSimulator } from '../../lib/testing/simulator/posta-guvercini.simulator.js';

type Command = { type: 'stats' } | { type: 'stop' };

const sim = new PostaGuverciniSimulator({ credit: 50_000_000 });
await sim.start();
process.send!({ type: 'ready', accounts: sim.accounts });

process.on('message', (command: Command) => {
  if (command.type === 'stats') {
    const requests: Record<string, number> = {};
    for (const request of sim.requests) {
      if (request.profile !== 'bulk') continue;
      const key = `${request.operation} ${request.status}`;
      requests[key] = (requests[key] ?? 0) + 1;
    }
    const distinct = new Set<string>();
    for (const message of sim.messages) distinct.add(message.to);
    const cpu = process.cpuUsage();
    process.send!({
      type: 'stats',
      requests,
      messages: sim.messages.length,
      distinct: distinct.size,
      rss: process.memoryUsage.rss(),
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
    });
  } else if (command.type === 'stop') {
    void sim.stop().then(() => process.exit(0));
  }
});
