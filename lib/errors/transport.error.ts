import type { SendResult } from '../transports/sms-transport.types.js';
import type { ErrorCode } from './error-code.js';
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
    code: ErrorCode,
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
  constructor(
    readonly timeoutMs: number,
    maybeAccepted: boolean,
    options?: { cause?: unknown },
  ) {
    super(
      'TRANSPORT_TIMEOUT',
      `No answer from Posta Güvercini within ${timeoutMs} ms`,
      maybeAccepted,
      options,
    );
  }
}

/** Connection refused, reset, DNS or TLS failure. */
export class SmsConnectionError extends SmsTransportError {
  override readonly name: string = 'SmsConnectionError';
  constructor(detail: string, maybeAccepted: boolean, options?: { cause?: unknown }) {
    super(
      'TRANSPORT_CONNECTION',
      `Connection to Posta Güvercini failed: ${detail}`,
      maybeAccepted,
      options,
    );
  }
}

/**
 * HTTP status outside 2xx. `maybeAccepted` is false only for 503 (the server refused the request
 * without processing it) and true for every other status — including 502 and 504: those come
 * from a gateway or load balancer that may already have forwarded the request to the provider,
 * so re-sending could deliver the SMS twice.
 */
export class SmsHttpStatusError extends SmsTransportError {
  override readonly name: string = 'SmsHttpStatusError';
  constructor(
    readonly status: number,
    options?: { cause?: unknown },
  ) {
    super(
      'TRANSPORT_HTTP_STATUS',
      `Posta Güvercini answered with HTTP ${status}`,
      status !== 503,
      options,
    );
  }
}

/** The provider answered something that cannot be parsed as the expected reply. */
export class SmsMalformedResponseError extends SmsTransportError {
  override readonly name: string = 'SmsMalformedResponseError';
  constructor(detail: string, options?: { cause?: unknown }) {
    super(
      'TRANSPORT_MALFORMED_RESPONSE',
      `Malformed reply from Posta Güvercini: ${detail}`,
      true,
      options,
    );
  }
}

/**
 * Not sent: an earlier request of the same `send` failed, so this recipient's request was never
 * made. Safe to send again (`maybeAccepted` is always false).
 */
export class SmsNotSentError extends SmsTransportError {
  override readonly name: string = 'SmsNotSentError';
  constructor(detail: string, options?: { cause?: unknown }) {
    super(
      'TRANSPORT_NOT_SENT',
      `Not sent to Posta Güvercini: ${detail}. Safe to send again`,
      false,
      options,
    );
  }
}

/**
 * Every transport of a `FailoverTransport` is skipped because its circuit breaker is open
 * (each failed repeatedly and is resting). Nothing was sent (`maybeAccepted` false).
 */
export class SmsCircuitOpenError extends SmsTransportError {
  override readonly name: string = 'SmsCircuitOpenError';
  constructor(
    readonly transports: readonly string[],
    options?: { cause?: unknown },
  ) {
    super(
      'TRANSPORT_CIRCUIT_OPEN',
      `Posta Güvercini is not being called: the circuit breaker of every transport (${transports.join(', ')}) is open after repeated failures; retry later`,
      false,
      options,
    );
  }
}

/**
 * A `send` needing several requests (more than 800 recipients, or N-N over the HTTP API) failed
 * after some of them were accepted. Nothing is lost: `result` has one entry per recipient in
 * request order — `accepted` with the message id for the requests that went through, `failed`
 * with the error of the request that failed (its `maybeAccepted` says whether the provider may
 * have accepted it anyway), and `failed` with an `SmsNotSentError` for the requests that were
 * never made. `cause` is the error of the failing request. Send again only what is `failed`
 * and, unless you accept duplicates, not what is `maybeAccepted`.
 */
export class SmsPartialSendError extends PostaGuverciniError {
  override readonly name: string = 'SmsPartialSendError';

  constructor(
    readonly result: SendResult,
    cause: PostaGuverciniError,
  ) {
    const accepted = result.recipients.filter((r) => r.status === 'accepted').length;
    const failed = result.recipients.filter((r) => r.status === 'failed').length;
    super(
      'PARTIAL_SEND',
      `Posta Güvercini accepted ${accepted} of ${result.recipients.length} recipients before a request failed (${cause.message}); ` +
        `${failed} recipients are marked failed in error.result: re-send those, not the accepted ones`,
      { cause },
    );
  }
}
