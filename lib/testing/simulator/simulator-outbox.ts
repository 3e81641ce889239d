import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { maskPhoneNumber } from '../../phone/phone-number.js';
import type { PostaGuverciniSimulator } from './posta-guvercini.simulator.js';
import type { SimulatedMessage, SimulatorProfile } from './simulator.types.js';

/** One message as the outbox's JSON list shows it. */
export interface SimulatorOutboxEntry {
  readonly id: string;
  /** Host profile the message went through: `otp` or `bulk`. */
  readonly profile: SimulatorProfile;
  /** API the request used: `http`, `xml`, `soap`, `json`. */
  readonly api: string;
  /** Canonical recipient, `905XXXXXXXXX`. */
  readonly to: string;
  /** The same number masked, as the terminal prints it. */
  readonly maskedTo: string;
  readonly text: string;
  readonly sender?: string;
  readonly sendAt?: string;
  readonly validUntil?: string;
  readonly createdAt: string;
  /** Current delivery status code of the message (`200`, `300`, `400`…). */
  readonly status?: number;
}

/** The one line (or, for a multi-line text, the few lines) the CLI prints for a message. */
export function formatSimulatedMessage(message: SimulatedMessage): string {
  const time = message.createdAt.toISOString().slice(11, 19);
  const profile = message.profile === 'otp' ? 'OTP ' : 'bulk';
  const sender = message.sender ? ` from ${message.sender}` : '';
  const text = message.text.replace(/\r?\n/g, '\n      ');
  return `${time}  ${profile} → ${maskPhoneNumber(message.to)}${sender} (${message.api}): ${text}`;
}

function toEntry(
  simulator: PostaGuverciniSimulator,
  message: SimulatedMessage,
): SimulatorOutboxEntry {
  const status = simulator.statusOf(message.id);
  return {
    id: message.id,
    profile: message.profile,
    api: message.api,
    to: message.to,
    maskedTo: maskPhoneNumber(message.to),
    text: message.text,
    ...(message.sender ? { sender: message.sender } : {}),
    ...(message.sendAt ? { sendAt: message.sendAt.toISOString() } : {}),
    ...(message.validUntil ? { validUntil: message.validUntil.toISOString() } : {}),
    createdAt: message.createdAt.toISOString(),
    ...(status ? { status: status.code } : {}),
  };
}

const MAX_LIMIT = 1_000;

/**
 * The messages a query asks for, newest first: `?to=` (any common number form), `?profile=otp`
 * or `bulk`, `?limit=` (default 100, at most 1000).
 */
function select(
  simulator: PostaGuverciniSimulator,
  query: URLSearchParams,
): SimulatorOutboxEntry[] {
  const profile = query.get('profile');
  const to = query.get('to');
  const canonical = to === null ? undefined : canonicalOf(to);
  const limit = Math.min(MAX_LIMIT, Math.max(1, Number(query.get('limit') ?? 100) || 100));
  const selected: SimulatorOutboxEntry[] = [];
  const messages = simulator.messages;
  for (let i = messages.length - 1; i >= 0 && selected.length < limit; i--) {
    const message = messages[i]!;
    if ((profile === 'otp' || profile === 'bulk') && message.profile !== profile) continue;
    if (to !== null && message.to !== canonical) continue;
    selected.push(toEntry(simulator, message));
  }
  return selected;
}

/** `0532 123 45 67`, `+90 532…`, `532…` → `905321234567` (as the simulator stores numbers). */
function canonicalOf(phone: string): string {
  let digits = phone.replace(/\D/g, '');
  if (digits.startsWith('00')) digits = digits.slice(2);
  if (digits.startsWith('90') && digits.length === 12) return digits;
  if (digits.startsWith('0')) digits = digits.slice(1);
  return `90${digits}`;
}

const escapeHtml = (text: string): string =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

/** Marks standalone runs of 4–10 digits (the one-time password) in an escaped text. */
const markCodes = (html: string): string =>
  html.replace(/(?<![\d.,])\d{4,10}(?![\d]|[.,]\d)/g, (code) => `<mark>${code}</mark>`);

