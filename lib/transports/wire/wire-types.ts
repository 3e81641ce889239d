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
 * Error codes (Node's, undici's) that mean the connection could not be made at all: nothing was
 * written, so the provider cannot have accepted anything.
 */
export const CONNECT_CODES: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host name not found (DNS)',
  EAI_AGAIN: 'DNS lookup failed temporarily',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  UND_ERR_CONNECT_TIMEOUT: 'connect timeout',
};
