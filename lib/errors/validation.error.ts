import type { ErrorCode } from './error-code.js';
import { PostaGuverciniError } from './posta-guvercini.error.js';

/**
 * Bad input, detected before any network call: a phone number that is not a mobile number,
 * a text over the provider's cap, a send time in the past, an over-long sender, an option
 * with a wrong value.
 */
export class SmsValidationError extends PostaGuverciniError {
  override readonly name: string = 'SmsValidationError';

  constructor(
    code: ErrorCode,
    message: string,
    /** The field or option that was wrong, e.g. `to[3]`, `sendAt`, `accounts.otp.username`. */
    readonly field?: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

/** A module option is wrong; thrown at start-up. */
export class InvalidOptionsError extends SmsValidationError {
  override readonly name: string = 'InvalidOptionsError';

  constructor(option: string, message: string) {
    super('INVALID_OPTION', `Invalid PostaGuverciniModule option "${option}": ${message}`, option);
  }
}
