import { SmsValidationError } from '../errors/validation.error.js';
import {
  DEFAULT_OTP_BOUND_MESSAGE,
  DEFAULT_OTP_MESSAGE,
  fillOtpTemplate,
  fitOtpText,
  otpTextSegments,
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

describe('otpTextSegments / fitOtpText', () => {
  it('measures with the code at its length and transliterates Turkish letters only when that makes it fit', () => {
    const parts = renderOtpTemplate(`${'a'.repeat(150)} {code}`, {});
    expect(otpTextSegments(parts, 6)).toBe(1);
    expect(otpTextSegments(parts, 10)).toBe(2);
    const turkish = renderOtpTemplate('Şifre: {code}', {});
    // Fits as UCS-2 already: kept as it is.
    expect(fitOtpText(turkish, 6, 1)).toEqual(['Şifre: ', '']);
    const long = renderOtpTemplate(`Şifre: {code} ${'b'.repeat(100)}`, {});
    expect(fitOtpText(long, 6, 1)).toEqual(['Sifre: ', ` ${'b'.repeat(100)}`]);
    const emoji = renderOtpTemplate(`{code} ${'😀'.repeat(40)}`, {});
    expect(fitOtpText(emoji, 6, 1)).toBeUndefined();
    expect(fitOtpText(emoji, 6, 2)).toBeDefined();
  });

  it('adds the SMS Retriever hash line and ends with the WebOTP line', () => {
    const parts = renderOtpTemplate(
      'Kod: {code}',
      {},
      { androidAppHash: 'FA+9qCX9VSu', webOtpDomain: 'bank.com.tr' },
    );
    expect(fillOtpTemplate(parts, '123456')).toBe(
      'Kod: 123456\nFA+9qCX9VSu\n\n@bank.com.tr #123456',
    );
  });
});
