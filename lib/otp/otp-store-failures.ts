import type { Logger } from '@nestjs/common';
import { OtpStoreUnavailableError } from '../errors/otp.errors.js';
import { PostaGuverciniError } from '../errors/posta-guvercini.error.js';
import { sanitizeCause } from '../errors/redact.js';
import { errorName } from './otp-event-dispatcher.js';

/** Store failures are logged at most this often (ms of real time). */
const STORE_WARNING_INTERVAL_MS = 10_000;

/**
 * What OtpService answers when its store fails: anything unexpected becomes
 * `OtpStoreUnavailableError` (fail closed) with a sanitised cause; the package's own errors pass
 * through. Failures are logged at most once per 10 s.
 */
export class OtpStoreFailures {
  private lastWarning = Number.NEGATIVE_INFINITY;

  constructor(private readonly logger: Logger) {}

  /** The error to throw for a store failure. */
  toError(error: unknown): unknown {
    const unavailable =
      error instanceof OtpStoreUnavailableError
        ? error
        : error instanceof PostaGuverciniError
          ? undefined
          : new OtpStoreUnavailableError(`the store failed: ${errorName(error)}`, {
              // A copy with name, message and code only: a driver's error may carry credentials.
              cause: sanitizeCause(error),
            });
    if (unavailable === undefined) return error;
    const wall = Date.now();
    if (wall - this.lastWarning >= STORE_WARNING_INTERVAL_MS) {
      this.lastWarning = wall;
      this.logger.warn(
        `${unavailable.message} (further store failures in the next 10 s are not logged)`,
      );
    }
    return unavailable;
  }
}
