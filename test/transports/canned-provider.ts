import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as the canned provider received it. */
export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** A reply to give, exactly. */
export interface CannedReply {
  readonly status?: number;
  readonly contentType?: string;
  /** A string is sent as UTF-8 unless `latin5` is set; a Buffer as it is. */
  readonly body: string | Buffer;
  /** Encode a string body as ISO-8859-9 (for the HTTP and XML APIs). */
  readonly latin5?: boolean;
}

const LATIN5_SWAPS: Readonly<Record<string, number>> = {
  Ğ: 0xd0,
  İ: 0xdd,
  Ş: 0xde,
  ğ: 0xf0,
  ı: 0xfd,
  ş: 0xfe,
};

/**
 * For unit tests of the wire formats: a local server that records each request exactly and
 * answers with the next canned reply, so a spec can assert the exact bytes a transport sends
 * and how it reads an exact reply. (Behaviour is tested against the simulator.)
 */
export class CannedProvider {
  readonly received: ReceivedRequest[] = [];
  private readonly replies: CannedReply[] = [];
  private server?: Server;

  async start(): Promise<string> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        this.received.push({
          method: request.method ?? '',
          path: request.url ?? '',
          headers: request.headers,
          body: Buffer.concat(chunks),
        });
        const reply = this.replies.shift() ?? { status: 599, body: 'no canned reply left' };
        const body =
          typeof reply.body === 'string'
            ? reply.latin5
              ? Buffer.from([...reply.body].map((c) => LATIN5_SWAPS[c] ?? c.charCodeAt(0)))
              : Buffer.from(reply.body, 'utf8')
            : reply.body;
        response.writeHead(reply.status ?? 200, {
          'content-type': reply.contentType ?? 'text/plain',
          'content-length': body.length,
        });
        response.end(body);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Queues replies, answered in order. */
  reply(...replies: CannedReply[]): this {
    this.replies.push(...replies);
    return this;
  }

  /** The last request's body as text (`latin1` keeps single bytes visible as themselves). */
  lastBody(encoding: BufferEncoding = 'utf8'): string {
    return this.received[this.received.length - 1]!.body.toString(encoding);
  }

  clear(): void {
    this.received.length = 0;
    this.replies.length = 0;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
