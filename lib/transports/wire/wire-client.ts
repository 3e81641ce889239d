import type { Dispatcher } from 'undici';
import type { ResolvedProxy, ResolvedTls } from './connectivity.js';
import { DeadlineQueue } from './deadline-queue.js';
import {
  Exchange,
  type ExchangeOwner,
  exchangePromise,
  type Reader,
  replyItself,
} from './exchange.js';
import { createDispatcher, HeaderCache, headersOf } from './undici-dispatcher.js';
import type { WireRequest, WireResponse } from './wire-types.js';

export type { WireRequest, WireResponse } from './wire-types.js';

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
   * `post(request).then((response) => read(response, arg))`: resolves with what `read` makes of
   * the reply, or rejects with the typed error of the exchange or what `read` throws. The
   * undici client reads the reply as soon as it is complete, without a second promise.
   */
  postAndRead<R, A = undefined>(
    request: WireRequest,
    read: (response: WireResponse, arg: A) => R,
    arg?: A,
  ): Promise<R>;
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
export class WireClient implements WireHttpClient, ExchangeOwner {
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
    return this.postAndRead(request, replyItself);
  }

  postAndRead<R, A = undefined>(
    request: WireRequest,
    read: (response: WireResponse, arg: A) => R,
    arg?: A,
  ): Promise<R> {
    return exchangePromise(new Exchange(request, this, read as Reader, arg));
  }

  /** @internal Starts an exchange whose promise was just made: deadline, then dispatch. */
  start(exchange: Exchange): void {
    this.deadlines.add(exchange);
    const request = exchange.request;
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
