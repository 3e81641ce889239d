import { EventEmitter } from 'node:events';
import { inspect } from 'node:util';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleDestroy,
} from '@nestjs/common';
import {
  OtpChallengeLockedError,
  OtpChallengeNotFoundError,
  OtpLockedError,
  OtpRateLimitError,
  OtpResendLimitError,
} from '../errors/otp.errors.js';
import { InvalidOptionsError, SmsValidationError } from '../errors/validation.error.js';
import { maskPhoneNumber, normalizePhoneNumber } from '../phone/phone-number.js';
import { otpSpan, Traced } from '../telemetry/telemetry.js';
import { SmsTransport } from '../transports/sms-transport.js';
import { OTP_RESOLVED_OPTIONS } from './otp.constants.js';
import type { OtpEventMap, OtpRateLimitedLimit } from './otp.events.js';
import type {
  OtpChallenge,
  OtpChallengeStatus,
  OtpSendRequest,
  OtpVerifyRequest,
  OtpVerifyResult,
} from './otp.types.js';
import {
  OtpHasher,
  canonicalOtpBinding,
  generateChallengeId,
  generateOtpCode,
} from './otp-code.js';
import { OtpDeliveryTracker } from './otp-delivery-tracker.js';
import { OtpEventDispatcher, describeChallenge } from './otp-event-dispatcher.js';
import {
  CHALLENGE_ID,
  DEFAULT_OTP_PURPOSE,
  checkBinding,
  checkPurpose,
  checkSubject,
  normalizeCode,
  presentedPhone,
  renderOtpText,
} from './otp-input.js';
import { challengeOf, challengeStatusOf, timesFrom, toSeconds } from './otp-challenge.js';
import { OtpSendLimits } from './otp-send-limits.js';
import { OtpSmsSender } from './otp-sms-sender.js';
import { OtpStoreFailures } from './otp-store-failures.js';
import { type ResolvedOtpOptions, SECRET_REQUIRED, otpProfileOf } from './resolve-otp-options.js';
import { MemoryOtpStore } from './stores/memory-otp.store.js';
import { type OtpChallengeRecord, type OtpChallengeSummary, OtpStore } from './stores/otp.store.js';

export { DEFAULT_OTP_PURPOSE } from './otp-input.js';

