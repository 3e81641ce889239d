import {
  SmsConnectionError,
  SmsMalformedResponseError,
  SmsTimeoutError,
  type SmsTransportError,
} from '../../errors/transport.error.js';
import type { AxiosLikeInstance } from './connectivity.js';
import { CONNECT_CODES } from './wire-types.js';
import {
  DEFAULT_MAX_RESPONSE_BYTES,
  type WireHttpClient,
  type WireRequest,
  type WireResponse,
} from './wire-client.js';

export interface AxiosWireClientOptions {
  readonly timeoutMs: number;
  readonly maxResponseBytes?: number;
}

/**
 * TLS verification failures: the handshake failed, so the request was never written. Node's
 * `tls` error codes (OpenSSL verify codes and `ERR_TLS_*`).
 */
const TLS_CODE =
  /^(?:ERR_TLS_|ERR_SSL_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|CERT_|HOSTNAME_MISMATCH|EPROTO$)/;
const identity = (data: unknown): unknown => data;
const acceptEveryStatus = (): boolean => true;

/** The shape of an axios error the package reads (`isAxiosError`, `code`, `cause`). */
interface AxiosLikeError {
  readonly isAxiosError?: boolean;
  readonly code?: string;
  readonly message?: string;
  readonly cause?: unknown;
}

/**
 * Posts through the application's own axios instance (`httpClient`), so its interceptors,
 * agents and proxy settings apply to every provider request.
 *
 * The package still sets the method (POST), the body (raw bytes, no transformation), the
 * content type, the timeout, `maxRedirects: 0`, the reply size limit, and reads the raw
 * bytes (`responseType: 'arraybuffer'`, no transformation: the transports decode ISO-8859-9
 * and UTF-8 themselves). Every status resolves (like the built-in client); errors become the
 * same typed errors:
 *
 * - connection refused, DNS, unreachable, TLS verification failures → `SmsConnectionError`,
 *   `maybeAccepted: false` (nothing was written);
 * - axios' own `timeout` (an idle timer that starts once the socket is connected, when Node
 *   writes the request) → `SmsTimeoutError`, `maybeAccepted: true`;
 * - the package's overall deadline (`timeoutMs` from the call, covering a connect that hangs
 *   and a reply that trickles) → `SmsTimeoutError`, `maybeAccepted: true`: axios does not
 *   tell whether the request left, so the safe answer is "it may have";
 * - reset or closed mid-exchange → `SmsConnectionError`, `maybeAccepted: true`;
 * - not HTTP, or a reply over the size limit → `SmsMalformedResponseError`.
 *
 * Closing the transport never closes the application's instance; requests after `close()`
 * are refused with `maybeAccepted: false`.
 */
export class AxiosWireClient implements WireHttpClient {
  private readonly timeoutMs: number;
  private readonly maxResponseBytes: number;
  private readonly inFlight = new Set<Promise<unknown>>();
  private closed = false;

  constructor(
    private readonly instance: AxiosLikeInstance,
    options: AxiosWireClientOptions,
  ) {
    this.timeoutMs = options.timeoutMs;
    this.maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  }

  post(request: WireRequest): Promise<WireResponse> {
    const where = `POST ${request.origin}${request.path}`;
    if (this.closed) {
      return Promise.reject(
        new SmsConnectionError(`the transport is closed; ${where} was not called`, false),
      );
    }
    const exchange = this.exchange(request, where);
    this.inFlight.add(exchange);
    void exchange.then(
      () => this.inFlight.delete(exchange),
      () => this.inFlight.delete(exchange),
    );
    return exchange;
  }

