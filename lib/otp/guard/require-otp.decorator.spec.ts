import { GUARDS_METADATA } from '@nestjs/common/constants.js';
import { SmsValidationError } from '../../errors/validation.error.js';
import { REQUIRE_OTP_METADATA, SKIP_OTP_METADATA } from '../../posta-guvercini.constants.js';
import { OtpGuard } from './otp.guard.js';
import { RequireOtp, type RequireOtpOptions } from './require-otp.decorator.js';
import { SkipOtp } from './skip-otp.decorator.js';

describe('@RequireOtp()', () => {
  it('on a handler: stores the options and applies OtpGuard to that handler', () => {
    class Controller {
      @RequireOtp({ purpose: 'transfer' })
      transfer(): void {}
      other(): void {}
    }
    const { transfer, other } = Controller.prototype;
    expect(Reflect.getMetadata(REQUIRE_OTP_METADATA, transfer)).toEqual({ purpose: 'transfer' });
    expect(Reflect.getMetadata(GUARDS_METADATA, transfer)).toEqual([OtpGuard]);
    expect(Reflect.getMetadata(REQUIRE_OTP_METADATA, other)).toBeUndefined();
    expect(Reflect.getMetadata(GUARDS_METADATA, other)).toBeUndefined();
  });

  it('on a controller: stores the options and applies OtpGuard to the class', () => {
    @RequireOtp()
    class Controller {}
    expect(Reflect.getMetadata(REQUIRE_OTP_METADATA, Controller)).toEqual({});
    expect(Reflect.getMetadata(GUARDS_METADATA, Controller)).toEqual([OtpGuard]);
  });

  it('keeps a frozen copy: the caller’s object is neither mutated nor able to change the route later', () => {
    const options: { -readonly [K in keyof RequireOtpOptions]: RequireOtpOptions[K] } = {
      purpose: 'login',
    };
    class Controller {
      @RequireOtp(options)
      login(): void {}
    }
    options.purpose = 'changed';
    const stored = Reflect.getMetadata(
      REQUIRE_OTP_METADATA,
      Controller.prototype.login,
    ) as RequireOtpOptions;
    expect(stored).toEqual({ purpose: 'login' });
    expect(stored).not.toBe(options);
    expect(Object.isFrozen(stored)).toBe(true);
    expect(Object.isFrozen(options)).toBe(false);
  });

  it.each<[string, unknown]>([
    ['purpose', { purpose: '' }],
    ['purpose', { purpose: 42 }],
    ['autoSend', { autoSend: 'no' }],
    ['bodyFields', { bodyFields: 'otpCode' }],
    ['bodyFields.code', { bodyFields: { code: 'nested.path' } }],
    ['phone', { phone: ['905321234567'] }],
    ['bind', { bind: 'amount' }],
  ])('refuses a wrong "%s" when the class is defined', (field, options) => {
    let error: unknown;
    try {
      RequireOtp(options as RequireOtpOptions);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SmsValidationError);
    expect((error as SmsValidationError).field).toBe(field);
    expect((error as Error).message).toContain(`@RequireOtp(): "${field}"`);
  });
});

describe('@SkipOtp()', () => {
  it('marks a handler or a controller', () => {
    @SkipOtp()
    class Controller {
      @SkipOtp()
      open(): void {}
    }
    expect(Reflect.getMetadata(SKIP_OTP_METADATA, Controller)).toBe(true);
    expect(Reflect.getMetadata(SKIP_OTP_METADATA, Controller.prototype.open)).toBe(true);
  });
});
