import type { Logger } from '@nestjs/common';
import { InvalidOptionsError } from '../errors/validation.error.js';
import type { OtpHasher } from './otp-code.js';
import { toSeconds } from './otp-challenge.js';
import type { OtpDeliveryTracker } from './otp-delivery-tracker.js';
import type { OtpEventDispatcher } from './otp-event-dispatcher.js';
import type { OtpSendLimits } from './otp-send-limits.js';
import type { OtpSmsSender } from './otp-sms-sender.js';
import type { OtpStoreFailures } from './otp-store-failures.js';
import { type ResolvedOtpOptions, SECRET_REQUIRED } from './resolve-otp-options.js';
import type { OtpChallengeSummary, OtpStore } from './stores/otp.store.js';

// What the OTP flows (otp-send-flow.ts, otp-resend-flow.ts, otp-verify-flow.ts and OtpService)
// share: the options, the secret's hasher, the clock, the store (whose failures close the flow)
// and the helpers each flow calls. Held by OtpService in a private field: it holds the secret.

/** The parts of OtpService every OTP flow uses. */
export class OtpFlowContext {
  readonly #hasher: OtpHasher | undefined;
  private warnedGeneratedSecret = false;

  constructor(
    readonly options: ResolvedOtpOptions,
    hasher: OtpHasher | undefined,
    readonly store: OtpStore,
    readonly limits: OtpSendLimits,
    readonly dispatch: OtpEventDispatcher,
    readonly sms: OtpSmsSender,
    readonly tracker: OtpDeliveryTracker,
    private readonly storeFailures: OtpStoreFailures,
    private readonly logger: Logger,
  ) {
    this.#hasher = hasher;
  }

  /** Whether OTP is configured (a secret is set or generated). */
  get configured(): boolean {
    return this.#hasher !== undefined;
  }

  /** The hasher of `otp.secret`; `InvalidOptionsError` when OTP is not configured. */
  requireHasher(): OtpHasher {
    if (this.#hasher === undefined) {
      throw new InvalidOptionsError('otp.secret', `${SECRET_REQUIRED}. Set it to use OtpService.`);
    }
    if (this.options.generatedSecret && !this.warnedGeneratedSecret) {
      this.warnedGeneratedSecret = true;
      this.logger.warn(
        'otp.secret is not set: using a random secret for this process (memory transport). Codes do not survive a restart and cannot be shared between instances; set otp.secret (≥ 32 random bytes) before production.',
      );
    }
    return this.#hasher;
  }

  /** Epoch milliseconds from `otp.clock`, whole. */
  now(): number {
    const now = this.options.clock();
    if (typeof now !== 'number' || !Number.isFinite(now)) {
      throw new InvalidOptionsError(
        'otp.clock',
        'must return epoch milliseconds (a finite number)',
      );
    }
    return Math.floor(now);
  }

  /** Runs a store operation; a failure becomes `OtpStoreUnavailableError` (fail closed). */
  async useStore<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw this.storeFailures.toError(error);
    }
  }

  /** The error to throw for a store failure (for flows that call the store without a closure). */
  storeError(error: unknown): unknown {
    return this.storeFailures.toError(error);
  }

  /**
   * Seconds until `send()` would accept a new code for a locked challenge's phone and account
   * (send caps and account lock), without counting anything; 0 when it would now. Falls back
   * on the locked challenge's own remaining time when the store cannot tell.
   */
  async newCodeWait(
    hasher: OtpHasher,
    challenge: OtpChallengeSummary,
    ip: unknown,
    fallbackMs: number,
    now: number,
  ): Promise<number> {
    const limits = this.limits.newCodeHits(
      hasher,
      challenge.phone,
      typeof ip === 'string' && ip !== '' ? ip : undefined,
      challenge.purpose,
    );
    const lockoutKey = this.limits.lockoutKeyOf(hasher, challenge.subject, challenge.phone);
    const waitMs = await this.useStore(() => this.store.sendWait(limits, lockoutKey, now));
    if (waitMs === undefined) return toSeconds(fallbackMs);
    return waitMs <= 0 ? 0 : Math.ceil(waitMs / 1000);
  }
}
