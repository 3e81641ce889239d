import { SetMetadata, UseGuards, applyDecorators } from '@nestjs/common';
import { SmsValidationError } from '../../errors/validation.error.js';
import { REQUIRE_OTP_METADATA } from '../../posta-guvercini.constants.js';
import { OtpGuard } from './otp.guard.js';
import { resolveBodyFields } from './otp-guard.options-validation.js';
import type { RequireOtpOptions } from './otp-guard.options.js';

// The options type lives with the other guard options, so the guard reads it without importing
// this decorator (which imports the guard).
export type { RequireOtpOptions } from './otp-guard.options.js';

/**
 * Protects a route (on a handler) or every route of a controller (on the class) with a one-time
 * password, and applies `OtpGuard` itself, so a route can never carry OTP options without the
 * check.
 *
 * A request without a code gets a challenge sent to the phone and a 401 carrying its id (body
 * and `WWW-Authenticate: OTP challenge="…"`). The retry carries `X-OTP-Challenge` and
 * `X-OTP-Code`; the code is verified against the purpose, subject and binding recomputed from
 * that request, and on success the handler runs and can read `@OtpVerified()`.
 *
 * ```ts
 * @Post('transfer')
 * @RequireOtp({ purpose: 'transfer', bind: (req) => ({ amount: req.body.amount, payee: req.body.payee }) })
 * transfer(@Body() dto: TransferDto, @OtpVerified() otp: OtpVerification) { … }
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the app's request type; `any` lets `(req) => req.user.phone` compile untyped
export function RequireOtp<TRequest = any>(
  options: RequireOtpOptions<TRequest> = {},
): ClassDecorator & MethodDecorator {
  return applyDecorators(
    SetMetadata(REQUIRE_OTP_METADATA, validateRequireOtpOptions(options)),
    UseGuards(OtpGuard),
  );
}

/** Checks the decorator options once, when the class is defined, and returns a frozen copy. */
function validateRequireOtpOptions<TRequest>(
  options: RequireOtpOptions<TRequest>,
): Readonly<RequireOtpOptions<TRequest>> {
  const fail = (field: string, expected: string): never => {
    throw new SmsValidationError('INVALID_OPTION', `@RequireOtp(): "${field}" ${expected}`, field);
  };
  if (options === null || typeof options !== 'object') fail('options', 'must be an object');
  const { purpose, autoSend, bodyFields } = options;
  if (
    purpose !== undefined &&
    (typeof purpose !== 'string' ||
      purpose.trim() === '' ||
      purpose.length > 100 ||
      // eslint-disable-next-line no-control-regex
      /[\u0000-\u001f\u007f]/.test(purpose))
  ) {
    fail('purpose', 'must be a non-empty string of at most 100 printable characters');
  }
  if (autoSend !== undefined && typeof autoSend !== 'boolean')
    fail('autoSend', 'must be true or false');
  resolveBodyFields(bodyFields, (field, expected) =>
    fail(`bodyFields${field}`, `must be ${expected}`),
  );
  for (const field of ['phone', 'subject', 'message'] as const) {
    const value = options[field];
    if (value !== undefined && !['string', 'number', 'function'].includes(typeof value)) {
      fail(field, 'must be a string or a function of the request');
    }
  }
  if (
    options.bind !== undefined &&
    options.bind !== null &&
    !['object', 'function'].includes(typeof options.bind)
  ) {
    fail('bind', 'must be an object of values or a function of the request');
  }
  // A copy: the caller's object is never mutated, and later changes to it have no effect.
  return Object.freeze({ ...options });
}
