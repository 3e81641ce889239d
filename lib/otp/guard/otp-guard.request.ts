import type { ExecutionContext } from '@nestjs/common';
import type { OtpBodyFieldNames, OtpRequestValue } from './otp-guard.options.js';
import { OTP_VERIFICATION, type OtpVerification } from './otp-verification.decorator.js';

// Reading the HTTP request: headers and body fields that carry the credentials, the client IP,
// the authenticated user's fields, and the options given as functions of the request. Express
// and Fastify requests both fit `HttpRequestLike`.

/** The request as the guard reads it: Express and Fastify requests both look like this. */
export interface HttpRequestLike {
  readonly headers: Record<string, string | string[] | undefined>;
  body?: unknown;
  readonly ip?: string;
  readonly user?: unknown;
  readonly socket?: { readonly remoteAddress?: string };
  readonly raw?: { readonly socket?: { readonly remoteAddress?: string } };
  [OTP_VERIFICATION]?: OtpVerification;
}

/**
 * A header (lower-case name), else a body field; empty means absent. A header sent twice or a
 * body field that is not a string is the client's mistake: `refuse` answers it (400).
 */
export function readRequestField(
  request: HttpRequestLike,
  header: string,
  bodyField: string | undefined,
  refuse: (message: string) => never,
): string | undefined {
  const fromHeader = request.headers[header];
  if (Array.isArray(fromHeader)) return refuse(`Send the ${header} header once.`);
  if (fromHeader !== undefined && fromHeader.trim() !== '') return fromHeader.trim();
  if (bodyField === undefined || !isPlainBody(request.body)) return undefined;
  const fromBody = request.body[bodyField];
  if (fromBody === undefined || fromBody === null || fromBody === '') return undefined;
  if (typeof fromBody !== 'string') return refuse(`The ${bodyField} body field must be a string.`);
  return fromBody.trim();
}

/** The code is used up once read: it never reaches the handler, its validation or its logs. */
export function removeBodyFields(
  request: HttpRequestLike,
  fields: Required<OtpBodyFieldNames>,
): void {
  const { body } = request;
  if (!isPlainBody(body)) return;
  delete body[fields.challengeId];
  delete body[fields.code];
}

/** Client IP (Express `trust proxy` / Fastify `trustProxy` already applied to `request.ip`). */
export function requestIp(request: HttpRequestLike): string | undefined {
  return request.ip ?? request.socket?.remoteAddress ?? request.raw?.socket?.remoteAddress;
}

/** An option given as a value or as a function of the request (possibly async). */
export async function resolveRequestValue<T>(
  value: OtpRequestValue<T> | undefined,
  request: HttpRequestLike,
  context: ExecutionContext,
): Promise<T | undefined> {
  return typeof value === 'function'
    ? await (value as (request: unknown, context: ExecutionContext) => T | Promise<T>)(
        request,
        context,
      )
    : value;
}

/** A field of `request.user` (set by the app's authentication), if any. */
export function userField(request: HttpRequestLike, field: string): unknown {
  const user = request.user;
  return user !== null && typeof user === 'object'
    ? (user as Record<string, unknown>)[field]
    : undefined;
}

function isPlainBody(body: unknown): body is Record<string, unknown> {
  return (
    body !== null && typeof body === 'object' && !Array.isArray(body) && !Buffer.isBuffer(body)
  );
}
