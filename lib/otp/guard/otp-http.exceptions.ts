import { HttpException, HttpStatus, type HttpExceptionOptions } from '@nestjs/common';

/**
 * HTTP-facing exceptions of the OTP guard. Only `OtpGuard` throws them; `OtpService` throws the
 * plain typed errors of `errors/otp.errors.ts`, which the guard translates. Each carries the
 * response headers it needs (`WWW-Authenticate`, `Retry-After`) in `headers`; the guard sets them
 * on the response (Express or Fastify) before throwing, so Nest's exception filter answers with
 * the status and the JSON body. No message or body ever contains a code.
 */
export class OtpHttpException extends HttpException {
  constructor(
    body: Readonly<Record<string, unknown>> & { readonly statusCode: number },
    /** Response headers that belong to this answer. */
    readonly headers: Readonly<Record<string, string>> = {},
    options?: HttpExceptionOptions,
  ) {
    super(body, body.statusCode, options);
  }
}

/** The challenge a 401 `OtpRequiredException` announces (as returned by `OtpService.send()`). */
export interface OtpChallengeDetails {
  readonly challengeId: string;
  readonly expiresAt: Date;
  readonly resendAvailableAt: Date;
  readonly maskedPhone: string;
  readonly attemptsLeft: number;
}

/**
 * 401: the route needs a one-time password and the request carried none. With a challenge (the
 * guard just sent one) the body holds `challengeId`, `expiresAt`, `resendAvailableAt`,
 * `maskedPhone`, `attemptsLeft`, and `WWW-Authenticate: OTP challenge="<id>"` names it.
 */
export class OtpRequiredException extends OtpHttpException {
  constructor(challenge?: OtpChallengeDetails, message?: string) {
    super(
      {
        statusCode: HttpStatus.UNAUTHORIZED,
        error: 'OTP required',
        message:
          message ??
          (challenge
            ? `A one-time password was sent to ${challenge.maskedPhone}. Repeat the request with the challenge id and the code.`
            : 'This route requires a one-time password. Request a challenge, then repeat the request with its id and the code.'),
        ...(challenge
          ? {
              challengeId: challenge.challengeId,
              expiresAt: challenge.expiresAt.toISOString(),
              resendAvailableAt: challenge.resendAvailableAt.toISOString(),
              maskedPhone: challenge.maskedPhone,
              attemptsLeft: challenge.attemptsLeft,
            }
          : {}),
      },
      { 'WWW-Authenticate': wwwAuthenticate({ challenge: challenge?.challengeId }) },
    );
  }
}

/** Why a presented code was refused with 401. */
export type OtpRejectionReason = 'invalid' | 'expired' | 'not_found';

/**
 * 401: the code was refused. `reason` is `invalid` (wrong code, or a code issued for another
 * purpose, subject or binding — deliberately indistinguishable), `expired` or `not_found`
 * (unknown or already used challenge); `attemptsLeft` says how many tries the challenge has.
 */
export class OtpRejectedException extends OtpHttpException {
  constructor(
    details: {
      readonly reason: OtpRejectionReason;
      readonly attemptsLeft: number;
      readonly challengeId?: string;
    },
    message?: string,
  ) {
    const { reason, attemptsLeft } = details;
    super(
      {
        statusCode: HttpStatus.UNAUTHORIZED,
        error: 'OTP rejected',
        message: message ?? REJECTION_MESSAGES[reason](attemptsLeft),
        reason,
        attemptsLeft,
      },
      {
        'WWW-Authenticate': wwwAuthenticate({
          // Only a challenge that can still be answered is named again.
          challenge: reason === 'invalid' && attemptsLeft > 0 ? details.challengeId : undefined,
          error: reason,
        }),
      },
    );
  }
}

const REJECTION_MESSAGES: Record<OtpRejectionReason, (attemptsLeft: number) => string> = {
  invalid: (left) =>
    left > 0
      ? `The one-time password is not valid for this request; ${left} attempt${left === 1 ? '' : 's'} left.`
      : 'The one-time password is not valid for this request and the challenge is used up; request a new one.',
  expired: () => 'The one-time password has expired; request a new one.',
  not_found: () => 'Unknown or already used challenge; request a new one-time password.',
};

/**
 * What the client should do after a refusal: `request_new_code` (repeat the request without a
 * code, after `Retry-After` when there is one), `wait` (nothing is accepted for this account
 * until `Retry-After` has passed).
 */
export type OtpClientAction = 'request_new_code' | 'wait';

