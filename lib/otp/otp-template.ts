import { SmsValidationError } from '../errors/validation.error.js';
import { analyzeSmsText, transliterateTurkish } from '../message/sms-text.js';

/** Values a template can use: `code`, `minutes`, `purpose` and every bound value. */
export type OtpTemplateValues = Readonly<Record<string, string>>;

/** A template string with `{name}` placeholders, or a function of the values. */
export type OtpMessageTemplate = string | ((values: OtpTemplateValues) => string);

/**
 * Default text of a plain challenge (login and the like). Turkish written in the GSM-7
 * alphabet (no `ş ğ ı ç`), so it costs one SMS segment (160 characters) rather than two UCS-2
 * ones: 86 characters with a 10-digit code.
 */
export const DEFAULT_OTP_MESSAGE =
  'Dogrulama kodunuz: {code}. Kod {minutes} dakika gecerlidir. Bu kodu kimseyle paylasmayin.';

/**
 * Default text of a bound challenge (PSD2 dynamic linking: amount and payee are shown), GSM-7
 * Turkish: one segment with a 40-character payee, a 16-character amount, a 3-letter currency
 * and a 10-digit code (128 characters), leaving room for the WebOTP and SMS Retriever lines.
 */
export const DEFAULT_OTP_BOUND_MESSAGE =
  '{payee} icin {amount} {currency} tutarli islem onay kodunuz: {code}. Kimseyle paylasmayin.';

/** What is added to every OTP SMS after the template (`otp.androidAppHash`, `otp.webOtpDomain`). */
export interface OtpTextExtras {
  /** WebOTP: the SMS ends with `@<domain> #<code>` on its own line. */
  readonly webOtpDomain?: string;
  /** Android SMS Retriever: the app's 11-character hash on its own line. */
  readonly androidAppHash?: string;
}

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
/**
 * Stands in for the code while the template is rendered, so the text can be kept (in the
 * store, for resends) without the code. Control characters cannot come from a template value
 * that reaches an SMS, and the rendered text is checked not to contain them otherwise.
 */
const CODE_MARK = '\u0000\u0001code\u0001\u0000';

/**
 * Renders a template with every value except the code and returns the text split where the
 * code goes: `parts.join(code)` is the SMS. Throws `SmsValidationError` before anything is
 * sent when the template has no `{code}` or uses a placeholder that has no value.
 */
export function renderOtpTemplate(
  template: OtpMessageTemplate,
  values: OtpTemplateValues,
  extras: OtpTextExtras = {},
): string[] {
  const all: OtpTemplateValues = { ...values, code: CODE_MARK };
  let text: string;
  if (typeof template === 'function') {
    const produced: unknown = template(all);
    if (typeof produced !== 'string') {
      throw new SmsValidationError(
        'OTP_TEMPLATE_INVALID',
        'The OTP message function must return a string.',
        'message',
      );
    }
    text = produced;
  } else if (typeof template === 'string') {
    text = template.replace(PLACEHOLDER, (_match, name: string) => {
      const value = Object.hasOwn(all, name) ? all[name] : undefined;
      if (value === undefined) {
        throw new SmsValidationError(
          'OTP_TEMPLATE_PLACEHOLDER',
          `The OTP message uses {${name}}, which has no value: bind it (bind: { ${name}: … }) or change the template (message / otp.message / otp.boundMessage).`,
          'message',
        );
      }
      return value;
    });
  } else {
    throw new SmsValidationError(
      'OTP_TEMPLATE_INVALID',
      'The OTP message must be a string or a function.',
      'message',
    );
  }
  if (text.split(CODE_MARK).length < 2) {
    throw new SmsValidationError(
      'OTP_TEMPLATE_NO_CODE',
      'The OTP message must contain the {code} placeholder.',
      'message',
    );
  }
  // The SMS Retriever hash on a line of its own; the WebOTP line last (the spec wants it last).
  if (extras.androidAppHash !== undefined) text += `\n${extras.androidAppHash}`;
  if (extras.webOtpDomain !== undefined) text += `\n\n@${extras.webOtpDomain} #${CODE_MARK}`;
  const parts = text.split(CODE_MARK);
  if (parts.length < 2) {
    throw new SmsValidationError(
      'OTP_TEMPLATE_NO_CODE',
      'The OTP message must contain the {code} placeholder.',
      'message',
    );
  }
  if (parts.some((part) => part.includes('\u0000'))) {
    throw new SmsValidationError(
      'OTP_TEMPLATE_INVALID',
      'The OTP message contains a NUL character.',
      'message',
    );
  }
  return parts;
}

/** Puts a code into a rendered template. */
export function fillOtpTemplate(parts: readonly string[], code: string): string {
  return parts.join(code);
}

/**
 * Segments the SMS of a rendered template costs with a code of `codeLength` digits, and the
 * analysis behind it (the code is all digits: its length is all that matters).
 */
export function otpTextSegments(parts: readonly string[], codeLength: number): number {
  return analyzeSmsText(parts.join('9'.repeat(codeLength))).segments;
}

/**
 * Fits a rendered text into `maxSegments`: as it is when it fits; else with the Turkish letters
 * that force UCS-2 (`ş ğ ı İ ç …`, usually from a bound payee such as `ACME A.Ş.`) replaced by
 * their GSM-7 look-alikes (`transliterateTurkish`), when that fits; else `undefined`.
 */
export function fitOtpText(
  parts: readonly string[],
  codeLength: number,
  maxSegments: number,
): string[] | undefined {
  if (otpTextSegments(parts, codeLength) <= maxSegments) return [...parts];
  const plain = parts.map(transliterateTurkish);
  return otpTextSegments(plain, codeLength) <= maxSegments ? plain : undefined;
}

/** Names of the `{placeholders}` of a template string (none for a function). */
export function otpTemplatePlaceholders(template: OtpMessageTemplate): string[] {
  if (typeof template !== 'string') return [];
  return [...template.matchAll(PLACEHOLDER)].map((match) => match[1]!);
}
