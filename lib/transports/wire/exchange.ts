import type { Dispatcher } from 'undici';
import {
  SmsConnectionError,
  SmsMalformedResponseError,
  SmsTimeoutError,
  type SmsTransportError,
} from '../../errors/transport.error.js';
import type { Deadlined } from './deadline-queue.js';
import { CONNECT_CODES, type WireRequest, type WireResponse } from './wire-types.js';

/** What an exchange needs of the client that runs it. */
export interface ExchangeOwner {
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
  /** Starts an exchange whose promise was just made (deadline, dispatch). */
  start(exchange: Exchange): void;
  /** Called by an exchange when it settles. */
  settled(exchange: Exchange): void;
}

/** What `postAndRead` makes of a reply. */
export type Reader = (response: WireResponse, arg: unknown) => unknown;

/** `post`'s reader: the reply itself. */
export function replyItself(response: WireResponse): WireResponse {
  return response;
}

/**
 * The exchange whose promise is being made: a promise executor runs synchronously inside
 * `new Promise`, so one shared executor (no closure per request) picks it up from here.
 */
let opening: Exchange | undefined;

/** The promise of an exchange, started as it is made. */
export function exchangePromise<R>(exchange: Exchange): Promise<R> {
  opening = exchange;
  return new Promise<R>(openExchange);
}

function openExchange(resolve: (value: never) => void, reject: (error: unknown) => void): void {
  const exchange = opening!;
  opening = undefined;
  exchange.resolve = resolve as (value: unknown) => void;
  exchange.reject = reject;
  exchange.client.start(exchange);
}

/**
 * State of one exchange, in undici's dispatch-handler shape. `onRequestStart` is called right before
 * the request is written to a connected socket: that is the line between "cannot have been
 * accepted" and "may have been accepted".
 */
export class Exchange implements Dispatcher.DispatchHandler, Deadlined {
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

  /** Set by `openExchange` when the exchange's promise is made. */
  resolve!: (value: unknown) => void;
  reject!: (error: unknown) => void;

  constructor(
    readonly request: WireRequest,
    readonly client: ExchangeOwner,
    /** What the caller makes of the reply (`postAndRead`), given `arg`. */
    private readonly read: Reader,
    private readonly arg: unknown,
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
    // Read here rather than in a `then`: one promise per exchange. Whatever `read` throws
    // rejects the exchange's promise; it must not reach undici, which is calling this.
    let value: unknown;
    try {
      value = this.read(response, this.arg);
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