/**
 * 429: too many wrong codes, the challenge is locked and never accepts a code again. The body's
 * `action` is `request_new_code`: repeat the request without a code. `Retry-After` (and
 * `retryAfterSeconds`) is the time until a new code will really be sent (the send caps and the
 * account lock allow it); without it, a new code can be requested now.
 */
export class OtpLockedException extends OtpHttpException {
  constructor(details: { readonly retryAfterSeconds?: number } = {}, message?: string) {
    const retryAfter = toRetryAfter(details.retryAfterSeconds);
    super(
      {
        statusCode: HttpStatus.TOO_MANY_REQUESTS,
        error: 'OTP locked',
        message:
          message ??
          (retryAfter === undefined
            ? 'Too many wrong one-time passwords: this challenge is locked. Request a new code now (repeat the request without a code).'
            : `Too many wrong one-time passwords: this challenge is locked. A new code can be requested in ${retryAfter} s (repeat the request without a code).`),
        reason: 'locked',
        attemptsLeft: 0,
        action: 'request_new_code' satisfies OtpClientAction,
        ...(retryAfter === undefined ? {} : { retryAfterSeconds: retryAfter }),
      },
      retryAfter === undefined ? {} : { 'Retry-After': String(retryAfter) },
    );
  }
}

/**
 * 429: the account (subject, else phone) is locked by `otp.lockout` after too many consecutive
 * wrong codes: no code is sent or accepted for it until `Retry-After` has passed (or support
 * lifts the lock). The body's `action` is `wait`.
 */
export class OtpAccountLockedException extends OtpHttpException {
  constructor(
    details: { readonly retryAfterSeconds: number },
    message?: string,
    options?: HttpExceptionOptions,
  ) {
    const retryAfter = toRetryAfter(details.retryAfterSeconds) ?? 1;
    super(
      {
        statusCode: HttpStatus.TOO_MANY_REQUESTS,
        error: 'OTP account locked',
        message:
          message ??
          `Too many wrong one-time passwords for this account: no code is sent or accepted for ${retryAfter} s.`,
        reason: 'account_locked',
        action: 'wait' satisfies OtpClientAction,
        retryAfterSeconds: retryAfter,
      },
      { 'Retry-After': String(retryAfter) },
      options,
    );
  }
}

/** 429: a send limit (cooldown, per-phone or per-IP cap) was reached. */
export class OtpTooManyRequestsException extends OtpHttpException {
  constructor(
    details: { readonly retryAfterSeconds: number },
    message?: string,
    options?: HttpExceptionOptions,
  ) {
    const retryAfter = toRetryAfter(details.retryAfterSeconds) ?? 1;
    super(
      {
        statusCode: HttpStatus.TOO_MANY_REQUESTS,
        error: 'OTP rate limited',
        message:
          message ??
          `Too many one-time passwords requested; a new code can be requested in ${retryAfter} s.`,
        action: 'request_new_code' satisfies OtpClientAction,
        retryAfterSeconds: retryAfter,
      },
      { 'Retry-After': String(retryAfter) },
      options,
    );
  }
}

/** 503: the OTP store or the SMS provider could not be reached; nothing was decided (fail closed). */
export class OtpUnavailableException extends OtpHttpException {
  constructor(message?: string, options?: HttpExceptionOptions) {
    super(
      {
        statusCode: HttpStatus.SERVICE_UNAVAILABLE,
        error: 'OTP unavailable',
        message: message ?? 'One-time passwords are unavailable right now; try again shortly.',
      },
      {},
      options,
    );
  }
}

/** 400: the request cannot be checked as sent (one of challenge id / code missing, bad phone). */
export class OtpBadRequestException extends OtpHttpException {
  constructor(message: string, options?: HttpExceptionOptions) {
    super({ statusCode: HttpStatus.BAD_REQUEST, error: 'Bad Request', message }, {}, options);
  }
}

/** Whole seconds, at least 1; `undefined` when unknown. */
function toRetryAfter(seconds: number | undefined): number | undefined {
  if (seconds === undefined || !Number.isFinite(seconds)) return undefined;
  return Math.max(1, Math.ceil(seconds));
}

/** Challenge ids echoed in a header must be plain tokens (they may come from the client). */
const HEADER_SAFE_ID = /^[A-Za-z0-9._~+/=-]{1,200}$/;

function wwwAuthenticate(params: { readonly challenge?: string; readonly error?: string }): string {
  const parts: string[] = [];
  if (params.challenge !== undefined && HEADER_SAFE_ID.test(params.challenge)) {
    parts.push(`challenge="${params.challenge}"`);
  }
  if (params.error !== undefined) parts.push(`error="${params.error}"`);
  return parts.length === 0 ? 'OTP' : `OTP ${parts.join(', ')}`;
}
