import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import {
  SmsConnectionError,
  SmsMalformedResponseError,
  SmsTimeoutError,
} from '../../errors/transport.error.js';
import { WireClient } from './wire-client.js';

type Handler = (request: IncomingMessage, body: Buffer, response: ServerResponse) => void;

describe('WireClient', () => {
  let server: Server;
  let origin: string;
  let handler: Handler;
  const sockets = new Set<Socket>();
  let connections = 0;
  const clients: WireClient[] = [];

  const client = (timeoutMs = 2_000, maxConnections = 4, maxResponseBytes?: number): WireClient => {
    const created = new WireClient({
      timeoutMs,
      connections: maxConnections,
      ...(maxResponseBytes !== undefined ? { maxResponseBytes } : {}),
    });
    clients.push(created);
    return created;
  };
  const post = (wire: WireClient, body = 'user=u&password=top-secret') =>
    wire.post({ origin, path: '/api/echo', contentType: 'text/plain', body });

  beforeAll(async () => {
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => handler(request, Buffer.concat(chunks), response));
    });
    server.on('connection', (socket) => {
      connections++;
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('posts the body and returns status, body and content type; keeps connections alive', async () => {
    handler = (request, body, response) => {
      response.setHeader('Content-Type', 'Text/Plain; charset=ISO-8859-9');
      response.end(
        `${request.method} ${request.url} ${request.headers['content-type']} ${body.toString()}`,
      );
    };
    const wire = client(2_000, 1);
    const before = connections;
    for (let i = 0; i < 5; i++) {
      const reply = await post(wire, `n=${i}`);
      expect(reply.status).toBe(200);
      expect(reply.contentType).toBe('text/plain; charset=iso-8859-9');
      expect(reply.body.toString()).toBe(`POST /api/echo text/plain n=${i}`);
    }
    expect(connections - before).toBe(1);
  });

  it('returns non-2xx replies to the caller (the API decides what they mean)', async () => {
    handler = (_request, _body, response) => {
      response.statusCode = 503;
      response.end('busy');
    };
    const reply = await post(client());
    expect(reply.status).toBe(503);
    expect(reply.body.toString()).toBe('busy');
  });

  it('postAndRead resolves with what the reader makes of the reply and rejects with what it throws; the client goes on', async () => {
    handler = (_request, body, response) => response.end(`echo ${body.toString()}`);
    const wire = client(2_000, 1);
    const request = { origin, path: '/api/echo', contentType: 'text/plain', body: 'x' };
    await expect(
      wire.postAndRead(request, (reply) => `${reply.status} ${reply.body.toString()}`),
    ).resolves.toBe('200 echo x');
    const failure = new SmsMalformedResponseError('not what was expected');
    await expect(
      wire.postAndRead(request, () => {
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect((await post(wire, 'y')).body.toString()).toBe('echo y');
  });

  it('times out a request that was written: SmsTimeoutError with maybeAccepted', async () => {
    handler = () => {
      /* never answers */
    };
    const error = await post(client(150)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SmsTimeoutError);
    expect(error).toMatchObject({ code: 'TRANSPORT_TIMEOUT', timeoutMs: 150, maybeAccepted: true });
  });

  it('a request still waiting for a socket at the deadline is never written (maybeAccepted false)', async () => {
    const seen: string[] = [];
    handler = (_request, body) => {
      seen.push(body.toString());
    };
    const wire = client(200, 1);
    const [first, second] = await Promise.allSettled([post(wire, 'first'), post(wire, 'second')]);
    expect(first).toMatchObject({ status: 'rejected', reason: { maybeAccepted: true } });
    expect(second).toMatchObject({
      status: 'rejected',
      reason: { code: 'TRANSPORT_TIMEOUT', maybeAccepted: false },
    });
    // Give a late write a chance to show up: it must not.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(seen).toEqual(['first']);
  });

  it('maps a reset after writing to SmsConnectionError with maybeAccepted', async () => {
    handler = (request) => {
      request.socket.resetAndDestroy();
    };
    const error = await post(client()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SmsConnectionError);
    expect(error).toMatchObject({ code: 'TRANSPORT_CONNECTION', maybeAccepted: true });
  });

  it('maps a refused connection to SmsConnectionError without maybeAccepted', async () => {
    const closed = createTcpServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const wire = client();
    const error = await wire
      .post({
        origin: `http://127.0.0.1:${port}`,
        path: '/x',
        contentType: 'text/plain',
        body: 'password=top-secret',
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SmsConnectionError);
    expect(error).toMatchObject({ maybeAccepted: false });
    expect((error as Error).message).toContain('ECONNREFUSED');
  });

  it('refuses a reply that is not HTTP as malformed', async () => {
    const raw = createTcpServer((socket) => {
      socket.once('data', () => socket.end('HELLO THERE\r\n\r\n'));
    });
    await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
    const port = (raw.address() as AddressInfo).port;
    const error = await client()
      .post({
        origin: `http://127.0.0.1:${port}`,
        path: '/x',
        contentType: 'text/plain',
        body: 'x',
      })
      .catch((e: unknown) => e);
    await new Promise<void>((resolve) => raw.close(() => resolve()));
    expect(error).toBeInstanceOf(SmsMalformedResponseError);
  });

  it('refuses an over-large reply as malformed', async () => {
    handler = (_request, _body, response) => {
      response.end(Buffer.alloc(64 * 1024, 0x41));
    };
    const error = await post(client(2_000, 4, 1024)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SmsMalformedResponseError);
  });

  it('never puts the request body into an error', async () => {
    handler = (request) => request.socket.destroy();
    const error = await post(client(), 'user=u&password=top-secret').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SmsConnectionError);
    expect(
      `${String(error)} ${JSON.stringify(error)} ${String((error as Error).cause)}`,
    ).not.toContain('top-secret');
  });

  it('after close, a post fails without touching the network', async () => {
    const wire = client();
    await wire.close();
    const error = await post(wire).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SmsConnectionError);
    expect(error).toMatchObject({ maybeAccepted: false });
  });
});
