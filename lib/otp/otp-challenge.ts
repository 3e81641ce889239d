import { maskPhoneNumber } from '../phone/phone-number.js';
import type { OtpChallenge, OtpChallengeState, OtpChallengeStatus } from './otp.types.js';
import type { ResolvedOtpProfile } from './resolve-otp-options.js';
import type { OtpChallengeRecord } from './stores/otp.store.js';

// Small facts of a challenge shared by the OTP flow: its times, the challenge a caller sees,
// whole seconds of a wait, and whether a failed send may have reached the provider.

export function timesFrom(
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

export function challengeOf(record: OtpChallengeRecord, attemptsLeft: number): OtpChallenge {
  return {
    challengeId: record.challengeId,
    expiresAt: new Date(record.expiresAt),
    resendAvailableAt: new Date(record.resendAvailableAt),
    maskedPhone: maskPhoneNumber(record.phone),
    attemptsLeft: Math.max(0, attemptsLeft),
  };
}

/** Whether a send failure may have been accepted by the provider (`maybeAccepted`, duck-typed). */
export function maybeAccepted(error: unknown): boolean {
  return (
    error !== null &&
    typeof error === 'object' &&
    (error as { maybeAccepted?: unknown }).maybeAccepted === true
  );
}

export function toSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

/** Where a challenge stands (`OtpService.status()`), from its stored record. */
export function challengeStatusOf(
  record: OtpChallengeRecord,
  now: number,
  maxResends: number,
): OtpChallengeStatus {
  const state: OtpChallengeState =
    record.state ??
    (record.attempts >= record.maxAttempts
      ? 'locked'
      : now >= record.expiresAt
        ? 'expired'
        : 'pending');
  const resendable = state === 'pending' || state === 'expired';
  return {
    challengeId: record.challengeId,
    state,
    delivery: record.delivery?.status ?? 'unknown',
    sentAt: new Date(record.sentAt ?? record.createdAt),
    expiresAt: new Date(record.expiresAt),
    attemptsLeft: state === 'pending' ? Math.max(0, record.maxAttempts - record.attempts) : 0,
    resendsLeft: resendable ? Math.max(0, maxResends - record.resends) : 0,
    maskedPhone: maskPhoneNumber(record.phone),
    purpose: record.purpose,
    ...(record.endedAt === undefined ? {} : { endedAt: new Date(record.endedAt) }),
    ...(record.delivery === undefined ? {} : { deliveryCheckedAt: new Date(record.delivery.at) }),
  };
}
