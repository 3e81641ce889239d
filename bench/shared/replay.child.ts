// Child process of bench/shared/replay-server.ts: a client-bound replay server.
//
// A minimal HTTP/1.1 server on raw `net` sockets (keep-alive, Content-Length or chunked request
// bodies, requests answered in order per connection) in front of an in-process provider
// simulator. The first request of each *shape* — profile, method, path, SOAP action/media
// type, number of recipients and number of message ids in it — is forwarded to the simulator
// and its reply captured; every later request of that shape gets the captured reply, replayed
// from a prebuilt buffer. Message ids (`C1_<GUID>`) in a replayed reply are replaced: by the
// request's own ids, in order, when it carries as many (status queries, so replies match what
// was asked), else by fresh unique ids (sends, so ids stay distinct). Everything else
// (charges, receivers echoed, status codes) is the captured reply of the first request of that
// shape. Talks to the parent over IPC (see replay-server.ts for the protocol).
import { createServer as createHttpServer } from 'node:http';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createProxy } from 'proxy';
import { request } from 'undici';
import { PostaGuverciniSimulator } from '../../lib/testing/simulator/posta-guvercini.simulator.js';
import type { ReplayCommand, ReplayReady, ReplayStats } from './replay-server.js';

type Profile = 'otp' | 'bulk';

const options = JSON.parse(process.argv[2] ?? '{}') as { credit?: number; proxy?: boolean };
const sim = new PostaGuverciniSimulator({ credit: options.credit ?? 1_000_000_000 });
await sim.start();
const simulatorUrl: Record<Profile, string> = { otp: sim.otpBaseUrl, bulk: sim.bulkBaseUrl };

/** A captured reply: the whole response (head and body) and where its message ids sit in it. */
interface Captured {
  readonly response: Buffer;
  readonly idOffsets: readonly number[];
  readonly status: number;
}

const ID = /C1_[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}/g;
const ID_LENGTH = 39;
const PHONE = /(?<![0-9])(?:90|0)?5[0-9]{9}(?![0-9])/g;
const captured = new Map<string, Captured>();
const pending = new Map<string, Promise<Captured>>();
let nextId = 1;
const stats = { connectionsOpened: 0, requests: 0, replayed: 0, captured: 0, failedRequests: 0 };

interface ParsedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

function count(regex: RegExp, text: string): number {
  regex.lastIndex = 0;
  let n = 0;
  while (regex.exec(text) !== null) n++;
  return n;
}

function idsOf(text: string): string[] {
  ID.lastIndex = 0;
  return text.match(ID) ?? [];
}

async function capture(profile: Profile, req: ParsedRequest): Promise<Captured> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (name === 'host' || name === 'connection' || name === 'keep-alive') continue;
    if (name === 'content-length' || name === 'transfer-encoding') continue;
    headers[name] = value;
  }
  const response = await request(`${simulatorUrl[profile]}${req.path}`, {
    method: req.method as 'POST',
    headers,
    body: req.method === 'GET' || req.method === 'HEAD' ? undefined : req.body,
  });
  const body = Buffer.from(await response.body.arrayBuffer());
  const contentType = response.headers['content-type'];
  let head = `HTTP/1.1 ${response.statusCode} ${response.statusCode === 200 ? 'OK' : 'Status'}\r\n`;
  if (contentType !== undefined) head += `content-type: ${String(contentType)}\r\n`;
  head += `content-length: ${body.length}\r\nconnection: keep-alive\r\nkeep-alive: timeout=30\r\n\r\n`;
  const headBytes = Buffer.from(head, 'latin1');
  const text = body.toString('latin1');
  const idOffsets: number[] = [];
  ID.lastIndex = 0;
  for (let match = ID.exec(text); match !== null; match = ID.exec(text))
    idOffsets.push(headBytes.length + match.index);
  stats.captured++;
  return {
    response: Buffer.concat([headBytes, body]),
    idOffsets,
    status: response.statusCode,
  };
}

/** The response to one request: the captured one with its ids replaced. */
function responseFor(entry: Captured, requestIds: readonly string[]): Buffer {
  if (entry.idOffsets.length === 0) return entry.response;
  const body = Buffer.from(entry.response);
  const echo = requestIds.length === entry.idOffsets.length;
  for (let i = 0; i < entry.idOffsets.length; i++) {
    const offset = entry.idOffsets[i]!;
    if (echo) body.write(requestIds[i]!, offset, ID_LENGTH, 'latin1');
    else body.write(freshId(), offset, ID_LENGTH, 'latin1');
  }
  return body;
}

/** `C1_` + an upper-case GUID-shaped id, unique in this process. */
function freshId(): string {
  const n = nextId++;
  return `C1_5EB1A7E0-0000-4000-8000-${n.toString(16).toUpperCase().padStart(12, '0')}`;
}

/** The shape of a request (what its reply depends on) and the message ids it carries. */
function shapeOf(profile: Profile, req: ParsedRequest): { key: string; ids: string[] } {
  const bodyText = req.body.toString('latin1');
  let ids = idsOf(bodyText);
  if (ids.length === 0) ids = idsOf(req.path);
  const phones = count(PHONE, bodyText) + count(PHONE, req.path);
  const path = req.path.split('?')[0]!.toLowerCase();
  const key = `${profile} ${req.method} ${path} ${req.headers['soapaction'] ?? ''} ${req.headers['content-type'] ?? ''} ${phones} ${ids.length}`;
  return { key, ids };
}

