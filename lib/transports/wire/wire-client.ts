import type { Dispatcher } from 'undici';
import { type Deadlined, DeadlineQueue } from './deadline-queue.js';
import { createDispatcher, HeaderCache, headersOf } from './undici-dispatcher.js';
import {
  SmsConnectionError,
  SmsMalformedResponseError,
  SmsTimeoutError,
  type SmsTransportError,
} from '../../errors/transport.error.js';
import type { ResolvedProxy, ResolvedTls } from './connectivity.js';

/** One POST to the provider. */
export interface WireRequest {
  /** `https://host[:port]`, from the account's resolved base URL. Never carries credentials. */
  readonly origin: string;
  /** Absolute path, e.g. `/api_http/sendsms.asp`. Never carries credentials. */
  readonly path: string;
  readonly contentType: string;
  /** Extra headers (e.g. `SOAPAction`). */
  readonly headers?: Readonly<Record<string, string>>;
  /** The body; credentials travel here and nowhere else. */
  readonly body: Buffer | string;
}

/** The raw answer, whatever the HTTP status (callers decide what a status means for their API). */
export interface WireResponse {
  readonly status: number;
  readonly body: Buffer;
  /** The `Content-Type` header, lower-cased, if any. */
  readonly contentType: string | undefined;
}

/**
 * The HTTP client a wire transport posts through: the built-in undici client (`WireClient`) or
 * the application's own axios instance (`AxiosWireClient`). Both resolve with the raw reply
 * whatever its status and reject with the same typed `SmsTransportError`s, with the same
 * `maybeAccepted` rules.
 */
export interface WireHttpClient {
  /** POSTs the request and resolves with the reply, or rejects with a typed `SmsTransportError`. */
  post(request: WireRequest): Promise<WireResponse>;
  /**
   * `post(request).then(read)`: resolves with what `read` makes of the reply, or rejects with
   * the typed error of the exchange or what `read` throws. The undici client reads the reply
   * as soon as it is complete, without a second promise.
   */
  postAndRead<R>(request: WireRequest, read: (response: WireResponse) => R): Promise<R>;
  /** Stops using the client; waits for in-flight exchanges. */
  close(): Promise<void>;
}

export interface WireClientOptions {
  /** Time limit for one exchange: waiting for a socket, connecting, writing and reading the whole reply. */
  readonly timeoutMs: number;
  /** Keep-alive connections per origin. */
  readonly connections: number;
  /** Replies larger than this are refused as malformed. @default 8 MiB */
  readonly maxResponseBytes?: number;
  /** Egress proxy (tunnelled with CONNECT). */
  readonly proxy?: ResolvedProxy;
  /** TLS settings for the provider's hosts (and an `https://` proxy). */
  readonly tls?: ResolvedTls;
}

export const DEFAULT_MAX_RESPONSE_BYTES = 8 * 1024 * 1024;
/** Error codes that mean the connection could not be made at all (nothing was written). */
const CONNECT_CODES: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host name not found (DNS)',
  EAI_AGAIN: 'DNS lookup failed temporarily',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  UND_ERR_CONNECT_TIMEOUT: 'connect timeout',
};

/**
 * The one keep-alive HTTP client of a wire transport: an undici `Agent` with a fixed number of
 * connections per origin, and one deadline per exchange covering the wait for a free socket,
 * the connect, the write and the whole reply.
 *
 * Requests go through `Agent.dispatch` with a small handler (no stream objects per request),
 * which also tells exactly when a request starts being written: failures before that point
 * carry `maybeAccepted: false` (the provider cannot have seen the request), failures after it
 * carry `maybeAccepted: true`.
 *
 * Errors never include the request body (where the credentials are); they name the origin and
 * path only.
 */
export class WireClient implements WireHttpClient {
  private readonly agent: Dispatcher;
  /** @internal */
  readonly timeoutMs: number;
  /** @internal */
  readonly maxResponseBytes: number;
  private readonly deadlines: DeadlineQueue;
  /**
   * Request headers per content type / extra-header set, built once (undici only reads them).
   * Not with a proxy: undici's `ProxyAgent` writes `host` into the object it is given.
   */
  private readonly headerCache: HeaderCache | undefined;
  private closed = false;

  constructor(options: WireClientOptions) {
    this.timeoutMs = options.timeoutMs;
    this.maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    this.agent = createDispatcher(options);
    this.deadlines = new DeadlineQueue(options.timeoutMs);
    this.headerCache = options.proxy === undefined ? new HeaderCache() : undefined;
  }

  /** POSTs the request and resolves with the reply, or rejects with a typed `SmsTransportError`. */
  post(request: WireRequest): Promise<WireResponse> {
    return this.postAndRead(request, undefined);
  }

  postAndRead<R>(
    request: WireRequest,
    read: ((response: WireResponse) => R) | undefined,
  ): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const exchange = new Exchange(
        request,
        this,
        read,
        resolve as (value: unknown) => void,
        reject,
      );
      this.deadlines.add(exchange);
      this.agent.dispatch(
        {
          origin: request.origin,
          path: request.path,
          method: 'POST',
          headers: this.headerCache?.get(request) ?? headersOf(request),
          body: request.body,
        },
        exchange,
      );
    });
  }

  /** @internal Called by an exchange when it settles. */
  settled(exchange: Exchange): void {
    this.deadlines.remove(exchange);
  }

  /** Closes idle connections and waits for in-flight exchanges (each ends within `timeoutMs`). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.agent.close();
  }
}

/**
 * State of one exchange, in undici's dispatch-handler shape. `onRequestStart` is called right before
 * the request is written to a connected socket: that is the line between "cannot have been
 * accepted" and "may have been accepted".
 */
