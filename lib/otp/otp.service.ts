import { EventEmitter } from 'node:events';
import { inspect } from 'node:util';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleDestroy,
} from '@nestjs/common';
import { InvalidOptionsError } from '../errors/validation.error.js';
import { otpSpan, Traced } from '../telemetry/telemetry.js';
import { SmsTransport } from '../transports/sms-transport.js';
import { OTP_RESOLVED_OPTIONS } from './otp.constants.js';
import type { OtpEventMap } from './otp.events.js';
import type {
  OtpChallenge,
  OtpChallengeStatus,
  OtpSendRequest,
  OtpVerifyRequest,
  OtpVerifyResult,
} from './otp.types.js';
import { OtpHasher } from './otp-code.js';
import { challengeStatusOf } from './otp-challenge.js';
import { OtpDeliveryTracker } from './otp-delivery-tracker.js';
import { OtpEventDispatcher } from './otp-event-dispatcher.js';
import { OtpFlowContext } from './otp-flow-context.js';
import { challengeIdOf, readUnlockAccount } from './otp-input.js';
import { resendOtp } from './otp-resend-flow.js';
import { sendOtp } from './otp-send-flow.js';
import { OtpSendLimits } from './otp-send-limits.js';
import { OtpSmsSender } from './otp-sms-sender.js';
import { OtpStoreFailures } from './otp-store-failures.js';
import { verifyOtp } from './otp-verify-flow.js';
import { type ResolvedOtpOptions, otpProfileOf } from './resolve-otp-options.js';
import { MemoryOtpStore } from './stores/memory-otp.store.js';
import { OtpStore } from './stores/otp.store.js';

export { DEFAULT_OTP_PURPOSE } from './otp-input.js';

// The public face of the OTP flow: send, verify, resend, status, unlock, cancel. Each flow has
// a file of its own (otp-send-flow.ts, otp-verify-flow.ts, otp-resend-flow.ts) sharing one
// OtpFlowContext (otp-flow-context.ts: options, clock, store access); the jobs around them too:
// input checks (otp-input.ts, otp-bound-values.ts), counters and lockout accounts (otp-send-limits.ts), event
// payloads, hooks and listener safety (otp-event-dispatcher.ts), store failures
// (otp-store-failures.ts), the SMS send (otp-sms-sender.ts), delivery polling
// (otp-delivery-tracker.ts), challenge times and status (otp-challenge.ts).

/**
 * Sends, verifies, resends and cancels one-time passwords over the OTP account/host.
 *
 * Codes come from the CSPRNG and are never stored or logged: the store keeps
 * HMAC-SHA256(`otp.secret`, challenge id ‖ code ‖ binding), compared in constant time, used
 * once. A challenge accepts `otp.maxAttempts` wrong codes, then locks; a code presented with
 * another purpose, subject or binding (PSD2 dynamic linking) fails exactly like a wrong code.
 *
 * ```ts
 * const { challengeId } = await otp.send({ phone: '0532 123 45 67', purpose: 'login', subject: user.id });
 * const result = await otp.verify({ challengeId, code, purpose: 'login', subject: user.id });
 * if (!result.valid) … result.reason // 'invalid' | 'expired' | 'locked' | 'not_found'
 * ```
 *
 * Account lockout (`otp.lockout`, on by default): consecutive wrong codes are counted per
 * account (the subject, else the phone) across challenges, in the same store operation as the
 * attempt; at `maxFailures` every send and verification for the account is refused with
 * `OtpLockedError` until `lockSeconds` have passed or `unlock()` lifts it.
 *
 * Operations (docs/otp-operations.md): `status()` of any challenge from any instance (verified
 * and cancelled ones leave a tombstone without their code hash), delivery tracking
 * (`otp.trackDelivery`), a profile per purpose (`otp.purposes`), templates measured at start-up
 * against `otp.maxSegments` (with the WebOTP / SMS Retriever lines), test numbers, and the
 * app-wide and named caps (`otp.globalLimits`, `otp.limitKeys`) counted in the same atomic send.
 *
 * Audit/metrics: `events` (`sent`, `resent`, `delivered`, `undelivered`, `verified`, `failed`,
 * `locked`, `unlocked`, `cancelled`, `expired`, `rateLimited`, `testNumberUsed`) and
 * `otp.hooks`; no payload holds a code or the secret, and a listener that throws is logged
 * without breaking the call. The service prints (`console.log`, `util.inspect`,
 * `JSON.stringify`) without its secret or options.
 */