/** Counts one answered request. */
function answered(entry: Captured, ids: readonly string[], replayed: boolean): Buffer {
  stats.requests++;
  if (replayed) stats.replayed++;
  if (entry.status !== 200) stats.failedRequests++;
  return responseFor(entry, ids);
}

/** Captures the reply of a shape once; `first` tells whether this request was the one sent. */
async function captureOnce(
  profile: Profile,
  key: string,
  req: ParsedRequest,
): Promise<{ entry: Captured; first: boolean }> {
  let capturing = pending.get(key);
  const first = capturing === undefined;
  if (capturing === undefined) {
    capturing = capture(profile, req);
    pending.set(key, capturing);
  }
  const entry = await capturing;
  captured.set(key, entry);
  pending.delete(key);
  return { entry, first };
}

/** Parses requests off one connection and answers them in order. */
function serve(profile: Profile, socket: Socket): void {
  stats.connectionsOpened++;
  socket.setNoDelay(true);
  let buffered: Buffer = Buffer.alloc(0);
  let busy = false;
  const pump = (): void => {
    while (!busy) {
      const parsed = parse(buffered);
      if (parsed === undefined) return;
      if (parsed === 'bad') {
        socket.end('HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
        buffered = Buffer.alloc(0);
        return;
      }
      buffered = buffered.subarray(parsed.consumed);
      const req = parsed.request;
      const { key, ids } = shapeOf(profile, req);
      const entry = captured.get(key);
      if (entry !== undefined) {
        socket.write(answered(entry, ids, true));
        continue;
      }
      busy = true;
      captureOnce(profile, key, req).then(
        ({ entry: fresh, first }) => {
          socket.write(answered(fresh, ids, !first));
          busy = false;
          pump();
        },
        () => socket.destroy(),
      );
    }
  };
  socket.on('data', (chunk: Buffer) => {
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
    pump();
  });
  socket.on('error', () => socket.destroy());
}

const HEAD_END = Buffer.from('\r\n\r\n');

/** One request off the front of `data`; `undefined` when incomplete. */
function parse(data: Buffer): { request: ParsedRequest; consumed: number } | 'bad' | undefined {
  const end = data.indexOf(HEAD_END);
  if (end < 0) return data.length > 65_536 ? 'bad' : undefined;
  const lines = data.toString('latin1', 0, end).split('\r\n');
  const [method, path] = lines[0]!.split(' ');
  if (method === undefined || path === undefined) return 'bad';
  const headers: Record<string, string> = {};
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(':');
    if (colon > 0)
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const start = end + 4;
  if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
    const chunks: Buffer[] = [];
    let at = start;
    for (;;) {
      const lineEnd = data.indexOf('\r\n', at);
      if (lineEnd < 0) return undefined;
      const size = parseInt(data.toString('latin1', at, lineEnd), 16);
      if (!Number.isFinite(size)) return 'bad';
      if (size === 0) {
        const trailerEnd = data.indexOf('\r\n', lineEnd + 2);
        if (trailerEnd < 0) return undefined;
        return {
          request: { method, path, headers, body: Buffer.concat(chunks) },
          consumed: trailerEnd + 2,
        };
      }
      if (data.length < lineEnd + 2 + size + 2) return undefined;
      chunks.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
      at = lineEnd + 2 + size + 2;
    }
  }
  const length = Number(headers['content-length'] ?? 0);
  if (!Number.isInteger(length) || length < 0) return 'bad';
  if (data.length < start + length) return undefined;
  return {
    request: { method, path, headers, body: data.subarray(start, start + length) },
    consumed: start + length,
  };
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

const servers: Record<Profile, Server> = {
  otp: createServer((socket) => serve('otp', socket)),
  bulk: createServer((socket) => serve('bulk', socket)),
};
const baseUrls = {
  otp: `http://127.0.0.1:${await listen(servers.otp)}`,
  bulk: `http://127.0.0.1:${await listen(servers.bulk)}`,
};
let proxyUrl: string | undefined;
let proxyTunnels = 0;
const proxy = options.proxy ? createProxy(createHttpServer()) : undefined;
if (proxy) {
  proxy.on('connect', () => proxyTunnels++);
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
}
const simAccounts = sim.accounts;
process.send!({
  type: 'ready',
  baseUrls,
  accounts: {
    otp: { ...simAccounts.otp!, baseUrl: baseUrls.otp },
    bulk: { ...simAccounts.bulk!, baseUrl: baseUrls.bulk },
  },
  simulatorBaseUrls: simulatorUrl,
  ...(proxyUrl ? { proxyUrl } : {}),
} satisfies ReplayReady);

process.on('message', (command: ReplayCommand) => {
  switch (command.type) {
    case 'stats':
      process.send!({
        type: 'stats',
        ...stats,
        shapes: captured.size,
        proxyTunnels,
        rss: process.memoryUsage().rss,
      } satisfies ReplayStats);
      break;
    case 'stop':
      proxy?.closeAllConnections();
      proxy?.close();
      for (const server of Object.values(servers)) server.close();
      void sim.stop().then(() => process.exit(0));
      break;
  }
});
