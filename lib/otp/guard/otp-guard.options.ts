import type { ExecutionContext } from '@nestjs/common';

/**
 * A value the guard works out per request: either the value itself, or a function of the
 * request (Express `Request` or Fastify `FastifyRequest`) and the execution context, which may
 * be async.
 *
 * ```ts
 * phone: (req) => req.user.phone
 * bind: async (req) => ({ amount: req.body.amount, payee: await payees.name(req.body.payeeId) })
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the app's request type; `any` lets `(req) => req.user.phone` compile untyped
export type OtpRequestValue<T, TRequest = any> =
  T | ((request: TRequest, context: ExecutionContext) => T | Promise<T>);

/**
 * Values a challenge is bound to (PSD2 dynamic linking), e.g. `{ amount: '149.90', currency:
 * 'TRY', payee: 'ACME A.Ş.' }`. They are shown in the SMS through the message template and must
 * be the same when the code is verified.
 */
export type OtpGuardBinding = Readonly<Record<string, string | number>>;

/** Names of the body fields that may carry the challenge id and the code. */
export interface OtpBodyFieldNames {
  /**
   * Body field holding the challenge id.
   * @default 'otpChallengeId'
   */
  readonly challengeId?: string;
  /**
   * Body field holding the code.
   * @default 'otpCode'
   */
  readonly code?: string;
}

/**
 * Module-wide defaults of `OtpGuard` / `@RequireOtp()`, set once under `otp.guard` in
 * `PostaGuverciniModule.forRoot()`. Options given to `@RequireOtp()` on a controller override
 * these; options on a handler override the controller's.
 */
export interface OtpGuardModuleOptions {
  /**
   * Request header carrying the challenge id (case-insensitive).
   * @default 'X-OTP-Challenge'
   */
  readonly challengeHeader?: string;
  /**
   * Request header carrying the code (case-insensitive).
   * @default 'X-OTP-Code'
   */
  readonly codeHeader?: string;
  /**
   * Also accept the challenge id and the code as fields of a JSON or form body (headers win
   * when both are present). `true` uses the default field names `otpChallengeId` and `otpCode`.
   * Once read, both fields are removed from the body so the code never reaches the handler or
   * anything that logs the body.
   * @default false
   */
  readonly bodyFields?: boolean | OtpBodyFieldNames;
  /**
   * When a request arrives without a code, send a challenge to the phone and answer 401 with
   * its id. With `false` the guard answers 401 without sending (your app sends the challenge
   * itself with `OtpService.send()`).
   * @default true
   */
  readonly autoSend?: boolean;
  /**
   * Phone number the challenge is sent to, in any common form (`+90 532 …`, `0532…`).
   * @default (request) => request.user?.phone
   */
  readonly phone?: OtpRequestValue<string | undefined>;
  /**
   * Who the challenge is for (a user or customer id). A challenge issued for one subject is
   * refused for another. Recomputed on every request from the request itself.
   * @default (request) => request.user?.id ?? request.user?.sub, as a string; none without a user
   */
  readonly subject?: OtpRequestValue<string | number | undefined>;
  /**
   * SMS template for the challenge (`{code}` and the bound values such as `{amount}`).
   * @default the OTP service's template (`otp.message`)
   */
  readonly message?: OtpRequestValue<string | undefined>;
}

/** Default header carrying the challenge id. */
export const DEFAULT_OTP_CHALLENGE_HEADER = 'X-OTP-Challenge';
/** Default header carrying the code. */
export const DEFAULT_OTP_CODE_HEADER = 'X-OTP-Code';
/** Default body field names when `bodyFields: true`. */
export const DEFAULT_OTP_BODY_FIELDS: Required<OtpBodyFieldNames> = Object.freeze({
  challengeId: 'otpChallengeId',
  code: 'otpCode',
});

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