class Exchange implements Dispatcher.DispatchHandler, Deadlined {
  private written = false;
  private settled = false;
  private controller: Dispatcher.DispatchController | undefined;
  private status = 0;
  private contentType: string | undefined;
  private chunks: Buffer[] | undefined;
  private first: Buffer | undefined;
  private size = 0;
  /** @internal Deadline queue links (see `DeadlineQueue`). */
  deadline = 0;
  previous: Exchange | undefined;
  next: Exchange | undefined;

  constructor(
    private readonly request: WireRequest,
    private readonly client: WireClient,
    /** What the caller makes of the reply (`postAndRead`); `undefined` = the reply itself. */
    private readonly read: ((response: WireResponse) => unknown) | undefined,
    private readonly resolve: (value: unknown) => void,
    private readonly reject: (error: unknown) => void,
  ) {}

  private get timeoutMs(): number {
    return this.client.timeoutMs;
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    if (this.settled) {
      // The deadline passed while this request waited for a socket: never write it.
      controller.abort(new Error('exchange deadline passed before the request was written'));
      return;
    }
    this.written = true;
    this.controller = controller;
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
  ): void {
    this.status = statusCode;
    const contentType = headers['content-type'];
    this.contentType = typeof contentType === 'string' ? contentType.toLowerCase() : undefined;
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.settled) return;
    this.size += chunk.length;
    const limit = this.client.maxResponseBytes;
    if (this.size > limit) {
      this.fail(
        new SmsMalformedResponseError(`reply from ${this.where()} is larger than ${limit} bytes`),
      );
      controller.abort(new Error('reply too large'));
      return;
    }
    if (this.first === undefined) this.first = chunk;
    else (this.chunks ??= [this.first]).push(chunk);
  }

  onResponseEnd(): void {
    if (this.settled) return;
    this.settled = true;
    this.client.settled(this);
    const body =
      this.chunks !== undefined
        ? Buffer.concat(this.chunks, this.size)
        : (this.first ?? Buffer.alloc(0));
    const response: WireResponse = { status: this.status, body, contentType: this.contentType };
    if (this.read === undefined) {
      this.resolve(response);
      return;
    }
    // Read here rather than in a `then`: one promise per exchange. Whatever `read` throws
    // rejects the exchange's promise; it must not reach undici, which is calling this.
    let value: unknown;
    try {
      value = this.read(response);
    } catch (error) {
      this.reject(error);
      return;
    }
    this.resolve(value);
  }

  onResponseError(_controller: Dispatcher.DispatchController | undefined, error: Error): void {
    if (this.settled) return;
    this.fail(this.mapError(error));
  }

  /** @internal Called by the deadline queue. */
  onDeadline(): void {
    if (this.settled) return;
    this.fail(new SmsTimeoutError(this.timeoutMs, this.written));
    // Tear the exchange down; the socket is destroyed and not reused.
    this.controller?.abort(new Error('exchange deadline passed'));
  }

  private fail(error: SmsTransportError): void {
    if (this.settled) return;
    this.settled = true;
    this.client.settled(this);
    this.reject(error);
  }

  private mapError(error: Error): SmsTransportError {
    const code = (error as { code?: unknown }).code;
    const codeText = typeof code === 'string' ? code : '';
    if (codeText === 'UND_ERR_HEADERS_TIMEOUT' || codeText === 'UND_ERR_BODY_TIMEOUT') {
      return new SmsTimeoutError(this.timeoutMs, this.written, { cause: error });
    }
    if (codeText === 'UND_ERR_CONNECT_TIMEOUT') {
      return new SmsTimeoutError(this.timeoutMs, false, { cause: error });
    }
    if (codeText.startsWith('HPE_') || error.name === 'HTTPParserError') {
      return new SmsMalformedResponseError(
        `${this.where()} answered something that is not HTTP (${error.message})`,
        {
          cause: error,
        },
      );
    }
    if (codeText === 'UND_ERR_CLOSED' || codeText === 'UND_ERR_DESTROYED') {
      return new SmsConnectionError(
        `the transport is closed; ${this.where()} was not called`,
        false,
        { cause: error },
      );
    }
    const connectProblem = CONNECT_CODES[codeText];
    if (connectProblem !== undefined && !this.written) {
      return new SmsConnectionError(`${connectProblem} (${codeText}) for ${this.where()}`, false, {
        cause: error,
      });
    }
    if (!this.written) {
      // TLS handshake failures and other errors before the request was written.
      return new SmsConnectionError(
        `could not connect for ${this.where()}: ${describe(error, codeText)}`,
        false,
        {
          cause: error,
        },
      );
    }
    const what =
      codeText === 'ECONNRESET' || codeText === 'UND_ERR_SOCKET' || codeText === 'EPIPE'
        ? `connection closed or reset by the server (${codeText})`
        : describe(error, codeText);
    return new SmsConnectionError(`${what} during ${this.where()}`, true, { cause: error });
  }

  private where(): string {
    return `POST ${this.request.origin}${this.request.path}`;
  }
}

function describe(error: Error, code: string): string {
  return code !== '' ? `${error.message} (${code})` : error.message;
}