  postAndRead<R, A = undefined>(
    request: WireRequest,
    read: (response: WireResponse, arg: A) => R,
    arg?: A,
  ): Promise<R> {
    return this.post(request).then((response) => read(response, arg as A));
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.inFlight]);
  }

  private async exchange(request: WireRequest, where: string): Promise<WireResponse> {
    const deadline = new AbortController();
    let deadlinePassed = false;
    const timer = setTimeout(() => {
      deadlinePassed = true;
      deadline.abort(new Error('exchange deadline passed'));
    }, this.timeoutMs);
    try {
      const response = await this.instance.request({
        url: request.origin + request.path,
        method: 'POST',
        headers: { 'content-type': request.contentType, ...request.headers },
        data: request.body,
        timeout: this.timeoutMs,
        responseType: 'arraybuffer',
        maxRedirects: 0,
        maxContentLength: this.maxResponseBytes,
        validateStatus: acceptEveryStatus,
        transformRequest: [identity],
        transformResponse: [identity],
        signal: deadline.signal,
      });
      return {
        status: response.status,
        body: toBuffer(response.data, where),
        contentType: contentTypeOf(response.headers),
      };
    } catch (error) {
      if (deadlinePassed) throw new SmsTimeoutError(this.timeoutMs, true, { cause: error });
      throw this.mapError(error, where);
    } finally {
      clearTimeout(timer);
    }
  }

  private mapError(error: unknown, where: string): SmsTransportError {
    if (error instanceof SmsMalformedResponseError) return error;
    const axiosError = (error ?? {}) as AxiosLikeError;
    const code = typeof axiosError.code === 'string' ? axiosError.code : '';
    // axios keeps the socket error's code on the AxiosError; some adapters only on `cause`.
    const causeCode = (axiosError.cause as { code?: unknown } | undefined)?.code;
    const lowCode = code === '' && typeof causeCode === 'string' ? causeCode : code;
    const message = typeof axiosError.message === 'string' ? axiosError.message : 'request failed';
    if (lowCode === 'ECONNABORTED' || lowCode === 'ETIMEDOUT') {
      return new SmsTimeoutError(this.timeoutMs, true, { cause: error });
    }
    const connectProblem = CONNECT_CODES[lowCode];
    if (connectProblem !== undefined) {
      return new SmsConnectionError(`${connectProblem} (${lowCode}) for ${where}`, false, {
        cause: error,
      });
    }
    if (TLS_CODE.test(lowCode)) {
      return new SmsConnectionError(
        `TLS handshake failed for ${where}: ${message} (${lowCode})`,
        false,
        { cause: error },
      );
    }
    if (lowCode.startsWith('HPE_')) {
      return new SmsMalformedResponseError(`${where} answered something that is not HTTP`, {
        cause: error,
      });
    }
    if (lowCode === 'ERR_BAD_RESPONSE' && /maxContentLength/i.test(message)) {
      return new SmsMalformedResponseError(
        `reply from ${where} is larger than ${this.maxResponseBytes} bytes`,
        { cause: error },
      );
    }
    if (
      lowCode === 'ECONNRESET' ||
      lowCode === 'EPIPE' ||
      lowCode === 'ERR_STREAM_PREMATURE_CLOSE'
    ) {
      return new SmsConnectionError(
        `connection closed or reset by the server (${lowCode}) during ${where}`,
        true,
        { cause: error },
      );
    }
    // Anything else (an interceptor that threw, an unknown adapter error): the request may
    // have gone out.
    return new SmsConnectionError(
      `${message}${lowCode !== '' ? ` (${lowCode})` : ''} during ${where}`,
      true,
      { cause: error },
    );
  }
}

function toBuffer(data: unknown, where: string): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (data instanceof ArrayBuffer) return Buffer.from(data);
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (typeof data === 'string') return Buffer.from(data, 'latin1');
  if (data === undefined || data === null || data === '') return Buffer.alloc(0);
  throw new SmsMalformedResponseError(
    `the axios instance returned the reply of ${where} as ${typeof data}, not bytes (does an interceptor transform responses?)`,
  );
}

function contentTypeOf(headers: unknown): string | undefined {
  if (headers === null || typeof headers !== 'object') return undefined;
  const getter = (headers as { get?: unknown }).get;
  const value: unknown =
    typeof getter === 'function'
      ? (getter as (name: string) => unknown).call(headers, 'content-type')
      : (headers as Record<string, unknown>)['content-type'];
  return typeof value === 'string' ? value.toLowerCase() : undefined;
}