@Injectable()
export class OtpService implements OnModuleDestroy, OnApplicationShutdown {
  /** Audit and metrics events (typed). Listener errors are logged and never break a call. */
  readonly events = new EventEmitter<OtpEventMap>();
  private readonly logger = new Logger('OtpService');
  // Private fields (#): what holds the secret (#flow: the options, the HMAC key) is never
  // enumerable, and `[inspect.custom]` / `toJSON` print none of it.
  readonly #flow: OtpFlowContext;
  readonly #transport: SmsTransport;
  readonly #store: OtpStore;
  readonly #tracker: OtpDeliveryTracker;

  constructor(
    @Inject(SmsTransport) transport: SmsTransport,
    @Inject(OTP_RESOLVED_OPTIONS) options: ResolvedOtpOptions,
    @Inject(OtpStore) store: OtpStore = new MemoryOtpStore(),
  ) {
    this.#transport = transport;
    this.#store = store;
    const hasher = options.secret === undefined ? undefined : new OtpHasher(options.secret);
    const supportsLockout = (store as { supportsLockout?: unknown }).supportsLockout === true;
    if (options.lockout !== undefined && !supportsLockout) {
      throw new InvalidOptionsError(
        'otp.lockout',
        `the store (${store.constructor.name}) does not implement the account lockout; implement supportsLockout/unlock/sendWait and the lockout arguments, or set otp.lockout: false`,
      );
    }
    const dispatch = new OtpEventDispatcher(this.events, options.hooks, this.logger);
    this.#tracker = new OtpDeliveryTracker(
      options.trackDelivery,
      transport,
      store,
      dispatch,
      () => this.#flow.now(),
      this.logger,
    );
    this.#flow = new OtpFlowContext(
      options,
      hasher,
      store,
      new OtpSendLimits(options),
      dispatch,
      new OtpSmsSender(transport, store, this.logger),
      this.#tracker,
      new OtpStoreFailures(this.logger),
      this.logger,
    );
  }

  /** Whether OTP is configured (a secret is set or generated); `false` in a bulk-only app. */
  get configured(): boolean {
    return this.#flow.configured;
  }

  /** What `console.log` and `util.inspect` show: no secret, no option. */
  [inspect.custom](): string {
    return `OtpService { configured: ${this.configured}, store: ${this.#store.constructor.name}, transport: ${this.#transport.constructor.name} }`;
  }

  /** What `JSON.stringify` shows: no secret, no option. */
  toJSON(): Record<string, unknown> {
    return {
      name: 'OtpService',
      configured: this.configured,
      store: this.#store.constructor.name,
      transport: this.#transport.constructor.name,
    };
  }

  /**
   * Sends a new code to `phone` over the OTP channel and returns the challenge. Throws
   * `SmsValidationError` for a bad number, a country not in `otp.allowedCountries` or a bad
   * template (before anything is sent), `OtpRateLimitError` when a per-phone or per-IP cap is
   * reached, `OtpLockedError` when the account is locked (`otp.lockout`),
   * `OtpStoreUnavailableError` when the store is down, and the transport's error when the SMS
   * could not be sent (the challenge is then discarded). When the provider may have accepted the
   * SMS (`maybeAccepted`: a timeout after the request was written, a malformed reply, a 5xx
   * other than 503) the challenge is kept, valid, and `OtpDeliveryUncertainError` carries it.
   */
  @Traced('posta_guvercini.otp.send', otpSpan.send)
  async send(request: OtpSendRequest): Promise<OtpChallenge> {
    return sendOtp(this.#flow, request);
  }

  /**
   * Checks a code. Never throws for a wrong code: answers `{ valid: false, reason }`. A right
   * code is accepted once; a code presented with another purpose (`DEFAULT_OTP_PURPOSE` when
   * none is given, as in `send()`), subject, binding or phone (when `phone` is given) than the
   * challenge's fails exactly like a wrong code and counts as an attempt (and, with
   * `otp.lockout`, as a failure of the challenge's account). Throws `OtpLockedError` when the
   * challenge's account is locked, `SmsValidationError` (`INVALID_OTP_BINDING`) for bound values
   * that are not plain strings or numbers, and `OtpStoreUnavailableError` when the store cannot
   * answer (fail closed).
   *
   * With `reason: 'locked'` (the challenge used its attempts), `retryAfterSeconds` is the time
   * until `send()` will really accept a new code for this phone and account (send caps and
   * account lock; 0: now).
   */
  @Traced('posta_guvercini.otp.verify', otpSpan.verify)
  async verify(request: OtpVerifyRequest): Promise<OtpVerifyResult> {
    return verifyOtp(this.#flow, request);
  }

  /**
   * Sends a new code for a challenge; the previous code is void from this moment. Allowed once
   * the cooldown (`otp.resendCooldownSeconds`) is over, at most `otp.maxResends` times, within
   * the per-phone caps; an expired challenge may be resent (it gets a new lifetime), a locked
   * one may not. Wrong attempts are not reset. Throws `OtpRateLimitError` (cooldown, phone cap),
   * `OtpResendLimitError`, `OtpChallengeNotFoundError`, `OtpChallengeLockedError`,
   * `OtpStoreUnavailableError`, or the transport's error.
   */
  @Traced('posta_guvercini.otp.resend')
  async resend(challengeId: string): Promise<OtpChallenge> {
    return resendOtp(this.#flow, challengeId);
  }

  /**
   * Where a challenge stands, from the store (so any instance sharing it answers the same):
   * `{ state, delivery, sentAt, expiresAt, attemptsLeft, resendsLeft, maskedPhone, purpose }`.
   * No code and no full phone number. Verified and cancelled challenges are remembered (without
   * their code hash) as long as expired ones: until one more lifetime after expiry. `undefined`
   * for an id that is unknown or forgotten. Throws `OtpStoreUnavailableError` when the store
   * cannot answer.
   */
  async status(challengeId: string): Promise<OtpChallengeStatus | undefined> {
    const flow = this.#flow;
    flow.requireHasher();
    const id = challengeIdOf(challengeId);
    if (id === undefined) return undefined;
    const now = flow.now();
    const record = await flow.useStore(() => flow.store.get(id, now));
    if (record === undefined) return undefined;
    return challengeStatusOf(record, now, otpProfileOf(flow.options, record.purpose).maxResends);
  }

  /** Stops delivery polling (`otp.trackDelivery`) and waits for polls under way. */
  async onModuleDestroy(): Promise<void> {
    await this.#tracker.shutdown();
  }

  /** The same as `onModuleDestroy()` (for apps that call only the shutdown hooks). */
  async onApplicationShutdown(): Promise<void> {
    await this.onModuleDestroy();
  }

  /** Challenges whose delivery this instance is polling right now. */
  get trackedDeliveries(): number {
    return this.#tracker.size;
  }

  /**
   * Lifts the `otp.lockout` lock of an account and forgets its failures (for support staff,
   * after checking who is asking). Give the `subject` the codes were sent for, or the `phone`
   * for codes sent without a subject (both: both accounts). `true` when one was locked. Emits
   * `unlocked`.
   */
  async unlock(account: {
    readonly subject?: string | number;
    readonly phone?: string;
  }): Promise<boolean> {
    const flow = this.#flow;
    const hasher = flow.requireHasher();
    const { subject, phone } = readUnlockAccount(account, flow.options.allowedCountries);
    if (flow.options.lockout === undefined) return false;
    const keys = [
      ...(subject === undefined ? [] : [hasher.keyId('account-subject', subject)]),
      ...(phone === undefined ? [] : [hasher.keyId('account-phone', phone)]),
    ];
    const now = flow.now();
    const wasLocked = await flow.useStore(() => flow.store.unlock(keys, now));
    flow.dispatch.unlocked(subject, phone, wasLocked, now);
    return wasLocked;
  }

  /**
   * Voids a challenge (its code is refused from now on, as `not_found`; `status()` answers
   * `cancelled`). `true` when it was live. Emits `cancelled`.
   */
  async cancel(challengeId: string): Promise<boolean> {
    const flow = this.#flow;
    const id = challengeIdOf(challengeId);
    if (id === undefined) return false;
    const now = flow.now();
    const ended = await flow.useStore(() => flow.store.cancel(id, now));
    if (ended === undefined) return false;
    this.#tracker.stop(id);
    flow.dispatch.ended('cancelled', id, ended, now);
    return true;
  }
}