function page(simulator: PostaGuverciniSimulator): string {
  const rows = select(simulator, new URLSearchParams({ limit: '200' }))
    .map(
      (m) =>
        `<tr data-profile="${m.profile}" data-to="${m.to}"><td>${escapeHtml(m.createdAt.slice(11, 19))}</td><td>${m.profile}</td><td>${escapeHtml(m.maskedTo)}</td><td class="text">${markCodes(escapeHtml(m.text))}</td><td>${m.status ?? ''}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="refresh" content="2">
<title>Posta Güvercini simulator · outbox</title>
<style>
body { font: 15px/1.4 system-ui, sans-serif; margin: 2rem; color: #1d2733; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid #dde3ea; vertical-align: top; }
td.text { white-space: pre-wrap; }
mark { background: #ffe58a; font-weight: 600; padding: 0 .15rem; }
p.empty { color: #5b6775; }
</style>
</head>
<body>
<h1>Outbox</h1>
<p>Every SMS the simulator accepted, newest first (this page reloads every 2 seconds). OTP host <code>${escapeHtml(simulator.otpBaseUrl)}</code>, bulk host <code>${escapeHtml(simulator.bulkBaseUrl)}</code>. As JSON: <a href="/messages">/messages</a> (<code>?to=</code>, <code>?profile=otp|bulk</code>, <code>?limit=</code>).</p>
${
  rows === ''
    ? '<p class="empty" id="empty">No SMS yet. Point your app at the hosts above and send one.</p>'
    : `<table><thead><tr><th>Time (UTC)</th><th>Host</th><th>To</th><th>Text</th><th>Status</th></tr></thead><tbody id="messages">\n${rows}\n</tbody></table>`
}
</body>
</html>
`;
}

function reply(
  res: ServerResponse,
  status: number,
  contentType: string,
  body: string,
  extra: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    ...extra,
  });
  res.end(body);
}

/**
 * The simulator's outbox for local development: `GET /` is an HTML page listing every SMS the
 * simulator accepted (newest first, codes highlighted), `GET /messages` the same as JSON
 * (`{ messages: SimulatorOutboxEntry[] }`), `DELETE /messages` forgets them
 * (`simulator.reset()`). Used by the `posta-guvercini-simulator` CLI.
 */
export class SimulatorOutboxServer {
  private server?: Server;
  private baseUrl?: string;

  /**
   * @param afterReset called after `DELETE /messages` reset the simulator, e.g. to inject a
   *   standing fault again (the CLI's `--latency`).
   */
  constructor(
    private readonly simulator: PostaGuverciniSimulator,
    private readonly afterReset: () => void = () => undefined,
  ) {}

  /** Listens on `host:port` (0: a free port); rejects with the `listen` error (`EADDRINUSE`…). */
  async start(port: number, host: string): Promise<void> {
    const server = createServer((req, res) => this.onRequest(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    const shown = host.includes(':') ? `[${host}]` : host;
    this.baseUrl = `http://${shown}:${(server.address() as AddressInfo).port}`;
  }

  /** `http://127.0.0.1:<port>` once started. */
  get url(): string {
    if (this.baseUrl === undefined) throw new Error('the outbox server is not running');
    return this.baseUrl;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server?.listening) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    req.resume();
    const url = new URL(req.url ?? '/', 'http://outbox.invalid');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    try {
      if (path === '/' && (req.method === 'GET' || req.method === 'HEAD')) {
        reply(res, 200, 'text/html; charset=utf-8', page(this.simulator));
      } else if ((path === '/messages' || path === '/messages.json') && req.method === 'GET') {
        const body = JSON.stringify({ messages: select(this.simulator, url.searchParams) });
        reply(res, 200, 'application/json; charset=utf-8', body);
      } else if (path === '/messages' && req.method === 'DELETE') {
        this.simulator.reset();
        this.afterReset();
        reply(res, 204, 'text/plain; charset=utf-8', '');
      } else if (path === '/' || path === '/messages') {
        reply(res, 405, 'text/plain; charset=utf-8', 'Method Not Allowed\n', {
          allow: path === '/' ? 'GET, HEAD' : 'GET, DELETE',
        });
      } else {
        reply(res, 404, 'text/plain; charset=utf-8', 'Not Found: try / or /messages\n');
      }
    } catch {
      reply(res, 500, 'text/plain; charset=utf-8', 'Internal Server Error\n');
    }
  }
}
