import type { IncomingHttpHeaders } from 'node:http';
import type { OperationKind } from './fault-injector.js';
import type { SimulatedApi, SimulatorProfile } from './simulator.types.js';

/** One HTTP request routed to an API, with its body read. */
export interface ApiCall {
  readonly profile: SimulatorProfile;
  readonly method: string;
  /** Raw query string without `?` (`''` when none). */
  readonly query: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  readonly operation: string;
}

/** What to answer. */
export interface ApiReply {
  readonly status: number;
  readonly contentType: string;
  readonly body: Buffer;
  /** Request-level provider code, for `SimulatedRequest.providerCode`. */
  readonly providerCode: string;
  /** Recipients or ids in the request (0 when unparsable). */
  readonly recipients: number;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface RoutedOperation {
  /** The API's own name of the operation. */
  readonly operation: string;
  readonly kind: OperationKind;
}

/** One API family of the simulator. */
export interface SimulatedApiHandler {
  readonly api: SimulatedApi;
  /** Path prefix, lower case (`/api_http/`). */
  readonly prefix: string;
  /** Finds the operation from the lower-cased path, the headers and the body; `undefined` → 404. */
  route(lowerPath: string, headers: IncomingHttpHeaders, body: Buffer): RoutedOperation | undefined;
  handle(call: ApiCall): ApiReply;
  /** The API's own error shape carrying `code` (fault injection). */
  providerError(call: ApiCall, code: string | number | undefined): ApiReply;
  /** A broken version of a real answer, still with HTTP 200 (fault injection). */
  malformed(reply: ApiReply): ApiReply;
}

/** First half of a reply, cut inside its markup so that no parser accepts it. */
export function truncatedReply(reply: ApiReply): ApiReply {
  return {
    ...reply,
    status: 200,
    body: reply.body.subarray(0, Math.max(1, Math.floor(reply.body.length / 2))),
  };
}

const HTML = 'text/html; charset=iso-8859-9';

/** An IIS-style HTML error page. */
export function htmlErrorReply(status: number, title: string, recipients = 0): ApiReply {
  return {
    status,
    contentType: HTML,
    body: Buffer.from(
      `<!DOCTYPE html><html><head><title>${status} ${title}</title></head><body><h1>${status} ${title}</h1></body></html>`,
      'latin1',
    ),
    providerCode: String(status),
    recipients,
  };
}
