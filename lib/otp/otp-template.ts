import { SmsValidationError } from '../errors/validation.error.js';

/** Values a template can use: `code`, `minutes`, `purpose` and every bound value. */
export type OtpTemplateValues = Readonly<Record<string, string>>;

/** A template string with `{name}` placeholders, or a function of the values. */
export type OtpMessageTemplate = string | ((values: OtpTemplateValues) => string);

/** Default text of a plain challenge (login and the like). */
export const DEFAULT_OTP_MESSAGE =
  'Doğrulama kodunuz: {code}. Kod {minutes} dakika geçerlidir. Bu kodu kimseyle paylaşmayın.';

/** Default text of a bound challenge (PSD2 dynamic linking: amount and payee are shown). */
export const DEFAULT_OTP_BOUND_MESSAGE =
  '{payee} için {amount} {currency} tutarındaki işleminizi onaylamak için doğrulama kodunuz: {code}. Bu kodu kimseyle paylaşmayın.';

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
