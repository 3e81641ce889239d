import { InvalidOptionsError } from '../../errors/validation.error.js';
import { definedFields } from '../../defined-fields.js';
import {
  DEFAULT_OTP_BODY_FIELDS,
  DEFAULT_OTP_CHALLENGE_HEADER,
  DEFAULT_OTP_CODE_HEADER,
  type OtpBodyFieldNames,
  type OtpGuardModuleOptions,
  type OtpRequestValue,
} from './otp-guard.options.js';

/** `OtpGuardModuleOptions` with defaults applied and header names lower-cased for lookup. */
export interface ResolvedOtpGuardOptions {
  readonly challengeHeader: string;
  readonly codeHeader: string;
  readonly bodyFields: Required<OtpBodyFieldNames> | undefined;
  readonly autoSend: boolean;
  readonly phone: OtpRequestValue<string | undefined> | undefined;
  readonly subject: OtpRequestValue<string | number | undefined> | undefined;
  readonly message: OtpRequestValue<string | undefined> | undefined;
}

/** An HTTP header name (RFC 9110 token). */
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;
/** A body field name: a plain property name, not a path. */
const FIELD_NAME = /^[A-Za-z_$][\w$-]*$/;

/** @deprecated internal name; use `ResolvedOtpGuardOptions`. */
export type ResolvedOtpGuardModuleOptions = ResolvedOtpGuardOptions;

/** What every `OtpGuard` instance receives (`OTP_GUARD_DEFAULTS`), resolved once at start-up. */
export interface ResolvedOtpGuardDefaults extends ResolvedOtpGuardOptions {
  /** Purposes whose `otp.purposes` profile has a template of its own (it wins over `otp.guard.message`). */
  readonly purposesWithTemplates: ReadonlySet<string>;
}

/**
 * The guard defaults of the module's `otp` block (`otp.guard` and which `otp.purposes` have a
 * template of their own), for the `OTP_GUARD_DEFAULTS` provider: resolved once, whatever the
 * number of guard instances.
 */
export function resolveOtpGuardDefaults(otp: unknown): ResolvedOtpGuardDefaults {
  const { guard, purposes } = (otp ?? {}) as {
    guard?: OtpGuardModuleOptions;
    purposes?: Record<string, { message?: unknown; boundMessage?: unknown } | null> | null;
  };
  const purposesWithTemplates = new Set(
    purposes !== null && typeof purposes === 'object'
      ? Object.entries(purposes)
          .filter(
            ([, profile]) => profile?.message !== undefined || profile?.boundMessage !== undefined,
          )
          .map(([purpose]) => purpose)
      : [],
  );
  return Object.freeze({ ...resolveOtpGuardOptions(guard), purposesWithTemplates });
}

/**
 * Validates `otp.guard` once, at start-up, and applies the defaults. Throws
 * `InvalidOptionsError` naming the option and what is allowed.
 */
export function resolveOtpGuardOptions(
  options: OtpGuardModuleOptions | undefined,
  path = 'otp.guard',
): ResolvedOtpGuardOptions {
  if (options !== undefined && (options === null || typeof options !== 'object')) {
    throw new InvalidOptionsError(path, 'expected an object');
  }
  const given = options ?? {};
  const header = (name: 'challengeHeader' | 'codeHeader', fallback: string): string => {
    const value = given[name] ?? fallback;
    if (typeof value !== 'string' || !HEADER_NAME.test(value)) {
      throw new InvalidOptionsError(
        `${path}.${name}`,
        'expected an HTTP header name such as "X-OTP-Code"',
      );
    }
    return value.toLowerCase();
  };
  const challengeHeader = header('challengeHeader', DEFAULT_OTP_CHALLENGE_HEADER);
  const codeHeader = header('codeHeader', DEFAULT_OTP_CODE_HEADER);
  if (challengeHeader === codeHeader) {
    throw new InvalidOptionsError(
      `${path}.codeHeader`,
      'expected a header different from challengeHeader',
    );
  }
  if (given.autoSend !== undefined && typeof given.autoSend !== 'boolean') {
    throw new InvalidOptionsError(`${path}.autoSend`, 'expected true or false');
  }
  for (const name of ['phone', 'subject', 'message'] as const) {
    const value = given[name];
    if (value !== undefined && !['string', 'number', 'function'].includes(typeof value)) {
      throw new InvalidOptionsError(
        `${path}.${name}`,
        'expected a string or a function of the request',
      );
    }
  }
  return {
    challengeHeader,
    codeHeader,
    bodyFields: resolveBodyFields(given.bodyFields, (field, expected) => {
      throw new InvalidOptionsError(`${path}.bodyFields${field}`, `expected ${expected}`);
    }),
    autoSend: given.autoSend ?? true,
    phone: given.phone,
    subject: given.subject,
    message: given.message,
  };
}

/**
 * `true` → default names, `false`/absent → off, an object → its names over the defaults.
 * `invalid(field, expected)` throws the caller's error (`field` is `''`, `.challengeId` or `.code`).
 */
export function resolveBodyFields(
  value: boolean | OtpBodyFieldNames | undefined,
  invalid: (field: string, expected: string) => never,
): Required<OtpBodyFieldNames> | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) return DEFAULT_OTP_BODY_FIELDS;
  if (value === null || typeof value !== 'object') {
    return invalid('', 'true, false or { challengeId?, code? }');
  }
  const names = { ...DEFAULT_OTP_BODY_FIELDS, ...definedFields(value) };
  for (const key of ['challengeId', 'code'] as const) {
    if (typeof names[key] !== 'string' || !FIELD_NAME.test(names[key])) {
      invalid(`.${key}`, 'a body field name such as "otpCode"');
    }
  }
  if (names.challengeId === names.code) invalid('.code', 'a name different from challengeId');
  return Object.freeze(names);
}
