import { InvalidOptionsError } from '../errors/validation.error.js';
import type { OtpLimitKeyInput } from './otp.options.js';
import type { OtpHasher } from './otp-code.js';
import { otpBudgetHits, otpRateLimitHits } from './otp-rate-limits.js';
import {
  type ResolvedOtpOptions,
  type ResolvedOtpProfile,
  otpProfileOf,
} from './resolve-otp-options.js';
import type { OtpRateLimitHit } from './stores/otp.store.js';

/**
 * The counters and lockout accounts of OtpService's operations, from the resolved options: the
 * per-phone and per-IP caps (a purpose's own when it has them), the app-wide and named caps,
 * and the `otp.lockout` account of a challenge.
 */
export class OtpSendLimits {
  constructor(private readonly options: ResolvedOtpOptions) {}

  /** The per-phone (the purpose's own when it has them) and per-IP counters of a send. */
  phoneHits(
    hasher: OtpHasher,
    phone: string,
    ip: string | undefined,
    purpose: string,
    profile: ResolvedOtpProfile,
  ): OtpRateLimitHit[] {
    const own = this.options.purposes.get(purpose)?.phoneLimits;
    return otpRateLimitHits(
      hasher,
      phone,
      ip,
      profile.phoneLimits,
      this.options.ipLimits,
      own !== undefined && own !== this.options.defaultProfile.phoneLimits ? purpose : undefined,
    );
  }

  /** Every counter a send hits: phone, IP, app-wide and named caps. */
  sendHits(
    hasher: OtpHasher,
    input: OtpLimitKeyInput,
    ip: string | undefined,
    profile: ResolvedOtpProfile,
  ): OtpRateLimitHit[] {
    return [
      ...this.phoneHits(hasher, input.phone, ip, input.purpose, profile),
      ...otpBudgetHits(hasher, this.options.globalLimits, this.limitKeyValues(input)),
    ];
  }

  /** The counters a new code for a challenge's phone would hit (resend, or a locked challenge's wait). */
  newCodeHits(
    hasher: OtpHasher,
    phone: string,
    ip: string | undefined,
    purpose: string,
  ): OtpRateLimitHit[] {
    return [
      ...this.phoneHits(hasher, phone, ip, purpose, otpProfileOf(this.options, purpose)),
      ...otpBudgetHits(hasher, this.options.globalLimits, []),
    ];
  }

  /** The per-IP counters a send from `ip` would hit (none without a usable address). */
  ipHits(hasher: OtpHasher, ip: unknown): OtpRateLimitHit[] {
    if (typeof ip !== 'string' || ip === '') return [];
    return otpRateLimitHits(hasher, '', ip, [], this.options.ipLimits);
  }

  /** The `otp.lockout` account of a challenge: its subject, else its phone (keyed digests). */
  lockoutKeyOf(hasher: OtpHasher, subject: string | undefined, phone: string): string | undefined {
    if (this.options.lockout === undefined) return undefined;
    return subject === undefined
      ? hasher.keyId('account-phone', phone)
      : hasher.keyId('account-subject', subject);
  }

  /** The `otp.limitKeys` values of a send; a key function giving nothing skips its cap. */
  private limitKeyValues(
    input: OtpLimitKeyInput,
  ): Array<{ name: string; value: string; limits: ResolvedOtpProfile['phoneLimits'] }> {
    const values: Array<{
      name: string;
      value: string;
      limits: ResolvedOtpProfile['phoneLimits'];
    }> = [];
    for (const { name, key, limits } of this.options.limitKeys) {
      const value: unknown = key(Object.freeze({ ...input }));
      if (value === undefined || value === null || value === '') continue;
      if (typeof value !== 'string' && typeof value !== 'number') {
        throw new InvalidOptionsError(
          `otp.limitKeys.${name}.key`,
          'must return a string, a number, or undefined to skip the cap',
        );
      }
      values.push({ name, value: String(value), limits });
    }
    return values;
  }
}
