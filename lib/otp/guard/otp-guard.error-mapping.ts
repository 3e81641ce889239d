import type { HttpException } from '@nestjs/common';
import {
  OtpLockedError,
  OtpRateLimitError,
  OtpStoreUnavailableError,
} from '../../errors/otp.errors.js';
import { SmsProviderError } from '../../errors/provider.error.js';
import { SmsTransportError } from '../../errors/transport.error.js';
import { SmsValidationError } from '../../errors/validation.error.js';
import type { OtpVerifyFailure } from '../otp.types.js';
import {
  OtpAccountLockedException,
  OtpBadRequestException,
  type OtpChallengeDetails,
  OtpLockedException,
  OtpRejectedException,
  type OtpRejectionReason,
  OtpRequiredException,
  OtpTooManyRequestsException,
  OtpUnavailableException,
} from './otp-http.exceptions.js';

// From the service's typed errors to the guard's refusals, and from refusals to HTTP answers:
// two typed tables (by error code, and by error class), no pattern over codes.

/** Why the guard refuses a request; `createException()` turns it into the HTTP answer. */
export type OtpGuardFailure =
  | {
      readonly kind: 'required';
      readonly challenge?: OtpChallengeDetails;
      /** The SMS may or may not have been sent (the provider's answer was lost); the challenge is valid. */
      readonly deliveryUncertain?: boolean;
    }
  | {
      readonly kind: 'rejected';
      readonly reason: OtpRejectionReason;
      readonly attemptsLeft: number;
      readonly challengeId: string;
    }
  | { readonly kind: 'locked'; readonly retryAfterSeconds?: number }
  | { readonly kind: 'account-locked'; readonly retryAfterSeconds: number; readonly cause: unknown }
  | { readonly kind: 'rate-limited'; readonly retryAfterSeconds: number; readonly cause: unknown }
  | { readonly kind: 'unavailable'; readonly cause: unknown }
  | { readonly kind: 'bad-request'; readonly message: string; readonly cause?: unknown };

type FailureOf = (error: unknown) => OtpGuardFailure;

const retryAfterOf = (error: unknown): number => {
  const { retryAfterSeconds } = error as { retryAfterSeconds?: unknown };
  return typeof retryAfterSeconds === 'number' ? retryAfterSeconds : 1;
};
const accountLocked: FailureOf = (error) => ({
  kind: 'account-locked',
  retryAfterSeconds: retryAfterOf(error),
  cause: error,
});
const rateLimited: FailureOf = (error) => ({
  kind: 'rate-limited',
  retryAfterSeconds: retryAfterOf(error),
  cause: error,
});
const unavailable: FailureOf = (error) => ({ kind: 'unavailable', cause: error });
/** Bad input carried by the request (a phone that is not a mobile number, bound values the SMS cannot show). */
const badRequest: FailureOf = (error) => ({
  kind: 'bad-request',
  message: (error as Error).message,
  cause: error,
});

/**
 * Service errors by their stable `code` (so two copies of the package, ESM and CommonJS in one
 * app, still map correctly).
 */
const BY_CODE: Readonly<Record<string, FailureOf>> = {
  OTP_SUBJECT_LOCKED: accountLocked,
  OTP_RATE_LIMITED: rateLimited,
  PROVIDER_INVALID_NUMBER: (error) => ({
    kind: 'bad-request',
    message: 'The SMS provider refused the phone number; check it and try again.',
    cause: error,
  }),
  OTP_STORE_UNAVAILABLE: unavailable,
  TRANSPORT_CIRCUIT_OPEN: unavailable,
  TRANSPORT_CONNECTION: unavailable,
  TRANSPORT_HTTP_STATUS: unavailable,
  TRANSPORT_MALFORMED_RESPONSE: unavailable,
  TRANSPORT_NOT_SENT: unavailable,
  TRANSPORT_TIMEOUT: unavailable,
  TRANSPORT_UNEXPECTED: unavailable,
  PROVIDER_AUTHENTICATION: unavailable,
  PROVIDER_AUTHENTICATION_OR_SERVER: unavailable,
  PROVIDER_ERROR: unavailable,
  PROVIDER_INSUFFICIENT_CREDIT: unavailable,
  PROVIDER_TOO_MANY_RECIPIENTS: unavailable,
};

