import { SetMetadata, UseGuards, applyDecorators } from '@nestjs/common';
import { SmsValidationError } from '../../errors/validation.error.js';
import { REQUIRE_OTP_METADATA } from '../../posta-guvercini.constants.js';
import { OtpGuard } from './otp.guard.js';
import { resolveBodyFields } from './otp-guard.options-validation.js';
import type { OtpBodyFieldNames, OtpGuardBinding, OtpRequestValue } from './otp-guard.options.js';

/**
 * Options of `@RequireOtp()`. On a handler they override those on its controller, which
 * override the module defaults (`otp.guard`); a field left out falls through to the next level.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the app's request type; `any` lets `(req) => req.user.phone` compile untyped
export interface RequireOtpOptions<TRequest = any> {
  /**
   * What the code is for (`'login'`, `'transfer'`, `'3ds'`). A challenge issued for one purpose
   * never unlocks a route of another.
   * @default '<ControllerName>.<handlerName>' of the protected route
   */
  readonly purpose?: string;
  /**
   * Phone number the challenge is sent to: a value or a function of the request.
   * @default the module's `otp.guard.phone`, else `request.user?.phone`
   */
  readonly phone?: OtpRequestValue<string | undefined, TRequest>;
  /**
   * Who the challenge is for (user or customer id): a value or a function of the request,
   * recomputed on every request; a challenge issued for one subject is refused for another.
   * @default the module's `otp.guard.subject`, else `request.user?.id ?? request.user?.sub`
   */
  readonly subject?: OtpRequestValue<string | number | undefined, TRequest>;
  /**
   * Values the challenge is bound to (PSD2 dynamic linking), usually a function of the request
   * such as `(req) => ({ amount: req.body.amount, currency: 'TRY', payee: req.body.payee })`.
   * They are shown in the SMS and recomputed from the request that carries the code: any
   * difference is refused exactly like a wrong code.
   * @default no binding
   */
  readonly bind?: OtpRequestValue<OtpGuardBinding | undefined, TRequest>;
  /**
   * SMS template (`{code}`, `{minutes}`, `{purpose}`, and `{amount}` etc. for bound values), or
   * a function of the request returning one (e.g. to pick the customer's language). To build the
   * text from the code yourself, give a template function as `otp.message` instead.
   * @default the module's `otp.guard.message`, else the OTP service's template
   */
  readonly message?: OtpRequestValue<string | undefined, TRequest>;
  /**
   * Send a challenge when a request comes without a code.
   * @default the module's `otp.guard.autoSend`, else true
   */
  readonly autoSend?: boolean;
  /**
   * Accept the challenge id and code from body fields as well as headers.
   * @default the module's `otp.guard.bodyFields`, else false
   */
  readonly bodyFields?: boolean | OtpBodyFieldNames;
}

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
