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
  OtpDeliveryUncertainError,
  OtpLockedError,
  OtpRateLimitError,
  OtpResendLimitError,
  OtpStoreUnavailableError,
} from '../errors/otp.errors.js';
import { PostaGuverciniError } from '../errors/posta-guvercini.error.js';
import { sanitizeCause } from '../errors/redact.js';
import { SmsMalformedResponseError } from '../errors/transport.error.js';
import { InvalidOptionsError, SmsValidationError } from '../errors/validation.error.js';
import { maskPhoneNumber, normalizePhoneNumber } from '../phone/phone-number.js';
import { OTP_RESOLVED_OPTIONS } from './otp.constants.js';
import { SmsTransport } from '../transports/sms-transport.js';
import type { DeliveryReport } from '../transports/sms-transport.types.js';
import type { OtpEventMap, OtpHooks, OtpRateLimitedLimit } from './otp.events.js';
import type { OtpLimitKeyInput } from './otp.options.js';
import type {
  OtpChallenge,
  OtpChallengeState,
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
import { otpSpan, recordOtpEvent, Traced } from '../telemetry/telemetry.js';
import { otpBudgetHits, otpRateLimitHits } from './otp-rate-limits.js';
import { fillOtpTemplate, fitOtpText, renderOtpTemplate } from './otp-template.js';
import {
  DEFAULT_BIND_LIMIT,
  type ResolvedOtpOptions,
  type ResolvedOtpProfile,
  SECRET_REQUIRED,
  otpProfileOf,
} from './resolve-otp-options.js';
import { MemoryOtpStore } from './stores/memory-otp.store.js';
import {
  type OtpChallengeRecord,
  type OtpChallengeSummary,
  type OtpRateLimitHit,
  OtpStore,
} from './stores/otp.store.js';

/** Purpose used when `send()` or `verify()` is given none. */
export const DEFAULT_OTP_PURPOSE = 'default';

/** Challenge ids are 22 base64url characters; anything else is unknown without asking the store. */
const CHALLENGE_ID = /^[A-Za-z0-9_-]{22}$/;
/** Bound value names double as template placeholders. */
const BIND_KEY = /^[A-Za-z_][A-Za-z0-9_]{0,39}$/;
const RESERVED_BIND_KEYS = new Set(['code', 'minutes', 'purpose']);
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
/**
 * What a bound value (shown in the SMS) may not hold: C0/C1 control characters, bidirectional
 * controls (U+202A–U+202E, U+2066–U+2069: they can reorder what the SMS shows) and zero-width
 * characters (U+200B–U+200F, U+2060, U+FEFF: they make two different values look the same).
 */
const UNSAFE_BOUND_CHARACTER =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]/;
/** Half of a surrogate pair without the other half (not a character). */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
/** Codes longer than this are wrong anyway; hashing them would only cost time. */
const MAX_CODE_INPUT = 64;
/** Store failures are logged at most this often (ms of real time). */
const STORE_WARNING_INTERVAL_MS = 10_000;

/** The hook of each event (`rate-limited`, the old name of `rateLimited`, has none of its own). */
const HOOKS: { readonly [K in keyof OtpEventMap]: keyof OtpHooks | undefined } = {
  sent: 'onSent',
  resent: 'onResent',
  delivered: 'onDelivered',
  undelivered: 'onUndelivered',
  verified: 'onVerified',
  failed: 'onFailed',
  locked: 'onLocked',
  unlocked: 'onUnlocked',
  cancelled: 'onCancelled',
  expired: 'onExpired',
  rateLimited: 'onRateLimited',
  'rate-limited': undefined,
  testNumberUsed: 'onTestNumberUsed',
};