/** Service errors by class, for codes the table above does not list. */
const BY_CLASS: ReadonlyArray<readonly [abstract new (...args: never[]) => Error, FailureOf]> = [
  [OtpLockedError, accountLocked],
  [OtpRateLimitError, rateLimited],
  [OtpStoreUnavailableError, unavailable],
  [SmsTransportError, unavailable],
  [SmsProviderError, unavailable],
];

/**
 * Validation failures that come from the app's own configuration, not from the request: a
 * wrong option or template, a route's purpose or subject resolver giving an unusable value, no
 * OTP account, a sender the API cannot carry or that is not valid. They stay a 500 (logged by
 * Nest) rather than a 400 describing the server's configuration to the client.
 */
const SERVER_SIDE_VALIDATION_CODES: ReadonlySet<string> = new Set([
  'INVALID_OPTION',
  'OTP_TEMPLATE_INVALID',
  'OTP_TEMPLATE_NO_CODE',
  'OTP_TEMPLATE_PLACEHOLDER',
  'OTP_TEMPLATE_TOO_LONG',
  'INVALID_OTP_PURPOSE',
  'INVALID_OTP_SUBJECT',
  'CHANNEL_NOT_CONFIGURED',
  'SENDER_NOT_SUPPORTED',
  'INVALID_SENDER',
]);

/**
 * The refusal for an error of `OtpService`; `undefined` for anything else (a wrong option, a
 * template without a value for one of its placeholders: server bugs, which propagate as a 500).
 */
export function failureOfServiceError(error: unknown): OtpGuardFailure | undefined {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  const byCode = typeof code === 'string' ? BY_CODE[code] : undefined;
  if (byCode !== undefined) return byCode(error);
  for (const [type, failure] of BY_CLASS) if (error instanceof type) return failure(error);
  if (
    (error instanceof SmsValidationError ||
      (error as Error | undefined)?.name === 'SmsValidationError') &&
    typeof code === 'string' &&
    !SERVER_SIDE_VALIDATION_CODES.has(code)
  ) {
    return badRequest(error);
  }
  return undefined;
}

/** The HTTP answer of each refusal (what `OtpGuard.createException()` returns by default). */
const EXCEPTIONS: {
  readonly [K in OtpGuardFailure['kind']]: (
    failure: Extract<OtpGuardFailure, { kind: K }>,
  ) => HttpException;
} = {
  required: (failure) =>
    new OtpRequiredException(
      failure.challenge,
      failure.deliveryUncertain === true && failure.challenge !== undefined
        ? `A one-time password may have been sent to ${failure.challenge.maskedPhone} (the SMS provider's answer was lost). If it arrives, repeat the request with the challenge id and the code; if not, request a new one after resendAvailableAt.`
        : undefined,
    ),
  rejected: (failure) => new OtpRejectedException(failure),
  locked: (failure) => new OtpLockedException(failure),
  'account-locked': (failure) =>
    new OtpAccountLockedException(failure, undefined, { cause: failure.cause }),
  'rate-limited': (failure) =>
    new OtpTooManyRequestsException(failure, undefined, { cause: failure.cause }),
  unavailable: (failure) => new OtpUnavailableException(undefined, { cause: failure.cause }),
  'bad-request': (failure) => new OtpBadRequestException(failure.message, { cause: failure.cause }),
};

/** The default HTTP answer of a refusal. */
/**
 * The refusal of a code the service did not accept: 401 with the reason and attempts left; a
 * locked challenge 429 with the time until a new code will really be sent (0: now, no
 * Retry-After: a retry without a code follows the same send caps and account lock).
 */
export function failureOfRefusedCode(
  result: OtpVerifyFailure,
  challengeId: string,
): OtpGuardFailure {
  if (result.reason === 'locked') {
    const wait = result.retryAfterSeconds;
    return {
      kind: 'locked',
      ...(wait === undefined || wait <= 0 ? {} : { retryAfterSeconds: wait }),
    };
  }
  return {
    kind: 'rejected',
    reason: result.reason,
    attemptsLeft: result.attemptsLeft,
    challengeId,
  };
}

export function otpGuardException(failure: OtpGuardFailure): HttpException {
  return (EXCEPTIONS[failure.kind] as (failure: OtpGuardFailure) => HttpException)(failure);
}
