import { SmsValidationError } from '../errors/validation.error.js';
import {
  DEFAULT_OTP_BOUND_MESSAGE,
  DEFAULT_OTP_MESSAGE,
  fillOtpTemplate,
  renderOtpTemplate,
} from './otp-template.js';

describe('renderOtpTemplate', () => {
  it('renders the Turkish defaults', () => {
    expect(
      fillOtpTemplate(renderOtpTemplate(DEFAULT_OTP_MESSAGE, { minutes: '3' }), '042917'),
    ).toBe('Dogrulama kodunuz: 042917. Kod 3 dakika gecerlidir. Bu kodu kimseyle paylasmayin.');
    const bound = renderOtpTemplate(DEFAULT_OTP_BOUND_MESSAGE, {
      amount: '149.90',
      currency: 'TRY',
      payee: 'ACME A.Ş.',
    });
    expect(fillOtpTemplate(bound, '123456')).toBe(
      'ACME A.Ş. icin 149.90 TRY tutarli islem onay kodunuz: 123456. Kimseyle paylasmayin.',
    );
  });

  it('keeps the rendered text free of the code, so it can be stored for resends', () => {
    const parts = renderOtpTemplate('Kod: {code} ({purpose})', { purpose: 'login' });
    expect(parts).toEqual(['Kod: ', ' (login)']);
    expect(fillOtpTemplate(parts, '999999')).toBe('Kod: 999999 (login)');
  });

  it('does not expand placeholders that come from bound values', () => {
    const parts = renderOtpTemplate('{payee}: {code}', { payee: 'x {code} {amount}' });
    expect(fillOtpTemplate(parts, '111111')).toBe('x {code} {amount}: 111111');
  });

  it('accepts a function template', () => {
    const parts = renderOtpTemplate((v) => `${v['payee']} ${v['code']}`, { payee: 'ACME' });
    expect(fillOtpTemplate(parts, '222222')).toBe('ACME 222222');
  });

  it('refuses a template without {code} or with a placeholder that has no value', () => {
    expect(() => renderOtpTemplate('Merhaba', {})).toThrow(SmsValidationError);
    expect(() => renderOtpTemplate('Merhaba', {})).toThrow(/\{code\}/);
    expect(() => renderOtpTemplate(DEFAULT_OTP_BOUND_MESSAGE, { amount: '1', payee: 'x' })).toThrow(
      /\{currency\}/,
    );
    expect(() => renderOtpTemplate((() => 42) as never, {})).toThrow(SmsValidationError);
  });
});
