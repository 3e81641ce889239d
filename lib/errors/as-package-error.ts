import { PostaGuverciniError } from './posta-guvercini.error.js';
import { SmsTransportError } from './transport.error.js';

/**
 * The one error normaliser of the package. An error of the package (recognised by its `code`,
 * so errors of a copy of the package from another build count too) is returned as it is.
 * Anything else is a bug rather than a provider answer, and is wrapped with a fixed message
 * (a foreign message may hold a secret; it stays in the sanitised `cause`):
 * - `origin: 'request'` (default): it ended a request to the provider, so it becomes
 *   `SmsTransportError` `TRANSPORT_UNEXPECTED` with `maybeAccepted: true` (the request may
 *   have gone out);
 * - `origin: 'internal'`: it arose in the package's own work (no request involved), so it
 *   becomes `PostaGuverciniError` `UNEXPECTED`.
 */
export function asPackageError(
  error: unknown,
  origin: 'request' | 'internal' = 'request',
): PostaGuverciniError {
  if (error instanceof Error && typeof (error as PostaGuverciniError).code === 'string')
    return error as PostaGuverciniError;
  if (origin === 'internal') {
    return new PostaGuverciniError('UNEXPECTED', 'An unexpected error stopped the operation', {
      cause: error,
    });
  }
  return new SmsTransportError(
    'TRANSPORT_UNEXPECTED',
    'An unexpected error ended a request to Posta Güvercini',
    true,
    { cause: error },
  );
}