/** One challenge's delivery polling (`otp.trackDelivery`), in the instance that sent it. */
interface DeliveryTracking {
  timer: NodeJS.Timeout | undefined;
  lastStatus: string | undefined;
}

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
  private warnedGeneratedSecret = false;
  private lastStoreWarning = Number.NEGATIVE_INFINITY;
  /** Challenge id → its delivery polling (this instance's sends only). */
  readonly #tracking = new Map<string, DeliveryTracking>();
  /** Polls under way, awaited on shutdown so none touches a closed store. */
  readonly #polls = new Set<Promise<void>>();
  #stopped = false;

  constructor(
    @Inject(SmsTransport) transport: SmsTransport,
    @Inject(OTP_RESOLVED_OPTIONS) options: ResolvedOtpOptions,
    @Inject(OtpStore) store: OtpStore = new MemoryOtpStore(),
  ) {
    this.#transport = transport;
    this.#store = store;
    this.#options = options;
    this.#hasher =
      this.#options.secret === undefined ? undefined : new OtpHasher(this.#options.secret);
    const supportsLockout = (store as { supportsLockout?: unknown }).supportsLockout === true;
    if (this.#options.lockout !== undefined && !supportsLockout) {
      throw new InvalidOptionsError(
        'otp.lockout',
        `the store (${store.constructor.name}) does not implement the account lockout; implement supportsLockout/unlock/sendWait and the lockout arguments, or set otp.lockout: false`,
      );
    }
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

  private get options(): ResolvedOtpOptions {
    return this.#options;
  }

  private get store(): OtpStore {
    return this.#store;
  }

  private get transport(): SmsTransport {
    return this.#transport;
  }

  private get hasher(): OtpHasher | undefined {
    return this.#hasher;
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
    const phone = normalizePhoneNumber(request.phone, {
      allowedCountries: this.options.allowedCountries,
      field: 'phone',
    });
    const purpose = checkPurpose(request.purpose);
    const profile = otpProfileOf(this.options, purpose);
    const subject = checkSubject(request.subject);
    const bind = checkBinding(request.bind, this.options.bindLimits);
    const ip = typeof request.ip === 'string' && request.ip !== '' ? request.ip : undefined;
    const testCode = this.options.testNumbers.get(phone);
    const code = testCode ?? generateOtpCode(profile.codeLength);
    const text = this.renderText(request.message, bind, purpose, profile, code.length);

    const now = this.now();
    const challengeId = generateChallengeId();
    const bindingDigest = hasher.bindingDigest(canonicalOtpBinding(subject, bind));
    const lockoutKey = this.lockoutKeyOf(hasher, subject, phone);
    const limits = [
      ...this.phoneHits(hasher, phone, ip, purpose, profile),
      ...otpBudgetHits(
        hasher,
        this.options.globalLimits,
        this.limitKeyValues({
          phone,
          purpose,
          ...(subject === undefined ? {} : { subject }),
          ...(ip === undefined ? {} : { ip }),
          ...(bind === undefined ? {} : { bind }),
          ...(request.httpRequest === undefined ? {} : { httpRequest: request.httpRequest }),
        }),
      ),
    ];
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
      ...this.timesFrom(now, profile),
      attempts: 0,
      maxAttempts: profile.maxAttempts,
      resends: 0,
      ...(lockoutKey === undefined ? {} : { lockoutKey }),
      // So that a locked challenge tells when a new code will really be sent, in one step (the
      // verifying client's IP counters are read then).
      sendLimits: limits.filter((limit) => limit.scope !== 'ip'),
    };
    const outcome = await this.useStore(() =>
      this.store.create(record, limits, now, this.options.lockout),
    );
    const who = {
      purpose,
      ...(subject === undefined ? {} : { subject }),
      maskedPhone: maskPhoneNumber(phone),
    };
    if (!outcome.allowed && 'locked' in outcome) {
      const retryAfterSeconds = toSeconds(outcome.retryAfterMs);
      this.emitRateLimited({
        limit: 'account_locked',
        retryAfterSeconds,
        ...who,
        at: new Date(now),
      });
      throw new OtpLockedError(retryAfterSeconds);
    }
    if (!outcome.allowed) {
      const retryAfterSeconds = toSeconds(outcome.retryAfterMs);
      const cap = outcome.cap ?? outcome.scope;
      this.emitRateLimited({
        limit: outcome.scope,
        cap,
        retryAfterSeconds,
        ...who,
        ...(outcome.scope === 'ip' && ip !== undefined ? { ip } : {}),
        at: new Date(now),
      });
      throw new OtpRateLimitError(outcome.scope, retryAfterSeconds, { cap });
    }

    let messageId: string | undefined;
    if (testCode === undefined) {
      messageId = await this.deliver(record, code, now, profile, { discardOnFailure: true });
    } else {
      this.emit('testNumberUsed', { challengeId, ...who, action: 'send', at: new Date(now) });
    }
    this.emit('sent', {
      challengeId,
      ...who,
      expiresAt: new Date(record.expiresAt),
      resend: false,
      ...(messageId === undefined ? {} : { messageId }),
      at: new Date(now),
    });
    if (messageId !== undefined) this.track(record, messageId, 0);
    return this.challengeOf(record, record.maxAttempts);
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
      this.emit('failed', {
        challengeId: '',
        reason: 'not_found',
        attemptsLeft: 0,
        at: new Date(now),
      });
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
        : this.presentedPhone(request.phone);
    const outcome = await this.useStore(() =>
      this.store.attempt(
        challengeId,
        {
          codeHash: hasher.codeHash(challengeId, code, bindingDigest),
          purpose,
          ...(phone === undefined ? {} : { phone }),
          newCodeLimits: this.ipLimitHits(hasher, request.ip),
        },
        now,
        this.options.lockout,
      ),
    );
    const at = new Date(now);
    if (outcome.status !== 'not_found' && this.options.testNumbers.has(outcome.challenge.phone)) {
      this.emit('testNumberUsed', {
        challengeId,
        ...describe(outcome.challenge),
        action: 'verify',
        at,
      });
    }
    switch (outcome.status) {
      case 'valid': {
        const { challenge } = outcome;
        if (challenge.purpose !== purpose || (phone !== undefined && challenge.phone !== phone)) {
          // A store of your own that does not compare every field of the candidate: the
          // challenge is used up, and the mismatch is still refused.
          this.emit('failed', {
            challengeId,
            reason: 'invalid',
            ...describe(challenge),
            attemptsLeft: 0,
            at,
          });
          return { valid: false, reason: 'invalid', attemptsLeft: 0 };
        }
        this.emit('verified', { challengeId, ...describe(challenge), at });
        return {
          valid: true,
          challengeId,
          purpose: challenge.purpose,
          subject: challenge.subject,
          phone: challenge.phone,
        };
      }
      case 'invalid': {
        const { challenge, attemptsLeft } = outcome;
        this.emit('failed', {
          challengeId,
          reason: 'invalid',
          ...describe(challenge),
          attemptsLeft,
          at,
        });
        if (attemptsLeft === 0)
          this.emit('locked', { scope: 'challenge', challengeId, ...describe(challenge), at });
        if (outcome.accountLockedMs !== undefined) {
          this.emit('locked', {
            scope: 'account',
            challengeId,
            ...describe(challenge),
            lockedUntil: new Date(now + outcome.accountLockedMs),
            at,
          });
        }
        return { valid: false, reason: 'invalid', attemptsLeft };
      }
      case 'account_locked': {
        this.emit('failed', {
          challengeId,
          reason: 'locked',
          ...describe(outcome.challenge),
          attemptsLeft: 0,
          at,
        });
        throw new OtpLockedError(toSeconds(outcome.retryAfterMs));
      }
      case 'locked': {
        const retryAfterSeconds =
          outcome.newCodeInMs === undefined
            ? await this.newCodeWait(
                hasher,
                outcome.challenge,
                request.ip,
                outcome.retryAfterMs,
                now,
              )
            : Math.ceil(outcome.newCodeInMs / 1000);
        this.emit('failed', {
          challengeId,
          reason: 'locked',
          ...describe(outcome.challenge),
          attemptsLeft: 0,
          at,
        });
        return { valid: false, reason: 'locked', attemptsLeft: 0, retryAfterSeconds };
      }
      case 'expired':
        this.emit('failed', {
          challengeId,
          reason: 'expired',
          ...describe(outcome.challenge),
          attemptsLeft: 0,
          at,
        });
        this.emit('expired', { challengeId, ...describe(outcome.challenge), at });
        return { valid: false, reason: 'expired', attemptsLeft: 0 };
      case 'not_found':
        this.emit('failed', { challengeId, reason: 'not_found', attemptsLeft: 0, at });
        return { valid: false, reason: 'not_found', attemptsLeft: 0 };
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
    const record = await this.useStore(() => this.store.get(id, now));
    if (record === undefined || record.state !== undefined) throw new OtpChallengeNotFoundError();
    const profile = otpProfileOf(this.options, record.purpose);

    const testCode = this.options.testNumbers.get(record.phone);
    const code = testCode ?? generateOtpCode(profile.codeLength);
    const times = this.timesFrom(now, profile);
    const outcome = await this.useStore(() =>
      this.store.replace(
        id,
        { codeHash: hasher.codeHash(id, code, record.bindingDigest), ...times },
        {
          maxResends: profile.maxResends,
          limits: [
            ...this.phoneHits(hasher, record.phone, undefined, record.purpose, profile),
            ...otpBudgetHits(hasher, this.options.globalLimits, []),
          ],
          hitId: `${id}:${generateChallengeId()}`,
          ...(this.options.lockout === undefined ? {} : { lockout: this.options.lockout }),
        },
        now,
      ),
    );
    const refused = (limit: OtpRateLimitedLimit, retryAfterSeconds?: number, cap?: string): void =>
      this.emitRateLimited({
        limit,
        ...(cap === undefined ? {} : { cap }),
        ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
        challengeId: id,
        ...describe(record),
        at: new Date(now),
      });
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
      messageId = await this.deliver(updated, code, now, profile, { discardOnFailure: false });
    } else {
      this.emit('testNumberUsed', {
        challengeId: id,
        ...describe(record),
        action: 'resend',
        at: new Date(now),
      });
    }
    const sent = {
      challengeId: id,
      ...describe(record),
      expiresAt: new Date(updated.expiresAt),
      resend: true,
      ...(messageId === undefined ? {} : { messageId }),
      at: new Date(now),
    };
    this.emit('sent', sent);
    this.emit('resent', sent);
    if (messageId !== undefined) this.track(updated, messageId, outcome.resends);
    return this.challengeOf(updated, outcome.maxAttempts - outcome.attempts);
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
    const record = await this.useStore(() => this.store.get(id, now));
    if (record === undefined) return undefined;
    const profile = otpProfileOf(this.options, record.purpose);
    const state: OtpChallengeState =
      record.state ??
      (record.attempts >= record.maxAttempts
        ? 'locked'
        : now >= record.expiresAt
          ? 'expired'
          : 'pending');
    const resendable = state === 'pending' || state === 'expired';
    return {
      challengeId: id,
      state,
      delivery: record.delivery?.status ?? 'unknown',
      sentAt: new Date(record.sentAt ?? record.createdAt),
      expiresAt: new Date(record.expiresAt),
      attemptsLeft: state === 'pending' ? Math.max(0, record.maxAttempts - record.attempts) : 0,
      resendsLeft: resendable ? Math.max(0, profile.maxResends - record.resends) : 0,
      maskedPhone: maskPhoneNumber(record.phone),
      purpose: record.purpose,
      ...(record.endedAt === undefined ? {} : { endedAt: new Date(record.endedAt) }),
      ...(record.delivery === undefined ? {} : { deliveryCheckedAt: new Date(record.delivery.at) }),
    };
  }

  /** Stops delivery polling (`otp.trackDelivery`) and waits for polls under way. */
  async onModuleDestroy(): Promise<void> {
    this.#stopped = true;
    for (const tracking of this.#tracking.values()) clearTimeout(tracking.timer);
    this.#tracking.clear();
    await Promise.allSettled([...this.#polls]);
  }

  /** The same as `onModuleDestroy()` (for apps that call only the shutdown hooks). */
  async onApplicationShutdown(): Promise<void> {
    await this.onModuleDestroy();
  }

  /** Challenges whose delivery this instance is polling right now. */
  get trackedDeliveries(): number {
    return this.#tracking.size;
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
            allowedCountries: this.options.allowedCountries,
            field: 'phone',
          });
    if (subject === undefined && phone === undefined) {
      throw new SmsValidationError(
        'INVALID_OTP_REQUEST',
        'OtpService.unlock() expects { subject } or { phone }',
        'subject',
      );
    }
    if (this.options.lockout === undefined) return false;
    const keys = [
      ...(subject === undefined ? [] : [hasher.keyId('account-subject', subject)]),
      ...(phone === undefined ? [] : [hasher.keyId('account-phone', phone)]),
    ];
    const now = this.now();
    const wasLocked = await this.useStore(() => this.store.unlock(keys, now));
    this.emit('unlocked', {
      ...(subject === undefined ? {} : { subject }),
      ...(phone === undefined ? {} : { maskedPhone: maskPhoneNumber(phone) }),
      wasLocked,
      at: new Date(now),
    });
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
    const ended = await this.useStore(() => this.store.cancel(id, now));
    if (ended === undefined) return false;
    this.stopTracking(id);
    this.emit('cancelled', { challengeId: id, ...describe(ended), at: new Date(now) });
    return true;
  }

  /** The per-IP counters a send from `ip` would hit (none without a usable address). */
  private ipLimitHits(hasher: OtpHasher, ip: unknown): OtpRateLimitHit[] {
    if (typeof ip !== 'string' || ip === '') return [];
    return otpRateLimitHits(hasher, '', ip, [], this.options.ipLimits);
  }

  /** The `otp.lockout` account of a challenge: its subject, else its phone (keyed digests). */
  private lockoutKeyOf(
    hasher: OtpHasher,
    subject: string | undefined,
    phone: string,
  ): string | undefined {
    if (this.options.lockout === undefined) return undefined;
    return subject === undefined
      ? hasher.keyId('account-phone', phone)
      : hasher.keyId('account-subject', subject);
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
    const limits: OtpRateLimitHit[] = [
      ...this.phoneHits(
        hasher,
        challenge.phone,
        typeof ip === 'string' && ip !== '' ? ip : undefined,
        challenge.purpose,
        otpProfileOf(this.options, challenge.purpose),
      ),
      ...otpBudgetHits(hasher, this.options.globalLimits, []),
    ];
    const lockoutKey = this.lockoutKeyOf(hasher, challenge.subject, challenge.phone);
    const waitMs = await this.useStore(() => this.store.sendWait(limits, lockoutKey, now));
    if (waitMs === undefined) return toSeconds(fallbackMs);
    return waitMs <= 0 ? 0 : Math.ceil(waitMs / 1000);
  }

  /** The per-phone (the purpose's own when it has them) and per-IP counters of a send. */
  private phoneHits(
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

  /**
   * The SMS text of a challenge, split where the code goes: the template (the request's, else
   * the profile's) with its values, the SMS Retriever and WebOTP lines, fitted into
   * `otp.maxSegments` (Turkish letters transliterated when that is what it takes). Refused with
   * `INVALID_OTP_BINDING` (bound values) or `OTP_TEMPLATE_TOO_LONG` when it cannot fit.
   */
  private renderText(
    message: OtpSendRequest['message'],
    bind: Record<string, string> | undefined,
    purpose: string,
    profile: ResolvedOtpProfile,
    codeLength: number,
  ): string[] {
    const template = message ?? (bind === undefined ? profile.message : profile.boundMessage);
    const rendered = renderOtpTemplate(
      template,
      { ...bind, minutes: String(Math.ceil(profile.ttlSeconds / 60)), purpose },
      this.options.textExtras,
    );
    const fitted = fitOtpText(rendered, codeLength, this.options.maxSegments);
    if (fitted !== undefined) return fitted;
    if (bind !== undefined) {
      throw new SmsValidationError(
        'INVALID_OTP_BINDING',
        `the bound values make the SMS longer than otp.maxSegments (${this.options.maxSegments}) allows; shorten them (see otp.bindLimits)`,
        'bind',
      );
    }
    throw new SmsValidationError(
      'OTP_TEMPLATE_TOO_LONG',
      `the OTP message is longer than otp.maxSegments (${this.options.maxSegments}) allows`,
      'message',
    );
  }

  /** Emits `rateLimited` and, for listeners of its first name, `rate-limited`. */
  private emitRateLimited(event: OtpEventMap['rateLimited'][0]): void {
    this.emit('rateLimited', event);
    this.emit('rate-limited', event);
  }

  /**
   * Polls the provider's delivery status of a challenge's SMS (`otp.trackDelivery`), with
   * back-off, until a final status, the challenge's expiry, a newer send of it, or shutdown.
   * Each status read is written to the store (this instance is its only writer) and a final one
   * emits `delivered` or `undelivered`.
   */
  private track(record: OtpChallengeRecord, messageId: string, resends: number): void {
    const policy = this.options.trackDelivery;
    if (policy === undefined || this.#stopped) return;
    const id = record.challengeId;
    this.stopTracking(id);
    const tracking: DeliveryTracking = { timer: undefined, lastStatus: undefined };
    this.#tracking.set(id, tracking);
    let delay = policy.initialDelayMs;
    const schedule = (): void => {
      tracking.timer = setTimeout(() => {
        tracking.timer = undefined;
        const poll = this.pollDelivery(record, messageId, resends, tracking).then((again) => {
          if (!again || this.#stopped || this.#tracking.get(id) !== tracking) {
            if (this.#tracking.get(id) === tracking) this.#tracking.delete(id);
            return;
          }
          delay = Math.min(policy.maxDelayMs, Math.ceil(delay * policy.factor));
          schedule();
        });
        this.#polls.add(poll);
        void poll.finally(() => this.#polls.delete(poll));
      }, delay);
      tracking.timer.unref?.();
    };
    schedule();
  }

  /** One poll; `true` to poll again. Never throws (a failed read is retried, then given up at expiry). */
  private async pollDelivery(
    record: OtpChallengeRecord,
    messageId: string,
    resends: number,
    tracking: DeliveryTracking,
  ): Promise<boolean> {
    const id = record.challengeId;
    const current = (): boolean => !this.#stopped && this.#tracking.get(id) === tracking;
    let report: DeliveryReport | undefined;
    try {
      [report] = await this.transport.status({ channel: 'otp', messageIds: [messageId] });
    } catch (error) {
      this.logger.debug?.(
        `Delivery status of challenge ${id} could not be read (${errorName(error)}); retrying.`,
      );
    }
    if (!current()) return false;
    const now = this.now();
    if (report !== undefined && report.status !== tracking.lastStatus) {
      tracking.lastStatus = report.status;
      const written = await this.store
        .setDelivery(
          id,
          resends,
          { status: report.status, providerCode: report.providerCode, messageId, at: now },
          now,
        )
        .catch((error: unknown) => {
          this.logger.warn(
            `Delivery status of challenge ${id} could not be stored (${errorName(error)}).`,
          );
          return true;
        });
      // Resent (another SMS is tracked now) or forgotten: this one is of no interest any more.
      if (!written || !current()) return false;
      if (report.final && report.status !== 'unknown') {
        const event = {
          challengeId: id,
          ...describe(record),
          messageId,
          status: report.status,
          providerCode: report.providerCode,
          at: new Date(now),
        };
        this.emit(report.status === 'delivered' ? 'delivered' : 'undelivered', event);
      }
    }
    if (report?.final === true) return false;
    // Never outlives the challenge.
    return now < record.expiresAt;
  }

  private stopTracking(challengeId: string): void {
    const tracking = this.#tracking.get(challengeId);
    if (tracking === undefined) return;
    clearTimeout(tracking.timer);
    this.#tracking.delete(challengeId);
  }

  private timesFrom(
    now: number,
    profile: ResolvedOtpProfile,
  ): Pick<OtpChallengeRecord, 'expiresAt' | 'resendAvailableAt' | 'retainUntil'> {
    const ttlMs = profile.ttlSeconds * 1000;
    return {
      expiresAt: now + ttlMs,
      resendAvailableAt: now + profile.resendCooldownSeconds * 1000,
      // Expired and locked challenges are remembered for one more lifetime, so they answer
      // `expired` / `locked` rather than `not_found`.
      retainUntil: now + 2 * ttlMs,
    };
  }

  private challengeOf(record: OtpChallengeRecord, attemptsLeft: number): OtpChallenge {
    return {
      challengeId: record.challengeId,
      expiresAt: new Date(record.expiresAt),
      resendAvailableAt: new Date(record.resendAvailableAt),
      maskedPhone: maskPhoneNumber(record.phone),
      attemptsLeft: Math.max(0, attemptsLeft),
    };
  }

  /** Sends the SMS over the OTP channel; returns the provider's message id. */
  private async deliver(
    record: OtpChallengeRecord,
    code: string,
    now: number,
    profile: ResolvedOtpProfile,
    { discardOnFailure }: { readonly discardOnFailure: boolean },
  ): Promise<string | undefined> {
    // The OTP host keeps its own 3-minute validity; this asks for the challenge's lifetime,
    // measured on the wall clock (the service clock may be a test clock).
    const validUntil = new Date(Date.now() + Math.max(1000, record.expiresAt - now));
    let failure: unknown;
    try {
      const result = await this.transport.send({
        channel: 'otp',
        to: [record.phone],
        text: fillOtpTemplate(record.text, code),
        validUntil,
        ...(profile.sender === undefined ? {} : { sender: profile.sender }),
      });
      const recipient = result.recipients[0];
      if (recipient?.status === 'accepted') return recipient.messageId;
      failure =
        recipient?.error ??
        new SmsMalformedResponseError('the transport returned no result for the recipient');
    } catch (error) {
      failure = error;
    }
    const reason = failure instanceof PostaGuverciniError ? failure.code : errorName(failure);
    // The provider may have accepted it (the answer was lost): the user may get the code, so
    // the challenge stays valid and the caller learns its id.
    const uncertain = discardOnFailure && maybeAccepted(failure);
    this.logger.warn(
      `One-time password for challenge ${record.challengeId} could not be sent to ${maskPhoneNumber(record.phone)} (${reason})${uncertain ? '; the provider may have accepted it, so the challenge is kept' : discardOnFailure ? '; the challenge is discarded' : ''}.`,
    );
    if (uncertain) {
      throw new OtpDeliveryUncertainError(this.challengeOf(record, record.maxAttempts), {
        cause: failure,
      });
    }
    if (discardOnFailure) {
      await this.store.delete(record.challengeId).catch(() => undefined);
    }
    throw failure;
  }

  /** Runs a store operation; anything unexpected becomes `OtpStoreUnavailableError` (fail closed). */
  private async useStore<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      const unavailable =
        error instanceof OtpStoreUnavailableError
          ? error
          : error instanceof PostaGuverciniError
            ? undefined
            : new OtpStoreUnavailableError(`the store failed: ${errorName(error)}`, {
                // A copy with name, message and code only: a driver's error may carry credentials.
                cause: sanitizeCause(error),
              });
      if (unavailable === undefined) throw error;
      const wall = Date.now();
      if (wall - this.lastStoreWarning >= STORE_WARNING_INTERVAL_MS) {
        this.lastStoreWarning = wall;
        this.logger.warn(
          `${unavailable.message} (further store failures in the next 10 s are not logged)`,
        );
      }
      throw unavailable;
    }
  }

  /**
   * The phone presented at verification, canonical; `''` (which matches no challenge) for a
   * value that is not a mobile number of an allowed country, so it fails like a wrong code.
   */
  private presentedPhone(phone: unknown): string {
    try {
      return normalizePhoneNumber(phone, {
        allowedCountries: this.options.allowedCountries,
        field: 'phone',
      });
    } catch (error) {
      if (error instanceof SmsValidationError) return '';
      throw error;
    }
  }

  private requireHasher(): OtpHasher {
    if (this.hasher === undefined) {
      throw new InvalidOptionsError('otp.secret', `${SECRET_REQUIRED}. Set it to use OtpService.`);
    }
    if (this.options.generatedSecret && !this.warnedGeneratedSecret) {
      this.warnedGeneratedSecret = true;
      this.logger.warn(
        'otp.secret is not set: using a random secret for this process (memory transport). Codes do not survive a restart and cannot be shared between instances; set otp.secret (≥ 32 random bytes) before production.',
      );
    }
    return this.hasher;
  }

  private now(): number {
    const now = this.options.clock();
    if (typeof now !== 'number' || !Number.isFinite(now)) {
      throw new InvalidOptionsError(
        'otp.clock',
        'must return epoch milliseconds (a finite number)',
      );
    }
    return Math.floor(now);
  }

  /** Emits an event and calls its hook; a failing listener or hook is logged, never thrown. */
  private emit<K extends keyof OtpEventMap>(name: K, payload: OtpEventMap[K][0]): void {
    const event = Object.freeze(payload);
    recordOtpEvent(name, event);
    // Each listener on its own: one that throws (or rejects) neither breaks the call nor keeps
    // the others from hearing the event.
    // rawListeners: a `once()` listener is its wrapper, which removes itself when called.
    for (const listener of (this.events as EventEmitter).rawListeners(name)) {
      try {
        const returned: unknown = (listener as (event: unknown) => unknown).call(
          this.events,
          event,
        );
        if (returned instanceof Promise) {
          returned.catch((error: unknown) =>
            this.logger.error(
              `An OtpService "${name}" event listener rejected: ${errorText(error)}`,
            ),
          );
        }
      } catch (error) {
        this.logger.error(`An OtpService "${name}" event listener threw: ${errorText(error)}`);
      }
    }
    const hookName = HOOKS[name];
    if (hookName === undefined) return;
    const hook = this.options.hooks[hookName] as ((event: unknown) => unknown) | undefined;
    if (hook === undefined) return;
    try {
      const returned = hook(event);
      if (returned instanceof Promise) {
        returned.catch((error: unknown) =>
          this.logger.error(`otp.hooks.${hookName} rejected: ${errorText(error)}`),
        );
      }
    } catch (error) {
      this.logger.error(`otp.hooks.${hookName} threw: ${errorText(error)}`);
    }
  }
}

function describe(challenge: OtpChallengeSummary): {
  purpose: string;
  subject?: string;
  maskedPhone: string;
} {
  return {
    purpose: challenge.purpose,
    ...(challenge.subject === undefined ? {} : { subject: challenge.subject }),
    maskedPhone: maskPhoneNumber(challenge.phone),
  };
}

/** Whether a send failure may have been accepted by the provider (`maybeAccepted`, duck-typed). */
function maybeAccepted(error: unknown): boolean {
  return (
    error !== null &&
    typeof error === 'object' &&
    (error as { maybeAccepted?: unknown }).maybeAccepted === true
  );
}

function toSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

function errorText(error: unknown): string {
  const { message } = (error ?? {}) as { message?: unknown };
  return typeof message === 'string' ? `${errorName(error)}: ${message}` : String(error);
}

/** An error's name, also for errors from another realm (where instanceof Error fails). */
function errorName(error: unknown): string {
  const { name } = (error ?? {}) as { name?: unknown };
  return typeof name === 'string' && name !== '' ? name : 'unknown error';
}

/** What the user typed, without spaces and dashes; anything that is not the code fails like a wrong code. */
function normalizeCode(code: unknown): string {
  const text = typeof code === 'string' ? code : typeof code === 'number' ? String(code) : '';
  return text.replace(/[\s-]/g, '').slice(0, MAX_CODE_INPUT);
}

function checkPurpose(purpose: unknown): string {
  if (purpose === undefined) return DEFAULT_OTP_PURPOSE;
  if (
    typeof purpose !== 'string' ||
    purpose.trim() === '' ||
    purpose.length > 100 ||
    CONTROL.test(purpose)
  ) {
    throw new SmsValidationError(
      'INVALID_OTP_PURPOSE',
      'purpose must be a non-empty string of at most 100 characters',
      'purpose',
    );
  }
  return purpose;
}

function checkSubject(subject: unknown): string | undefined {
  if (subject === undefined || subject === null) return undefined;
  if (
    (typeof subject !== 'string' && typeof subject !== 'number') ||
    String(subject) === '' ||
    String(subject).length > 200
  ) {
    throw new SmsValidationError(
      'INVALID_OTP_SUBJECT',
      'subject must be a non-empty string or number of at most 200 characters',
      'subject',
    );
  }
  return String(subject);
}

/** Checks bound values at send time (they go into the SMS): names usable as placeholders, plain values. */
/** The kind of a refused value, for messages (never the value itself). */
function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return 'a non-finite number';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function checkBinding(
  bind: unknown,
  limits?: Readonly<Record<string, number>>,
): Record<string, string> | undefined {
  if (bind === undefined || bind === null) return undefined;
  if (typeof bind !== 'object' || Array.isArray(bind)) {
    throw new SmsValidationError(
      'INVALID_OTP_BINDING',
      'bind must be an object such as { amount: "149.90", currency: "TRY", payee: "ACME A.Ş." }',
      'bind',
    );
  }
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(bind)) {
    const field = `bind.${key}`;
    if (value === undefined) {
      throw new SmsValidationError(
        'INVALID_OTP_BINDING',
        `${field} is missing: every bound value must be given (a string or a finite number)`,
        field,
      );
    }
    if (!BIND_KEY.test(key) || RESERVED_BIND_KEYS.has(key)) {
      throw new SmsValidationError(
        'INVALID_OTP_BINDING',
        `${field}: names must be letters, digits and _ (not starting with a digit, at most 40) and not code, minutes or purpose`,
        field,
      );
    }
    const text =
      typeof value === 'string'
        ? value
        : typeof value === 'number' && Number.isFinite(value)
          ? String(value)
          : undefined;
    if (text === undefined || text.length > 200) {
      throw new SmsValidationError(
        'INVALID_OTP_BINDING',
        `${field} must be a string (or finite number) of at most 200 printable characters, not ${describeType(value)}`,
        field,
      );
    }
    if (UNSAFE_BOUND_CHARACTER.test(text) || LONE_SURROGATE.test(text)) {
      throw new SmsValidationError(
        'INVALID_OTP_BINDING',
        `${field} holds a control, bidirectional-control or zero-width character (bound values are shown in the SMS)`,
        field,
      );
    }
    const limit = limits === undefined ? undefined : (limits[key] ?? DEFAULT_BIND_LIMIT);
    if (limit !== undefined && [...text].length > limit) {
      throw new SmsValidationError(
        'INVALID_OTP_BINDING',
        `${field} is longer than ${limit} characters (otp.bindLimits.${key}), the length the SMS is measured for`,
        field,
      );
    }
    values[key] = text;
  }
  return Object.keys(values).length === 0 ? undefined : values;
}
