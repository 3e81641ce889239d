import { InvalidOptionsError } from '../../errors/validation.error.js';
import {
  resolveBodyFields,
  resolveOtpGuardOptions as resolveOtpGuardModuleOptions,
} from './otp-guard.options-validation.js';

describe('resolveOtpGuardModuleOptions', () => {
  it('applies the defaults', () => {
    expect(resolveOtpGuardModuleOptions(undefined)).toEqual({
      challengeHeader: 'x-otp-challenge',
      codeHeader: 'x-otp-code',
      bodyFields: undefined,
      autoSend: true,
      phone: undefined,
      subject: undefined,
      message: undefined,
    });
  });

  it('takes custom header names (looked up case-insensitively) and body fields', () => {
    const phone = (req: { user: { gsm: string } }) => req.user.gsm;
    const resolved = resolveOtpGuardModuleOptions({
      challengeHeader: 'X-Sms-Challenge',
      codeHeader: 'X-Sms-Code',
      bodyFields: { code: 'smsCode' },
      autoSend: false,
      phone,
    });
    expect(resolved).toMatchObject({
      challengeHeader: 'x-sms-challenge',
      codeHeader: 'x-sms-code',
      bodyFields: { challengeId: 'otpChallengeId', code: 'smsCode' },
      autoSend: false,
      phone,
    });
  });

  it.each([
    [{ challengeHeader: 'X OTP' }, 'otp.guard.challengeHeader'],
    [{ codeHeader: '' }, 'otp.guard.codeHeader'],
    [{ challengeHeader: 'x-otp', codeHeader: 'X-OTP' }, 'otp.guard.codeHeader'],
    [{ autoSend: 'yes' }, 'otp.guard.autoSend'],
    [{ bodyFields: 'otpCode' }, 'otp.guard.bodyFields'],
    [{ bodyFields: { code: 'a.b' } }, 'otp.guard.bodyFields.code'],
    [{ bodyFields: { challengeId: 'otpCode' } }, 'otp.guard.bodyFields.code'],
    [{ phone: { from: 'user' } }, 'otp.guard.phone'],
  ])('refuses %j, naming %s', (options, field) => {
    let error: unknown;
    try {
      resolveOtpGuardModuleOptions(options as never);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InvalidOptionsError);
    expect((error as InvalidOptionsError).field).toBe(field);
    expect((error as Error).message).toContain(`"${field}"`);
  });
});

describe('resolveBodyFields', () => {
  const invalid = (field: string, expected: string): never => {
    throw new Error(`${field}: ${expected}`);
  };

  it('is off when absent or false, the default names when true', () => {
    expect(resolveBodyFields(undefined, invalid)).toBeUndefined();
    expect(resolveBodyFields(false, invalid)).toBeUndefined();
    expect(resolveBodyFields(true, invalid)).toEqual({
      challengeId: 'otpChallengeId',
      code: 'otpCode',
    });
  });

  it('does not modify the given object', () => {
    const given = Object.freeze({ challengeId: 'challenge' });
    expect(resolveBodyFields(given, invalid)).toEqual({
      challengeId: 'challenge',
      code: 'otpCode',
    });
    expect(given).toEqual({ challengeId: 'challenge' });
  });
});