// The OTP flow: send, verify, resend, status, unlock, cancel. The jobs around it have rooms of
// their own: input checks (otp-input.ts), counters and lockout accounts (otp-send-limits.ts),
// events, hooks and listener safety (otp-event-dispatcher.ts), store failures
// (otp-store-failures.ts), the SMS send (otp-sms-sender.ts), delivery polling
// (otp-delivery-tracker.ts), challenge times and status (otp-challenge.ts). What is left is one
// cohesive job, each operation reading top to bottom; it is over ~300 lines because of the
// TSDoc of the public methods and the outcome branches of verify and resend.

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
  // Private fields (#): what holds the secret (the options, the HMAC key) is never enumerable,
  // and `[inspect.custom]` / `toJSON` print none of it.
  readonly #options: ResolvedOtpOptions;
  readonly #hasher: OtpHasher | undefined;
  readonly #transport: SmsTransport;
  readonly #store: OtpStore;
  readonly #limits: OtpSendLimits;
  readonly #dispatch: OtpEventDispatcher;
  readonly #storeFailures: OtpStoreFailures;
  readonly #tracker: OtpDeliveryTracker;
  readonly #sms: OtpSmsSender;
  private warnedGeneratedSecret = false;

  constructor(
    @Inject(SmsTransport) transport: SmsTransport,
    @Inject(OTP_RESOLVED_OPTIONS) options: ResolvedOtpOptions,
    @Inject(OtpStore) store: OtpStore = new MemoryOtpStore(),
  ) {
    this.#transport = transport;
    this.#store = store;
    this.#options = options;
    this.#hasher = options.secret === undefined ? undefined : new OtpHasher(options.secret);
    const supportsLockout = (store as { supportsLockout?: unknown }).supportsLockout === true;
    if (options.lockout !== undefined && !supportsLockout) {
      throw new InvalidOptionsError(
        'otp.lockout',
        `the store (${store.constructor.name}) does not implement the account lockout; implement supportsLockout/unlock/sendWait and the lockout arguments, or set otp.lockout: false`,
      );
    }
    this.#limits = new OtpSendLimits(options);
    this.#dispatch = new OtpEventDispatcher(this.events, options.hooks, this.logger);
    this.#storeFailures = new OtpStoreFailures(this.logger);
    this.#sms = new OtpSmsSender(transport, store, this.logger);
    this.#tracker = new OtpDeliveryTracker(
      options.trackDelivery,
      transport,
      store,
      this.#dispatch,
      () => this.now(),
      this.logger,
    );
  }

  /** Whether OTP is configured (a secret is set or generated); `false` in a bulk-only app. */
  get configured(): boolean {
    return this.#hasher !== undefined;
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
    const hasher = this.requireHasher();
    if (request === null || typeof request !== 'object') {
      throw new SmsValidationError(
        'INVALID_OTP_REQUEST',
        'OtpService.send() expects { phone, purpose?, subject?, bind?, message?, ip? }',
        'request',
      );
    }
    const options = this.#options;
    const phone = normalizePhoneNumber(request.phone, {
      allowedCountries: options.allowedCountries,
      field: 'phone',
    });
    const purpose = checkPurpose(request.purpose);
    const profile = otpProfileOf(options, purpose);
    const subject = checkSubject(request.subject);
    const bind = checkBinding(request.bind, options.bindLimits);
    const ip = typeof request.ip === 'string' && request.ip !== '' ? request.ip : undefined;
    const testCode = options.testNumbers.get(phone);
    const code = testCode ?? generateOtpCode(profile.codeLength);
    const text = renderOtpText(options, request.message, bind, purpose, profile, code.length);

    const now = this.now();
    const challengeId = generateChallengeId();
    const bindingDigest = hasher.bindingDigest(canonicalOtpBinding(subject, bind));
    const lockoutKey = this.#limits.lockoutKeyOf(hasher, subject, phone);
    const limits = this.#limits.sendHits(
      hasher,
      {
        phone,
        purpose,
        ...(subject === undefined ? {} : { subject }),
        ...(ip === undefined ? {} : { ip }),
        ...(bind === undefined ? {} : { bind }),
        ...(request.httpRequest === undefined ? {} : { httpRequest: request.httpRequest }),
      },
      ip,
      profile,
    );
    const record: OtpChallengeRecord = {
      challengeId,
      codeHash: hasher.codeHash(challengeId, code, bindingDigest),
      bindingDigest,
      phone,
      purpose,
      ...(subject === undefined ? {} : { subject }),
      text,
      createdAt: now,
      sentAt: now,
      ...timesFrom(now, profile),
      attempts: 0,
      maxAttempts: profile.maxAttempts,
      resends: 0,
      ...(lockoutKey === undefined ? {} : { lockoutKey }),
      // So that a locked challenge tells when a new code will really be sent, in one step (the
      // verifying client's IP counters are read then).
      sendLimits: limits.filter((limit) => limit.scope !== 'ip'),
    };
    let outcome;
    try {
      outcome = await this.#store.create(record, limits, now, options.lockout);
    } catch (error) {
      throw this.#storeFailures.toError(error);
    }
    const who = { purpose, ...(subject === undefined ? {} : { subject }) };
    if (!outcome.allowed && 'locked' in outcome) {
      const retryAfterSeconds = toSeconds(outcome.retryAfterMs);
      if (this.#dispatch.wants('rateLimited')) {
        this.#dispatch.emitRateLimited({
          limit: 'account_locked',
          retryAfterSeconds,
          ...who,
          maskedPhone: maskPhoneNumber(phone),
          at: new Date(now),
        });
      }
      throw new OtpLockedError(retryAfterSeconds);
    }
    if (!outcome.allowed) {
      const retryAfterSeconds = toSeconds(outcome.retryAfterMs);
      const cap = outcome.cap ?? outcome.scope;
      if (this.#dispatch.wants('rateLimited')) {
        this.#dispatch.emitRateLimited({
          limit: outcome.scope,
          cap,
          retryAfterSeconds,
          ...who,
          maskedPhone: maskPhoneNumber(phone),
          ...(outcome.scope === 'ip' && ip !== undefined ? { ip } : {}),
          at: new Date(now),
        });
      }
      throw new OtpRateLimitError(outcome.scope, retryAfterSeconds, { cap });
    }

    let messageId: string | undefined;
    if (testCode === undefined) {
      messageId = await this.#sms.deliver(record, code, now, profile, { discardOnFailure: true });
    } else if (this.#dispatch.wants('testNumberUsed')) {
      this.#dispatch.emit('testNumberUsed', {
        challengeId,
        ...who,
        maskedPhone: maskPhoneNumber(phone),
        action: 'send',
        at: new Date(now),
      });
    }
    if (this.#dispatch.wants('sent')) {
      this.#dispatch.emit('sent', {
        challengeId,
        ...who,
        maskedPhone: maskPhoneNumber(phone),
        expiresAt: new Date(record.expiresAt),
        resend: false,
        ...(messageId === undefined ? {} : { messageId }),
        at: new Date(now),
      });
    }
    if (messageId !== undefined) this.#tracker.track(record, messageId, 0);
    return challengeOf(record, record.maxAttempts);
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
    const hasher = this.requireHasher();
    const now = this.now();
    const challengeId = typeof request?.challengeId === 'string' ? request.challengeId.trim() : '';
    if (!CHALLENGE_ID.test(challengeId)) {
      // Not an id this service issues: nothing to ask the store. The event names no id.
      this.#dispatch.failed('', 'not_found', undefined, 0, now);
      return { valid: false, reason: 'not_found', attemptsLeft: 0 };
    }
    const code = normalizeCode(request.code);
    // Same rules as send(): an object, array, boolean or null is no bound value.
    checkBinding(request.bind);
    const subject =
      request.subject === undefined || request.subject === null
        ? undefined
        : String(request.subject);
    const bindingDigest = hasher.bindingDigest(canonicalOtpBinding(subject, request.bind));
    // The same default as send(): a code issued for a named purpose never passes a verify()
    // that names none.
    const purpose =
      request.purpose === undefined || request.purpose === null
        ? DEFAULT_OTP_PURPOSE
        : String(request.purpose);
    const phone =
      request.phone === undefined || request.phone === null
        ? undefined
        : presentedPhone(request.phone, this.#options.allowedCountries);
    let outcome;
    try {
      outcome = await this.#store.attempt(
        challengeId,
        {
          codeHash: hasher.codeHash(challengeId, code, bindingDigest),
          purpose,
          ...(phone === undefined ? {} : { phone }),
          newCodeLimits: this.#limits.ipHits(hasher, request.ip),
        },
        now,
        this.#options.lockout,
      );
    } catch (error) {
      throw this.#storeFailures.toError(error);
    }
    if (outcome.status === 'not_found') {
      this.#dispatch.failed(challengeId, 'not_found', undefined, 0, now);
      return { valid: false, reason: 'not_found', attemptsLeft: 0 };
    }
    const { challenge } = outcome;
    if (this.#options.testNumbers.has(challenge.phone) && this.#dispatch.wants('testNumberUsed')) {
      this.#dispatch.emit('testNumberUsed', {
        challengeId,
        ...describeChallenge(challenge),
        action: 'verify',
        at: new Date(now),
      });
    }
    switch (outcome.status) {
      case 'valid': {
        if (challenge.purpose !== purpose || (phone !== undefined && challenge.phone !== phone)) {
          // A store of your own that does not compare every field of the candidate: the
          // challenge is used up, and the mismatch is still refused.
          this.#dispatch.failed(challengeId, 'invalid', challenge, 0, now);
          return { valid: false, reason: 'invalid', attemptsLeft: 0 };
        }
        if (this.#dispatch.wants('verified')) {
          this.#dispatch.emit('verified', {
            challengeId,
            ...describeChallenge(challenge),
            at: new Date(now),
          });
        }
        return {
          valid: true,
          challengeId,
          purpose: challenge.purpose,
          subject: challenge.subject,
          phone: challenge.phone,
        };
      }
      case 'invalid': {
        const { attemptsLeft, accountLockedMs } = outcome;
        this.#dispatch.failed(challengeId, 'invalid', challenge, attemptsLeft, now);
        if (attemptsLeft === 0) this.#dispatch.locked(challengeId, challenge, undefined, now);
        if (accountLockedMs !== undefined)
          this.#dispatch.locked(challengeId, challenge, new Date(now + accountLockedMs), now);
        return { valid: false, reason: 'invalid', attemptsLeft };
      }
      case 'account_locked':
        this.#dispatch.failed(challengeId, 'locked', challenge, 0, now);
        throw new OtpLockedError(toSeconds(outcome.retryAfterMs));
      case 'locked': {
        const retryAfterSeconds =
          outcome.newCodeInMs === undefined
            ? await this.newCodeWait(hasher, challenge, request.ip, outcome.retryAfterMs, now)
            : Math.ceil(outcome.newCodeInMs / 1000);
        this.#dispatch.failed(challengeId, 'locked', challenge, 0, now);
        return { valid: false, reason: 'locked', attemptsLeft: 0, retryAfterSeconds };
      }
      case 'expired':
        this.#dispatch.failed(challengeId, 'expired', challenge, 0, now);
        if (this.#dispatch.wants('expired')) {
          this.#dispatch.emit('expired', {
            challengeId,
            ...describeChallenge(challenge),
            at: new Date(now),
          });
        }
        return { valid: false, reason: 'expired', attemptsLeft: 0 };
    }
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
    const hasher = this.requireHasher();
    const id = typeof challengeId === 'string' ? challengeId.trim() : '';
    if (!CHALLENGE_ID.test(id)) throw new OtpChallengeNotFoundError();
    const now = this.now();
    const record = await this.useStore(() => this.#store.get(id, now));
    if (record === undefined || record.state !== undefined) throw new OtpChallengeNotFoundError();
    const profile = otpProfileOf(this.#options, record.purpose);

    const testCode = this.#options.testNumbers.get(record.phone);
    const code = testCode ?? generateOtpCode(profile.codeLength);
    const times = timesFrom(now, profile);
    const outcome = await this.useStore(() =>
      this.#store.replace(
        id,
        { codeHash: hasher.codeHash(id, code, record.bindingDigest), ...times },
        {
          maxResends: profile.maxResends,
          limits: this.#limits.newCodeHits(hasher, record.phone, undefined, record.purpose),
          hitId: `${id}:${generateChallengeId()}`,
          ...(this.#options.lockout === undefined ? {} : { lockout: this.#options.lockout }),
        },
        now,
      ),
    );
    const refused = (
      limit: OtpRateLimitedLimit,
      retryAfterSeconds?: number,
      cap?: string,
    ): void => {
      if (!this.#dispatch.wants('rateLimited')) return;
      this.#dispatch.emitRateLimited({
        limit,
        ...(cap === undefined ? {} : { cap }),
        ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
        challengeId: id,
        ...describeChallenge(record),
        at: new Date(now),
      });
    };
    switch (outcome.status) {
      case 'not_found':
        throw new OtpChallengeNotFoundError();
      case 'account_locked': {
        const seconds = toSeconds(outcome.retryAfterMs);
        refused('account_locked', seconds);
        throw new OtpLockedError(seconds);
      }
      case 'locked':
        // When send() will really accept a new code for this phone and account (0: now).
        throw new OtpChallengeLockedError(
          outcome.newCodeInMs === undefined
            ? await this.newCodeWait(hasher, record, undefined, outcome.retryAfterMs, now)
            : Math.ceil(outcome.newCodeInMs / 1000),
        );
      case 'cooldown': {
        const seconds = toSeconds(outcome.retryAfterMs);
        refused('resend_cooldown', seconds);
        throw new OtpRateLimitError('resend_cooldown', seconds);
      }
      case 'max_resends':
        refused('max_resends');
        throw new OtpResendLimitError(profile.maxResends);
      case 'rate_limited': {
        const seconds = toSeconds(outcome.retryAfterMs);
        const cap = outcome.cap ?? outcome.scope;
        refused(outcome.scope, seconds, cap);
        throw new OtpRateLimitError(outcome.scope, seconds, { cap });
      }
      case 'replaced':
        break;
    }
    const updated: OtpChallengeRecord = { ...record, ...times, sentAt: now };
    // A failed resend keeps the challenge: its new code reached nobody, and after the cooldown
    // the user can ask again.
    let messageId: string | undefined;
    if (testCode === undefined) {
      messageId = await this.#sms.deliver(updated, code, now, profile, { discardOnFailure: false });
    } else if (this.#dispatch.wants('testNumberUsed')) {
      this.#dispatch.emit('testNumberUsed', {
        challengeId: id,
        ...describeChallenge(record),
        action: 'resend',
        at: new Date(now),
      });
    }
    if (this.#dispatch.wants('sent') || this.#dispatch.wants('resent')) {
      const sent = {
        challengeId: id,
        ...describeChallenge(record),
        expiresAt: new Date(updated.expiresAt),
        resend: true,
        ...(messageId === undefined ? {} : { messageId }),
        at: new Date(now),
      };
      this.#dispatch.emit('sent', sent);
      this.#dispatch.emit('resent', sent);
    }
    if (messageId !== undefined) this.#tracker.track(updated, messageId, outcome.resends);
    return challengeOf(updated, outcome.maxAttempts - outcome.attempts);
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
    this.requireHasher();
    const id = typeof challengeId === 'string' ? challengeId.trim() : '';
    if (!CHALLENGE_ID.test(id)) return undefined;
    const now = this.now();
    const record = await this.useStore(() => this.#store.get(id, now));
    if (record === undefined) return undefined;
    return challengeStatusOf(record, now, otpProfileOf(this.#options, record.purpose).maxResends);
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
    const hasher = this.requireHasher();
    if (account === null || typeof account !== 'object') {
      throw new SmsValidationError(
        'INVALID_OTP_REQUEST',
        'OtpService.unlock() expects { subject } or { phone }',
        'account',
      );
    }
    const subject = checkSubject(account.subject);
    const phone =
      account.phone === undefined
        ? undefined
        : normalizePhoneNumber(account.phone, {
            allowedCountries: this.#options.allowedCountries,
            field: 'phone',
          });
    if (subject === undefined && phone === undefined) {
      throw new SmsValidationError(
        'INVALID_OTP_REQUEST',
        'OtpService.unlock() expects { subject } or { phone }',
        'subject',
      );
    }
    if (this.#options.lockout === undefined) return false;
    const keys = [
      ...(subject === undefined ? [] : [hasher.keyId('account-subject', subject)]),
      ...(phone === undefined ? [] : [hasher.keyId('account-phone', phone)]),
    ];
    const now = this.now();
    const wasLocked = await this.useStore(() => this.#store.unlock(keys, now));
    if (this.#dispatch.wants('unlocked')) {
      this.#dispatch.emit('unlocked', {
        ...(subject === undefined ? {} : { subject }),
        ...(phone === undefined ? {} : { maskedPhone: maskPhoneNumber(phone) }),
        wasLocked,
        at: new Date(now),
      });
    }
    return wasLocked;
  }

  /**
   * Voids a challenge (its code is refused from now on, as `not_found`; `status()` answers
   * `cancelled`). `true` when it was live. Emits `cancelled`.
   */
  async cancel(challengeId: string): Promise<boolean> {
    const id = typeof challengeId === 'string' ? challengeId.trim() : '';
    if (!CHALLENGE_ID.test(id)) return false;
    const now = this.now();
    const ended = await this.useStore(() => this.#store.cancel(id, now));
    if (ended === undefined) return false;
    this.#tracker.stop(id);
    if (this.#dispatch.wants('cancelled')) {
      this.#dispatch.emit('cancelled', {
        challengeId: id,
        ...describeChallenge(ended),
        at: new Date(now),
      });
    }
    return true;
  }

  /**
   * Seconds until `send()` would accept a new code for a locked challenge's phone and account
   * (send caps and account lock), without counting anything; 0 when it would now. Falls back
   * on the locked challenge's own remaining time when the store cannot tell.
   */
  private async newCodeWait(
    hasher: OtpHasher,
    challenge: OtpChallengeSummary,
    ip: unknown,
    fallbackMs: number,
    now: number,
  ): Promise<number> {
    const limits = this.#limits.newCodeHits(
      hasher,
      challenge.phone,
      typeof ip === 'string' && ip !== '' ? ip : undefined,
      challenge.purpose,
    );
    const lockoutKey = this.#limits.lockoutKeyOf(hasher, challenge.subject, challenge.phone);
    const waitMs = await this.useStore(() => this.#store.sendWait(limits, lockoutKey, now));
    if (waitMs === undefined) return toSeconds(fallbackMs);
    return waitMs <= 0 ? 0 : Math.ceil(waitMs / 1000);
  }

  /** Runs a store operation; a failure becomes `OtpStoreUnavailableError` (fail closed). */
  private async useStore<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw this.#storeFailures.toError(error);
    }
  }

  private requireHasher(): OtpHasher {
    if (this.#hasher === undefined) {
      throw new InvalidOptionsError('otp.secret', `${SECRET_REQUIRED}. Set it to use OtpService.`);
    }
    if (this.#options.generatedSecret && !this.warnedGeneratedSecret) {
      this.warnedGeneratedSecret = true;
      this.logger.warn(
        'otp.secret is not set: using a random secret for this process (memory transport). Codes do not survive a restart and cannot be shared between instances; set otp.secret (≥ 32 random bytes) before production.',
      );
    }
    return this.#hasher;
  }

  private now(): number {
    const now = this.#options.clock();
    if (typeof now !== 'number' || !Number.isFinite(now)) {
      throw new InvalidOptionsError(
        'otp.clock',
        'must return epoch milliseconds (a finite number)',
      );
    }
    return Math.floor(now);
  }
}
