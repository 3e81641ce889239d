import {
  OtpChallengeLockedError,
  OtpChallengeNotFoundError,
  OtpLockedError,
  OtpRateLimitError,
  OtpResendLimitError,
} from '../errors/otp.errors.js';
import type { OtpChallenge } from './otp.types.js';
import { generateChallengeId, generateOtpCode } from './otp-code.js';
import { challengeOf, timesFrom, toSeconds } from './otp-challenge.js';
import type { OtpFlowContext } from './otp-flow-context.js';
import { challengeIdOf } from './otp-input.js';
import { otpProfileOf } from './resolve-otp-options.js';
import type { OtpChallengeRecord } from './stores/otp.store.js';

// The flow of OtpService.resend(): replace a live challenge's code in one store step that checks
// the cooldown, the resend and send caps and the account lock, then send the SMS and tell the
// listeners.

/** `OtpService.resend()`: a new code for a challenge (see its TSDoc). */
export async function resendOtp(flow: OtpFlowContext, challengeId: unknown): Promise<OtpChallenge> {
  const hasher = flow.requireHasher();
  const { options, dispatch } = flow;
  const id = challengeIdOf(challengeId);
  if (id === undefined) throw new OtpChallengeNotFoundError();
  const now = flow.now();
  const record = await flow.useStore(() => flow.store.get(id, now));
  if (record === undefined || record.state !== undefined) throw new OtpChallengeNotFoundError();
  const profile = otpProfileOf(options, record.purpose);

  const testCode = options.testNumbers.get(record.phone);
  const code = testCode ?? generateOtpCode(profile.codeLength);
  const times = timesFrom(now, profile);
  const outcome = await flow.useStore(() =>
    flow.store.replace(
      id,
      { codeHash: hasher.codeHash(id, code, record.bindingDigest), ...times },
      {
        maxResends: profile.maxResends,
        limits: flow.limits.newCodeHits(hasher, record.phone, undefined, record.purpose),
        hitId: `${id}:${generateChallengeId()}`,
        ...(options.lockout === undefined ? {} : { lockout: options.lockout }),
      },
      now,
    ),
  );
  switch (outcome.status) {
    case 'not_found':
      throw new OtpChallengeNotFoundError();
    case 'account_locked': {
      const retryAfterSeconds = toSeconds(outcome.retryAfterMs);
      dispatch.rateLimited('account_locked', { retryAfterSeconds }, id, record, undefined, now);
      throw new OtpLockedError(retryAfterSeconds);
    }
    case 'locked':
      // When send() will really accept a new code for this phone and account (0: now).
      throw new OtpChallengeLockedError(
        outcome.newCodeInMs === undefined
          ? await flow.newCodeWait(hasher, record, undefined, outcome.retryAfterMs, now)
          : Math.ceil(outcome.newCodeInMs / 1000),
      );
    case 'cooldown': {
      const retryAfterSeconds = toSeconds(outcome.retryAfterMs);
      dispatch.rateLimited('resend_cooldown', { retryAfterSeconds }, id, record, undefined, now);
      throw new OtpRateLimitError('resend_cooldown', retryAfterSeconds);
    }
    case 'max_resends':
      dispatch.rateLimited('max_resends', {}, id, record, undefined, now);
      throw new OtpResendLimitError(profile.maxResends);
    case 'rate_limited': {
      const retryAfterSeconds = toSeconds(outcome.retryAfterMs);
      const cap = outcome.cap ?? outcome.scope;
      dispatch.rateLimited(outcome.scope, { cap, retryAfterSeconds }, id, record, undefined, now);
      throw new OtpRateLimitError(outcome.scope, retryAfterSeconds, { cap });
    }
    case 'replaced':
      break;
  }
  const updated: OtpChallengeRecord = { ...record, ...times, sentAt: now };
  // A failed resend keeps the challenge: its new code reached nobody, and after the cooldown
  // the user can ask again.
  let messageId: string | undefined;
  if (testCode === undefined) {
    messageId = await flow.sms.deliver(updated, code, now, profile, { discardOnFailure: false });
  } else {
    dispatch.testNumberUsed('resend', id, record, now);
  }
  dispatch.sent(id, record, updated.expiresAt, true, messageId, now);
  if (messageId !== undefined) flow.tracker.track(updated, messageId, outcome.resends);
  return challengeOf(updated, outcome.maxAttempts - outcome.attempts);
}
