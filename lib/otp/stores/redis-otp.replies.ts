import type {
  OtpChallengeEnd,
  OtpChallengeRecord,
  OtpChallengeSummary,
  OtpDeliveryRecord,
  OtpRateLimitHit,
  OtpRateLimitOutcome,
  OtpReplaceOutcome,
} from './otp.store.js';

// Reading the replies of RedisOtpStore's scripts (redis-otp.scripts.ts documents each reply; the
// attempt script's is read in redis-otp.attempt.ts).

/** The outcome of the replace script (`limits`: the counters it was given, in order). */
export function replaceOutcomeOf(
  reply: readonly unknown[],
  limits: readonly OtpRateLimitHit[],
): OtpReplaceOutcome {
  switch (Number(reply[0])) {
    case 1:
      return {
        status: 'replaced',
        attempts: Number(reply[1]),
        maxAttempts: Number(reply[2]),
        resends: Number(reply[3]),
      };
    case 0:
      return { status: 'not_found' };
    case 3:
      return {
        status: 'locked',
        retryAfterMs: Number(reply[1]),
        newCodeInMs: Math.max(0, Number(reply[2] ?? 0)),
      };
    case 5:
      return { status: 'cooldown', retryAfterMs: Number(reply[1]) };
    case 6:
      return { status: 'max_resends' };
    case 8:
      return { status: 'account_locked', retryAfterMs: Math.max(1, Number(reply[1])) };
    case 7: {
      const refused = refusal(limits, reply);
      return refused.allowed
        ? { status: 'not_found' }
        : {
            status: 'rate_limited',
            scope: refused.scope,
            ...(refused.cap === undefined ? {} : { cap: refused.cap }),
            retryAfterMs: refused.retryAfterMs,
          };
    }
    default:
      throw new Error(`Unexpected reply from the replace script: ${String(reply[0])}`);
  }
}

/** A challenge as the get script returns it (its times moved back onto the service's clock). */
export function recordOf(
  challengeId: string,
  reply: readonly unknown[],
): OtpChallengeRecord | undefined {
  if (reply.length < 2) return undefined;
  const shift = Number(reply[0]);
  const fields: Record<string, string> = {};
  for (let i = 1; i + 1 < reply.length; i += 2) fields[String(reply[i])] = String(reply[i + 1]);
  const state = fields['S'] as OtpChallengeEnd | undefined;
  if (fields['h'] === undefined && state === undefined) return undefined;
  // Times on the store's clock, back on the service's.
  const time = (field: string): number => Number(fields[field]) - shift;
  return {
    challengeId,
    codeHash: fields['h'] ?? '',
    bindingDigest: fields['b'] ?? '',
    phone: fields['p'] ?? '',
    purpose: fields['u'] ?? '',
    ...(fields['s'] === undefined ? {} : { subject: fields['s'] }),
    text: JSON.parse(fields['t'] ?? '[]') as string[],
    createdAt: time('c'),
    expiresAt: time('e'),
    resendAvailableAt: time('r'),
    retainUntil: time('k'),
    attempts: Number(fields['a']),
    maxAttempts: Number(fields['m']),
    resends: Number(fields['n']),
    ...(fields['x'] === undefined ? {} : { lockoutKey: fields['x'] }),
    ...(state === undefined ? {} : { state, endedAt: time('E') }),
    sentAt: fields['g'] === undefined ? time('c') : time('g'),
    ...(fields['d'] === undefined
      ? {}
      : {
          delivery: {
            status: fields['d'] as OtpDeliveryRecord['status'],
            providerCode: fields['P'] ?? '',
            messageId: fields['M'] ?? '',
            at: time('D'),
          },
        }),
  };
}

export function refusal(
  limits: readonly OtpRateLimitHit[],
  reply: readonly unknown[],
): OtpRateLimitOutcome {
  const limit = limits[Number(reply[1]) - 1];
  return {
    allowed: false,
    scope: limit?.scope ?? 'phone',
    ...(limit?.cap === undefined ? {} : { cap: limit.cap }),
    retryAfterMs: Math.max(1, Number(reply[2])),
  };
}

export function summaryOf(reply: readonly unknown[]): OtpChallengeSummary {
  const subject = reply[3];
  return {
    phone: String(reply[1]),
    purpose: String(reply[2]),
    ...(typeof subject === 'string' || typeof subject === 'number'
      ? { subject: String(subject) }
      : {}),
  };
}
