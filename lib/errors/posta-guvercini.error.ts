import type { ErrorCode } from './error-code.js';
import { SANITIZED_ERROR, sanitizeCause } from './redact.js';

/**
 * Base class of every error the package throws from services and transports.
 * `code` is stable and meant for programs; `message` is for people and never contains a
 * password, an OTP code or a credential-bearing URL.
 *
 * `cause`, when given, is kept sanitised (see `sanitizeCause` in `redact.ts`): a driver's error
 * (an ioredis `ReplyError` whose `command.args` hold the Redis password, an HTTP client's error)
 * is replaced by a copy with its name, its message and stack (credentials in URLs masked) and
 * its diagnostic codes only, so `util.inspect`, `JSON.stringify` and `String()` of any error of
 * the package, cause chain included, show no credential.
 */
export class PostaGuverciniError extends Error {
  override readonly name: string = 'PostaGuverciniError';

  constructor(
    /** Stable, for programs: one of `ErrorCode`. */
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(
      message,
      options !== undefined && 'cause' in options
        ? { cause: sanitizeCause(options.cause) }
        : undefined,
    );
  }
}

// Errors of the package keep a sanitised cause chain: `sanitizeCause` keeps them as they are.
Object.defineProperty(PostaGuverciniError.prototype, SANITIZED_ERROR, { value: true });
