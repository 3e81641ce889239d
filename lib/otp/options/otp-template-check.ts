import { InvalidOptionsError, SmsValidationError } from '../../errors/validation.error.js';
import {
  type OtpMessageTemplate,
  otpTemplatePlaceholders,
  otpTextSegments,
  renderOtpTemplate,
} from '../otp-template.js';
import {
  DEFAULT_BIND_LIMIT,
  type ResolvedOtpOptions,
  type ResolvedOtpProfile,
} from './resolved-otp-options.js';

/**
 * Start-up check of `otp.maxSegments`: every configured template (module, each purpose, the
 * guard's string message), with and without binding, measured in its worst case: the longest
 * code of its profile, every bound placeholder at its `otp.bindLimits` length, `{minutes}` of
 * the profile, `{purpose}` as the profile's name, and the WebOTP / SMS Retriever lines.
 */
export function checkTemplateSegments(options: ResolvedOtpOptions, guardMessage: unknown): void {
  const profiles: Array<[string, string, ResolvedOtpProfile]> = [
    ['otp', 'default', options.defaultProfile],
    ...[...options.purposes].map(([purpose, p]): [string, string, ResolvedOtpProfile] => [
      `otp.purposes.${purpose}`,
      purpose,
      p,
    ]),
  ];
  const longestPurpose = [...options.purposes.keys(), 'default'].reduce((a, b) =>
    b.length > a.length ? b : a,
  );
  for (const [path, purpose, p] of profiles) {
    const candidates: Array<[string, OtpMessageTemplate]> = [
      [`${path}.message`, p.message],
      [`${path}.boundMessage`, p.boundMessage],
    ];
    if (path === 'otp' && typeof guardMessage === 'string') {
      candidates.push(['otp.guard.message', guardMessage]);
    }
    for (const [name, template] of candidates) {
      const values: Record<string, string> = {
        minutes: String(Math.ceil(p.ttlSeconds / 60)),
        purpose: path === 'otp' ? longestPurpose : purpose,
      };
      const placeholders =
        typeof template === 'string'
          ? otpTemplatePlaceholders(template)
          : Object.keys(options.bindLimits);
      for (const placeholder of placeholders) {
        if (placeholder === 'code' || Object.hasOwn(values, placeholder)) continue;
        values[placeholder] = 'X'.repeat(options.bindLimits[placeholder] ?? DEFAULT_BIND_LIMIT);
      }
      let segments: number;
      try {
        segments = otpTextSegments(
          renderOtpTemplate(template, values, options.textExtras),
          p.codeLength,
        );
      } catch (error) {
        if (error instanceof SmsValidationError) {
          throw new InvalidOptionsError(name, error.message);
        }
        throw error;
      }
      if (segments > options.maxSegments) {
        throw new InvalidOptionsError(
          name,
          `costs ${segments} SMS segments in the worst case (a ${p.codeLength}-digit code, bound values at their otp.bindLimits lengths${options.textExtras.webOtpDomain === undefined && options.textExtras.androidAppHash === undefined ? '' : ', the WebOTP / SMS Retriever lines'}); otp.maxSegments allows ${options.maxSegments}. Shorten it (GSM-7 letters: 160 characters per segment; any ş ğ ı ç makes it UCS-2: 70), or raise otp.maxSegments`,
        );
      }
    }
  }
}
