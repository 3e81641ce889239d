import type { EventEmitter } from 'node:events';
import type { Logger } from '@nestjs/common';
import { maskPhoneNumber } from '../phone/phone-number.js';
import { metricsOn, recordOtpEvent } from '../telemetry/telemetry.js';
import type { OtpEventMap, OtpHooks, OtpRateLimitedLimit } from './otp.events.js';
import type { OtpChallengeSummary } from './stores/otp.store.js';

// Event dispatch of OtpService: each event's payload (built only when someone listens), the
// typed `events` emitter, the `otp.hooks`, the metrics, and the safety that a listener or hook
// that throws (or rejects) never breaks the call.

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

/** Emits OTP events to listeners, hooks and metrics; a failing listener or hook is logged, never thrown. */
export class OtpEventDispatcher {
  constructor(
    private readonly events: EventEmitter<OtpEventMap>,
    private readonly hooks: OtpHooks,
    private readonly logger: Logger,
  ) {}

  /**
   * Whether anyone hears `name` (a listener, its hook, or the metrics): callers check it before
   * building a payload, so nothing is built when nothing listens.
   */
  wants(name: keyof OtpEventMap): boolean {
    if ((this.events as EventEmitter).listenerCount(name) > 0) return true;
    const hook = HOOKS[name];
    if (hook !== undefined && this.hooks[hook] !== undefined) return true;
    if (name === 'rateLimited' && (this.events as EventEmitter).listenerCount('rate-limited') > 0)
      return true;
    return metricsOn();
  }

  /** Emits an event and calls its hook; a failing listener or hook is logged, never thrown. */
  emit<K extends keyof OtpEventMap>(name: K, payload: OtpEventMap[K][0]): void {
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
    const hook = this.hooks[hookName] as ((event: unknown) => unknown) | undefined;
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

  /** Emits `failed` (when anyone listens). */
  failed(
    challengeId: string,
    reason: 'invalid' | 'expired' | 'locked' | 'not_found',
    challenge: OtpChallengeSummary | undefined,
    attemptsLeft: number,
    now: number,
  ): void {
    if (!this.wants('failed')) return;
    this.emit('failed', {
      challengeId,
      reason,
      ...(challenge === undefined ? {} : describeChallenge(challenge)),
      attemptsLeft,
      at: new Date(now),
    });
  }

  /** Emits `locked` for the challenge, or for its account when `lockedUntil` is given. */
  locked(
    challengeId: string,
    challenge: OtpChallengeSummary,
    lockedUntil: Date | undefined,
    now: number,
  ): void {
    if (!this.wants('locked')) return;
    this.emit('locked', {
      scope: lockedUntil === undefined ? 'challenge' : 'account',
      challengeId,
      ...describeChallenge(challenge),
      ...(lockedUntil === undefined ? {} : { lockedUntil }),
      at: new Date(now),
    });
  }

  /**
   * Emits `rateLimited` (and, for listeners of its first name, `rate-limited`): a send or resend
   * refused by `limit`; `challengeId` for a resend, `ip` for a refusal by the per-IP cap.
   */
  rateLimited(
    limit: OtpRateLimitedLimit,
    refusal: { readonly cap?: string; readonly retryAfterSeconds?: number },
    challengeId: string | undefined,
    challenge: OtpChallengeSummary,
    ip: string | undefined,
    now: number,
  ): void {
    if (!this.wants('rateLimited')) return;
    const { cap, retryAfterSeconds } = refusal;
    const event = {
      limit,
      ...(cap === undefined ? {} : { cap }),
      ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
      ...(challengeId === undefined ? {} : { challengeId }),
      ...describeChallenge(challenge),
      ...(ip === undefined ? {} : { ip }),
      at: new Date(now),
    };
    this.emit('rateLimited', event);
    this.emit('rate-limited', event);
  }

  /** Emits `testNumberUsed`: a code for one of `otp.testNumbers` was sent, resent or checked. */
  testNumberUsed(
    action: 'send' | 'resend' | 'verify',
    challengeId: string,
    challenge: OtpChallengeSummary,
    now: number,
  ): void {
    if (!this.wants('testNumberUsed')) return;
    this.emit('testNumberUsed', {
      challengeId,
      ...describeChallenge(challenge),
      action,
      at: new Date(now),
    });
  }

  /** Emits `sent` (a send), or `sent` and `resent` with one payload (a resend). */
  sent(
    challengeId: string,
    challenge: OtpChallengeSummary,
    expiresAt: number,
    resend: boolean,
    messageId: string | undefined,
    now: number,
  ): void {
    if (!this.wants('sent') && !(resend && this.wants('resent'))) return;
    const event = {
      challengeId,
      ...describeChallenge(challenge),
      expiresAt: new Date(expiresAt),
      resend,
      ...(messageId === undefined ? {} : { messageId }),
      at: new Date(now),
    };
    this.emit('sent', event);
    if (resend) this.emit('resent', event);
  }

  /** Emits `verified`, `expired` or `cancelled` about a challenge. */
  ended(
    name: 'verified' | 'expired' | 'cancelled',
    challengeId: string,
    challenge: OtpChallengeSummary,
    now: number,
  ): void {
    if (!this.wants(name)) return;
    this.emit(name, { challengeId, ...describeChallenge(challenge), at: new Date(now) });
  }

  /** Emits `unlocked`: `unlock()` lifted the lockout of the subject's and/or phone's account. */
  unlocked(
    subject: string | undefined,
    phone: string | undefined,
    wasLocked: boolean,
    now: number,
  ): void {
    if (!this.wants('unlocked')) return;
    this.emit('unlocked', {
      ...(subject === undefined ? {} : { subject }),
      ...(phone === undefined ? {} : { maskedPhone: maskPhoneNumber(phone) }),
      wasLocked,
      at: new Date(now),
    });
  }
}

/** Who an event is about: purpose, subject and masked phone (never the full number). */
export function describeChallenge(challenge: OtpChallengeSummary): {
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

function errorText(error: unknown): string {
  const { message } = (error ?? {}) as { message?: unknown };
  return typeof message === 'string' ? `${errorName(error)}: ${message}` : String(error);
}

/** An error's name, also for errors from another realm (where instanceof Error fails). */
export function errorName(error: unknown): string {
  const { name } = (error ?? {}) as { name?: unknown };
  return typeof name === 'string' && name !== '' ? name : 'unknown error';
}
