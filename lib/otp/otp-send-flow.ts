import { OtpLockedError, OtpRateLimitError } from '../errors/otp.errors.js';
import type { OtpChallenge, OtpSendRequest } from './otp.types.js';
import { canonicalOtpBinding, generateChallengeId, generateOtpCode } from './otp-code.js';
import { challengeOf, timesFrom, toSeconds } from './otp-challenge.js';
import type { OtpFlowContext } from './otp-flow-context.js';
import { readSendRequest, renderOtpText } from './otp-input.js';
import { otpProfileOf } from './resolve-otp-options.js';
import type { OtpChallengeRecord } from './stores/otp.store.js';

// The flow of OtpService.send(): check the request, create the challenge together with its
// counters in one store step, send the SMS, tell the listeners.

/** `OtpService.send()`: a new challenge, its code sent to the phone (see its TSDoc). */
export async function sendOtp(
  flow: OtpFlowContext,
  request: OtpSendRequest,
): Promise<OtpChallenge> {
  const hasher = flow.requireHasher();
  const { options, dispatch } = flow;
  const { phone, purpose, subject, bind, ip } = readSendRequest(request, options);
  const profile = otpProfileOf(options, purpose);
  const testCode = options.testNumbers.get(phone);
  const code = testCode ?? generateOtpCode(profile.codeLength);
  const text = renderOtpText(options, request.message, bind, purpose, profile, code.length);

  const now = flow.now();
  const challengeId = generateChallengeId();
  const bindingDigest = hasher.bindingDigest(canonicalOtpBinding(subject, bind));
  const lockoutKey = flow.limits.lockoutKeyOf(hasher, subject, phone);
  const limits = flow.limits.sendHits(
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
    outcome = await flow.store.create(record, limits, now, options.lockout);
  } catch (error) {
    throw flow.storeError(error);
  }
  if (!outcome.allowed && 'locked' in outcome) {
    const retryAfterSeconds = toSeconds(outcome.retryAfterMs);
    dispatch.rateLimited(
      'account_locked',
      { retryAfterSeconds },
      undefined,
      record,
      undefined,
      now,
    );
    throw new OtpLockedError(retryAfterSeconds);
  }
  if (!outcome.allowed) {
    const retryAfterSeconds = toSeconds(outcome.retryAfterMs);
    const cap = outcome.cap ?? outcome.scope;
    const refusedIp = outcome.scope === 'ip' ? ip : undefined;
    dispatch.rateLimited(
      outcome.scope,
      { cap, retryAfterSeconds },
      undefined,
      record,
      refusedIp,
      now,
    );
    throw new OtpRateLimitError(outcome.scope, retryAfterSeconds, { cap });
  }

  let messageId: string | undefined;
  if (testCode === undefined) {
    messageId = await flow.sms.deliver(record, code, now, profile, { discardOnFailure: true });
  } else {
    dispatch.testNumberUsed('send', challengeId, record, now);
  }
  dispatch.sent(challengeId, record, record.expiresAt, false, messageId, now);
  if (messageId !== undefined) flow.tracker.track(record, messageId, 0);
  return challengeOf(record, record.maxAttempts);
}
