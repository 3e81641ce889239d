import { SmsValidationError } from '../errors/validation.error.js';
import { normalizePhoneNumber } from '../phone/phone-number.js';
import type { OtpSendRequest, OtpVerifyRequest } from './otp.types.js';
import { fitOtpText, renderOtpTemplate } from './otp-template.js';
import { checkBinding } from './otp-bound-values.js';
import type { ResolvedOtpOptions, ResolvedOtpProfile } from './resolve-otp-options.js';

// The input checks of OtpService, before anything is stored or sent: the requests of send(),
// verify() and unlock(), challenge ids, codes, purposes, subjects, presented phone numbers, and
// the SMS text of a template. Bound values have their own check (otp-bound-values.ts).

/** Purpose used when `send()` or `verify()` is given none. */
export const DEFAULT_OTP_PURPOSE = 'default';

/** Challenge ids are 22 base64url characters; anything else is unknown without asking the store. */
export const CHALLENGE_ID = /^[A-Za-z0-9_-]{22}$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
/** Codes longer than this are wrong anyway; hashing them would only cost time. */
const MAX_CODE_INPUT = 64;
/** The challenge id given (trimmed), or `undefined` when it is not one this service issues. */
export function challengeIdOf(value: unknown): string | undefined {
  const id = typeof value === 'string' ? value.trim() : '';
  return CHALLENGE_ID.test(id) ? id : undefined;
}

/** A `send()` request, checked: canonical phone, purpose, subject, bound values, client IP. */
export function readSendRequest(
  request: OtpSendRequest,
  options: Pick<ResolvedOtpOptions, 'allowedCountries' | 'bindLimits'>,
): {
  phone: string;
  purpose: string;
  subject: string | undefined;
  bind: Record<string, string> | undefined;
  ip: string | undefined;
} {
  if (request === null || typeof request !== 'object') {
    throw new SmsValidationError(
      'INVALID_OTP_REQUEST',
      'OtpService.send() expects { phone, purpose?, subject?, bind?, message?, ip? }',
      'request',
    );
  }
  const phone = normalizePhoneNumber(request.phone, {
    allowedCountries: options.allowedCountries,
    field: 'phone',
  });
  const purpose = checkPurpose(request.purpose);
  const subject = checkSubject(request.subject);
  const bind = checkBinding(request.bind, options.bindLimits);
  const ip = typeof request.ip === 'string' && request.ip !== '' ? request.ip : undefined;
  return { phone, purpose, subject, bind, ip };
}

/**
 * What a `verify()` request presents besides its challenge id: the code as typed, the subject,
 * the purpose (`DEFAULT_OTP_PURPOSE` when none, as in `send()`) and the canonical phone. Bound
 * values follow send()'s rules: an object, array, boolean or null is no bound value.
 */
export function readVerifyRequest(
  request: OtpVerifyRequest,
  allowedCountries: readonly string[],
): { code: string; subject: string | undefined; purpose: string; phone: string | undefined } {
  const code = normalizeCode(request.code);
  checkBinding(request.bind);
  const subject =
    request.subject === undefined || request.subject === null ? undefined : String(request.subject);
  // A code issued for a named purpose never passes a verify() that names none.
  const purpose =
    request.purpose === undefined || request.purpose === null
      ? DEFAULT_OTP_PURPOSE
      : String(request.purpose);
  const phone =
    request.phone === undefined || request.phone === null
      ? undefined
      : presentedPhone(request.phone, allowedCountries);
  return { code, subject, purpose, phone };
}

/** The account(s) `unlock()` is asked to lift: a subject, a canonical phone, or both. */
export function readUnlockAccount(
  account: { readonly subject?: string | number; readonly phone?: string },
  allowedCountries: readonly string[],
): { subject: string | undefined; phone: string | undefined } {
  if (account === null || typeof account !== 'object') {
    throw new SmsValidationError(
      'INVALID_OTP_REQUEST',
      'OtpService.unlock() expects { subject } or { phone }',
      'account',
    );
  }
  const subject = checkSubject(account.subject);
  const phone =
    account.phone === undefined
      ? undefined
      : normalizePhoneNumber(account.phone, { allowedCountries, field: 'phone' });
  if (subject === undefined && phone === undefined) {
    throw new SmsValidationError(
      'INVALID_OTP_REQUEST',
      'OtpService.unlock() expects { subject } or { phone }',
      'subject',
    );
  }
  return { subject, phone };
}

/** What the user typed, without spaces and dashes; anything that is not the code fails like a wrong code. */
export function normalizeCode(code: unknown): string {
  const text = typeof code === 'string' ? code : typeof code === 'number' ? String(code) : '';
  return text.replace(/[\s-]/g, '').slice(0, MAX_CODE_INPUT);
}

export function checkPurpose(purpose: unknown): string {
  if (purpose === undefined) return DEFAULT_OTP_PURPOSE;
  if (
    typeof purpose !== 'string' ||
    purpose.trim() === '' ||
    purpose.length > 100 ||
    CONTROL.test(purpose)
  ) {
    throw new SmsValidationError(
      'INVALID_OTP_PURPOSE',
      'purpose must be a non-empty string of at most 100 characters',
      'purpose',
    );
  }
  return purpose;
}

export function checkSubject(subject: unknown): string | undefined {
  if (subject === undefined || subject === null) return undefined;
  if (
    (typeof subject !== 'string' && typeof subject !== 'number') ||
    String(subject) === '' ||
    String(subject).length > 200
  ) {
    throw new SmsValidationError(
      'INVALID_OTP_SUBJECT',
      'subject must be a non-empty string or number of at most 200 characters',
      'subject',
    );
  }
  return String(subject);
}

/**
 * The phone presented at verification, canonical; `''` (which matches no challenge) for a
 * value that is not a mobile number of an allowed country, so it fails like a wrong code.
 */
export function presentedPhone(phone: unknown, allowedCountries: readonly string[]): string {
  try {
    return normalizePhoneNumber(phone, { allowedCountries, field: 'phone' });
  } catch (error) {
    if (error instanceof SmsValidationError) return '';
    throw error;
  }
}

/**
 * The SMS text of a challenge, split where the code goes: the template (the request's, else
 * the profile's) with its values, the SMS Retriever and WebOTP lines, fitted into
 * `otp.maxSegments` (Turkish letters transliterated when that is what it takes). Refused with
 * `INVALID_OTP_BINDING` (bound values) or `OTP_TEMPLATE_TOO_LONG` when it cannot fit.
 */
export function renderOtpText(
  options: Pick<ResolvedOtpOptions, 'textExtras' | 'maxSegments'>,
  message: OtpSendRequest['message'],
  bind: Record<string, string> | undefined,
  purpose: string,
  profile: ResolvedOtpProfile,
  codeLength: number,
): string[] {
  const template = message ?? (bind === undefined ? profile.message : profile.boundMessage);
  const rendered = renderOtpTemplate(
    template,
    { ...bind, minutes: String(Math.ceil(profile.ttlSeconds / 60)), purpose },
    options.textExtras,
  );
  const fitted = fitOtpText(rendered, codeLength, options.maxSegments);
  if (fitted !== undefined) return fitted;
  if (bind !== undefined) {
    throw new SmsValidationError(
      'INVALID_OTP_BINDING',
      `the bound values make the SMS longer than otp.maxSegments (${options.maxSegments}) allows; shorten them (see otp.bindLimits)`,
      'bind',
    );
  }
  throw new SmsValidationError(
    'OTP_TEMPLATE_TOO_LONG',
    `the OTP message is longer than otp.maxSegments (${options.maxSegments}) allows`,
    'message',
  );
}
