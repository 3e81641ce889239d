import { PostaGuverciniError } from './posta-guvercini.error.js';

/**
 * The exchange with the provider failed below the application level.
 * `maybeAccepted` tells whether the provider may have accepted (and will send) the request
 * despite the failure: true after a timeout or a reset once the request was written, false
 * when the request provably never reached the provider. Nothing that may have been accepted
 * is re-sent automatically unless the caller allowed it.
 */
export class SmsTransportError extends PostaGuverciniError {
  override readonly name: string = 'SmsTransportError';

  constructor(
    code: string,
    message: string,
    readonly maybeAccepted: boolean,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

/** No complete answer within `timeoutMs`. */
export class SmsTimeoutError extends SmsTransportError {
  override readonly name: string = 'SmsTimeoutError';
  constructor(readonly timeoutMs: number, maybeAccepted: boolean, options?: { cause?: unknown }) {
    super('TRANSPORT_TIMEOUT', `No answer from Posta Güvercini within ${timeoutMs} ms`, maybeAccepted, options);
  }
}

/** Connection refused, reset, DNS or TLS failure. */
export class SmsConnectionError extends SmsTransportError {
  override readonly name: string = 'SmsConnectionError';
  constructor(detail: string, maybeAccepted: boolean, options?: { cause?: unknown }) {
    super('TRANSPORT_CONNECTION', `Connection to Posta Güvercini failed: ${detail}`, maybeAccepted, options);
  }
}

/** HTTP status outside 2xx. `maybeAccepted` is false for 502/503/504, true otherwise. */
export class SmsHttpStatusError extends SmsTransportError {
  override readonly name: string = 'SmsHttpStatusError';
  constructor(readonly status: number, options?: { cause?: unknown }) {
    super(
      'TRANSPORT_HTTP_STATUS',
      `Posta Güvercini answered with HTTP ${status}`,
      !(status === 502 || status === 503 || status === 504),
      options,
    );
  }
}

/** The provider answered something that cannot be parsed as the expected reply. */
export class SmsMalformedResponseError extends SmsTransportError {
  override readonly name: string = 'SmsMalformedResponseError';
  constructor(detail: string, options?: { cause?: unknown }) {
    super('TRANSPORT_MALFORMED_RESPONSE', `Malformed reply from Posta Güvercini: ${detail}`, true, options);
  }
}
