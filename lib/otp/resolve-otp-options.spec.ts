import { InvalidOptionsError } from '../errors/validation.error.js';
import { InMemoryTransport } from '../transports/in-memory.transport.js';
import type { OtpModuleOptions } from './otp.options.js';
import { otpOptionsFactory } from './otp.providers.js';
import { OTP_DEFAULTS, resolveOtpOptions } from './resolve-otp-options.js';

const SECRET = 'aV3xQ9rT2mK8pL5wZ1nB7yH4jD6sF0gC';

describe('resolveOtpOptions', () => {
  it('applies the documented defaults', () => {
    const resolved = resolveOtpOptions({ transportIsInMemory: false, otp: { secret: SECRET } });
    expect(resolved).toMatchObject({
      codeLength: 6,
      ttlSeconds: 180,
      maxAttempts: 5,
      resendCooldownSeconds: 30,
      maxResends: 3,
      phoneLimits: [
        { limit: 5, windowSeconds: 600 },
        { limit: 20, windowSeconds: 86_400 },
      ],
      ipLimits: [{ limit: 20, windowSeconds: 600 }],
      allowedCountries: ['TR'],
      generatedSecret: false,
    });
    expect(resolved.secret).toEqual(Buffer.from(SECRET));
    expect(resolved.clock).toBe(Date.now);
    expect(OTP_DEFAULTS.ttlSeconds).toBe(180);
  });

  it('otp.lockout: defaults 10 failures in 24 h lock for 24 h; false turns it off; bad values are named', () => {
    const on = resolveOtpOptions({ transportIsInMemory: false, otp: { secret: SECRET } });
    expect(on.lockout).toEqual({ maxFailures: 10, windowMs: 86_400_000, lockMs: 86_400_000 });
    expect(
      resolveOtpOptions({
        transportIsInMemory: false,
        otp: { secret: SECRET, lockout: { maxFailures: 3, lockSeconds: 60 } },
      }).lockout,
    ).toEqual({ maxFailures: 3, windowMs: 86_400_000, lockMs: 60_000 });
    expect(
      resolveOtpOptions({ transportIsInMemory: false, otp: { secret: SECRET, lockout: false } })
        .lockout,
    ).toBeUndefined();
    const bad = (lockout: unknown) => () =>
      resolveOtpOptions({
        transportIsInMemory: false,
        otp: { secret: SECRET, lockout: lockout as OtpModuleOptions['lockout'] },
      });
    expect(bad({ maxFailures: 0 })).toThrow(/otp\.lockout\.maxFailures/);
    expect(bad({ lockSeconds: 1.5 })).toThrow(/otp\.lockout\.lockSeconds/);
    expect(bad({ maxFailure: 3 })).toThrow(/otp\.lockout\.maxFailure/);
    expect(bad(true)).toThrow(/otp\.lockout/);
  });

  it('refuses a short secret, naming otp.secret and never echoing it', () => {
    const attempt = () =>
      resolveOtpOptions({ transportIsInMemory: false, otp: { secret: 'short-secret-value' } });
    expect(attempt).toThrow(InvalidOptionsError);
    expect(attempt).toThrow(/"otp\.secret".*too short \(18 bytes\).*at least 32/);
    try {
      attempt();
    } catch (error) {
      expect(String((error as Error).message)).not.toContain('short-secret-value');
    }
    expect(() =>
      resolveOtpOptions({ transportIsInMemory: false, otp: { secret: 'a'.repeat(40) } }),
    ).toThrow(/placeholder/);
  });

  it('accepts a Buffer secret', () => {
    expect(
      resolveOtpOptions({
        transportIsInMemory: false,
        otp: { secret: Buffer.alloc(32, 0).map((_, i) => i) as Buffer },
      }).secret,
    ).toHaveLength(32);
  });

  it('requires a secret when an otp block is given with a wire transport', () => {
    expect(() =>
      resolveOtpOptions({ transportIsInMemory: false, otp: { ttlSeconds: 120 } }),
    ).toThrow(/"otp\.secret".*required/);
    expect(() => resolveOtpOptions({ transportIsInMemory: false, otp: {} })).toThrow(/otp\.secret/);
  });

  it('generates a per-process secret on the memory transport', () => {
    for (const transport of ['memory' as const, new InMemoryTransport()]) {
      const resolved = otpOptionsFactory({ transport });
      expect(resolved.generatedSecret).toBe(true);
      expect(resolved.secret).toHaveLength(32);
    }
  });

  it('leaves OTP unconfigured (not failing start-up) for a wire transport without an otp block', () => {
    expect(resolveOtpOptions({ transportIsInMemory: false }).secret).toBeUndefined();
  });

  it.each([
    [{ codeLength: 3 }, 'otp.codeLength'],
    [{ codeLength: 11 }, 'otp.codeLength'],
    [{ ttlSeconds: 1.5 }, 'otp.ttlSeconds'],
    [{ maxAttempts: 0 }, 'otp.maxAttempts'],
    [{ resendCooldownSeconds: -1 }, 'otp.resendCooldownSeconds'],
    [{ maxResends: 11 }, 'otp.maxResends'],
    [{ phoneLimits: { limit: 5 } }, 'otp.phoneLimits'],
    [{ phoneLimits: [{ limit: 0, windowSeconds: 60 }] }, 'otp.phoneLimits[0].limit'],
    [{ ipLimits: [{ limit: 1, windowSeconds: 0 }] }, 'otp.ipLimits[0].windowSeconds'],
    [{ allowedCountries: ['tr'] }, 'otp.allowedCountries'],
    [{ allowedCountries: [] }, 'otp.allowedCountries'],
    [{ message: 'no code here' }, 'otp.message'],
    [{ boundMessage: 42 }, 'otp.boundMessage'],
    [{ hooks: { onSend: () => {} } }, 'otp.hooks.onSend'],
    [{ hooks: { onSent: 'yes' } }, 'otp.hooks.onSent'],
    [{ clock: 5 }, 'otp.clock'],
  ])('refuses %j naming %s', (otp, option) => {
    expect(() =>
      resolveOtpOptions({
        transportIsInMemory: false,
        otp: { secret: SECRET, ...(otp as object) },
      }),
    ).toThrow(new RegExp(`"${option.replace(/[.[\]]/g, '\\$&')}"`));
  });

  it('refuses an unknown option, naming it and listing the known ones', () => {
    const attempt = () =>
      resolveOtpOptions({ transportIsInMemory: true, otp: { maxAttemps: 3 } as OtpModuleOptions });
    expect(attempt).toThrow(InvalidOptionsError);
    expect(attempt).toThrow(/"otp\.maxAttemps".*unknown option.*'maxAttempts'.*'guard'/);
    // Every documented option is known (each given with a valid value).
    expect(() =>
      resolveOtpOptions({
        transportIsInMemory: false,
        otp: {
          secret: SECRET,
          codeLength: 6,
          ttlSeconds: 180,
          maxAttempts: 5,
          resendCooldownSeconds: 30,
          maxResends: 3,
          phoneLimits: [],
          ipLimits: [],
          allowedCountries: ['TR'],
          message: '{code}',
          boundMessage: '{code}',
          store: 'memory',
          hooks: {},
          clock: Date.now,
          guard: {},
        },
      }),
    ).not.toThrow();
  });

  it('accepts [] to disable a cap', () => {
    expect(
      resolveOtpOptions({
        transportIsInMemory: false,
        otp: { secret: SECRET, phoneLimits: [], ipLimits: [] },
      }),
    ).toMatchObject({
      phoneLimits: [],
      ipLimits: [],
    });
  });
});
