import { OtpLockedError } from '../errors/otp.errors.js';
import type { OtpVerifyRequest, OtpVerifyResult } from './otp.types.js';
import { canonicalOtpBinding } from './otp-code.js';
import { toSeconds } from './otp-challenge.js';
import type { OtpFlowContext } from './otp-flow-context.js';
import { challengeIdOf, readVerifyRequest } from './otp-input.js';

// The flow of OtpService.verify(): hash what is presented, let the store count the attempt and
// answer in one step, then turn its outcome into the result and the events.

/** `OtpService.verify()`: checks a code (see its TSDoc). */
export async function verifyOtp(
  flow: OtpFlowContext,
  request: OtpVerifyRequest,
): Promise<OtpVerifyResult> {
  const hasher = flow.requireHasher();
  const { options, dispatch } = flow;
  const now = flow.now();
  const challengeId = challengeIdOf(request?.challengeId);
  if (challengeId === undefined) {
    // Not an id this service issues: nothing to ask the store. The event names no id.
    dispatch.failed('', 'not_found', undefined, 0, now);
    return { valid: false, reason: 'not_found', attemptsLeft: 0 };
  }
  const { code, subject, purpose, phone } = readVerifyRequest(request, options.allowedCountries);
  const bindingDigest = hasher.bindingDigest(canonicalOtpBinding(subject, request.bind));
  let outcome;
  try {
    outcome = await flow.store.attempt(
      challengeId,
      {
        codeHash: hasher.codeHash(challengeId, code, bindingDigest),
        purpose,
        ...(phone === undefined ? {} : { phone }),
        newCodeLimits: flow.limits.ipHits(hasher, request.ip),
      },
      now,
      options.lockout,
    );
  } catch (error) {
    throw flow.storeError(error);
  }
  if (outcome.status === 'not_found') {
    dispatch.failed(challengeId, 'not_found', undefined, 0, now);
    return { valid: false, reason: 'not_found', attemptsLeft: 0 };
  }
  const { challenge } = outcome;
  if (options.testNumbers.has(challenge.phone)) {
    dispatch.testNumberUsed('verify', challengeId, challenge, now);
  }
  switch (outcome.status) {
    case 'valid': {
      if (challenge.purpose !== purpose || (phone !== undefined && challenge.phone !== phone)) {
        // A store of your own that does not compare every field of the candidate: the
        // challenge is used up, and the mismatch is still refused.
        dispatch.failed(challengeId, 'invalid', challenge, 0, now);
        return { valid: false, reason: 'invalid', attemptsLeft: 0 };
      }
      dispatch.ended('verified', challengeId, challenge, now);
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
      dispatch.failed(challengeId, 'invalid', challenge, attemptsLeft, now);
      if (attemptsLeft === 0) dispatch.locked(challengeId, challenge, undefined, now);
      if (accountLockedMs !== undefined)
        dispatch.locked(challengeId, challenge, new Date(now + accountLockedMs), now);
      return { valid: false, reason: 'invalid', attemptsLeft };
    }
    case 'account_locked':
      dispatch.failed(challengeId, 'locked', challenge, 0, now);
      throw new OtpLockedError(toSeconds(outcome.retryAfterMs));
    case 'locked': {
      const retryAfterSeconds =
        outcome.newCodeInMs === undefined
          ? await flow.newCodeWait(hasher, challenge, request.ip, outcome.retryAfterMs, now)
          : Math.ceil(outcome.newCodeInMs / 1000);
      dispatch.failed(challengeId, 'locked', challenge, 0, now);
      return { valid: false, reason: 'locked', attemptsLeft: 0, retryAfterSeconds };
    }
    case 'expired':
      dispatch.failed(challengeId, 'expired', challenge, 0, now);
      dispatch.ended('expired', challengeId, challenge, now);
      return { valid: false, reason: 'expired', attemptsLeft: 0 };
  }
}
