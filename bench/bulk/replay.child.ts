// Child process of bench/bulk, client-bound mode: a minimal HTTP server that replays the
// simulator's captured replies. The first request of each shape (path + recipient count) is
// forwarded to a real simulator and its reply captured; every later request of that shape gets
// the captured bytes back without parsing, so the sending process — not the server — is the
// bottleneck. Talks to the parent over IPC ({ type: 'stats' } → request count and CPU).
import { createServer, request as httpRequest } from 'node:http';
import { PostaGuverciniSimulator } from '../../lib/testing/simulator/posta-guvercini.simulator.js';

type Command = { type: 'stats' } | { type: 'stop' };

const sim = new PostaGuverciniSimulator({ credit: 50_000_000 });
await sim.start();
const upstream = new URL(sim.accounts.bulk!.baseUrl!);
const captured = new Map<string, { status: number; type: string; body: Buffer }>();
let requests = 0;

/** Recipients in a JSON Send_1_N body: counted by commas in `Receivers` (no JSON.parse). */
function shapeOf(url: string, body: Buffer): string {
  const text = body.toString('latin1');
  const at = text.indexOf('"Receivers":[');
  if (at < 0) return `${url}#${body.length}`;
  const end = text.indexOf(']', at);
  let count = 1;
  for (let i = at; i < end; i++) if (text.charCodeAt(i) === 44) count++;
  return `${url}#${count}`;
}

function forward(url: string, method: string, headers: Record<string, string>, body: Buffer) {
  return new Promise<{ status: number; type: string; body: Buffer }>((resolve, reject) => {
    const req = httpRequest(
      { host: upstream.hostname, port: upstream.port, path: url, method, headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 500,
            type: String(res.headers['content-type'] ?? 'application/json'),
            body: Buffer.concat(chunks),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    requests++;
    const body = Buffer.concat(chunks);
    const url = req.url ?? '/';
    const key = shapeOf(url, body);
    const hit = captured.get(key);
    const reply = hit
      ? Promise.resolve(hit)
      : forward(url, req.method ?? 'POST', req.headers as Record<string, string>, body).then(
          (r) => {
            if (r.status === 200) captured.set(key, r);
            return r;
          },
        );
    void reply.then((r) => {
      res.writeHead(r.status, { 'content-type': r.type, 'content-length': r.body.length });
      res.end(r.body);
    });
  });
});
server.keepAliveTimeout = 60_000;
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const address = server.address() as { port: number };
const baseUrl = `http://127.0.0.1:${address.port}`;
process.send!({
  type: 'ready',
  accounts: { otp: sim.accounts.otp, bulk: { ...sim.accounts.bulk, baseUrl } },
});

process.on('message', (command: Command) => {
  if (command.type === 'stats') {
    const cpu = process.cpuUsage();
    process.send!({
      type: 'stats',
      requests: { 'Send_1_N replayed': requests },
      messages: 0,
      distinct: 0,
      rss: process.memoryUsage.rss(),
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
    });
  } else if (command.type === 'stop') {
    server.close();
    void sim.stop().then(() => process.exit(0));
  }
});
