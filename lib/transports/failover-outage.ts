import type { PostaGuverciniError } from '../errors/posta-guvercini.error.js';
import { SmsProviderError } from '../errors/provider.error.js';
import { SmsPartialSendError, SmsTransportError } from '../errors/transport.error.js';
import { type RecipientResult } from './sms-transport.types.js';

// What moves a FailoverTransport call on to the next member: outages (connection-level failures
// and the provider's own API/database error codes), never request or account errors.

/**
 * Provider codes that report an outage on the provider's side (its API or database failed),
 * not a problem with the request: HTTP/SOAP `-2001`/`-2002`, XML `ERRx010`–`ERRx040`, JSON
 * `1010`–`1040`, `2020`–`2050`, `7020`–`7050` (reference §2.5, §3.7, §5.4).
 */
const OUTAGE_CODE = /^(?:-200[12]|ERR\d0[1-4]0|10[1-4]0|20[2-5]0|70[2-5]0)$/;

/** Connection-level failure or provider outage (see the class documentation). */
export function isOutage(error: unknown): boolean {
  if (error instanceof SmsTransportError) return true;
  return error instanceof SmsProviderError && OUTAGE_CODE.test(error.providerCode);
}

/** What the breaker counts: outages, including a partial send that ended in one. */
export function countsAsOutage(error: unknown): boolean {
  return isOutage(error) || (error instanceof SmsPartialSendError && isOutage(error.cause));
}

export function firstFailure(
  recipients: readonly RecipientResult[],
): PostaGuverciniError | undefined {
  for (const recipient of recipients) if (recipient.status === 'failed') return recipient.error;
  return undefined;
}

export function maybeAccepted(error: unknown): boolean {
  return error instanceof SmsTransportError && error.maybeAccepted;
}
