import type {
  OtpChallengeEnd,
  OtpChallengeRecord,
  OtpChallengeSummary,
  OtpCreateOutcome,
  OtpDeliveryRecord,
  OtpRateLimitHit,
  OtpRateLimitOutcome,
  OtpReplaceOutcome,
  OtpReplacePolicy,
  OtpReplacement,
} from './otp.store.js';
import type { RedisArg } from './redis-otp.options.js';

// The wire format of RedisOtpStore's scripts (redis-otp.scripts.ts documents each): the
// arguments of create and replace, the challenge hash written (challengeFields) and read back
// (recordOf), and the replies. The attempt script's are in redis-otp.attempt.ts.

/** The (limit, window) pairs of counters, in order. */
export function counterArgs(limits: readonly OtpRateLimitHit[]): number[] {
  const args: number[] = [];
  for (const limit of limits) args.push(limit.limit, limit.windowMs);
  return args;
}

/** The arguments of the create script (after its keys). */
export function createArgs(
  record: OtpChallengeRecord,
  limits: readonly OtpRateLimitHit[],
  now: number,
  clockMode: string,
  withLockout: boolean,
  counterPrefix: string,
): RedisArg[] {
  return [
    now,
    clockMode,
    Math.max(1, record.retainUntil - now),
    record.challengeId,
    withLockout ? '1' : '0',
    limits.length,
    ...counterArgs(limits),
    record.createdAt,
    record.expiresAt,
    record.resendAvailableAt,
    record.retainUntil,
    ...challengeFields(record, counterPrefix),
  ];
}

/** The arguments of the replace script (after its keys). */
export function replaceArgs(
  replacement: OtpReplacement,
  policy: OtpReplacePolicy,
  now: number,
  clockMode: string,
  accountPrefix: string,
): RedisArg[] {
  return [
    now,
    clockMode,
    replacement.codeHash,
    replacement.expiresAt,
    replacement.resendAvailableAt,
    replacement.retainUntil,
    policy.maxResends,
    policy.hitId,
    policy.lockout === undefined ? '0' : '1',
    accountPrefix,
    policy.limits.length,
    ...counterArgs(policy.limits),
  ];
}

/** The fields of a new challenge's hash (the create script adds its times). */
export function challengeFields(record: OtpChallengeRecord, counterPrefix: string): string[] {
  const fields: string[] = [
    'h',
    record.codeHash,
    'b',
    record.bindingDigest,
    'p',
    record.phone,
    'u',
    record.purpose,
    't',
    JSON.stringify(record.text),
    'a',
    String(record.attempts),
    'm',
    String(record.maxAttempts),
    'n',
    String(record.resends),
  ];
  if (record.subject !== undefined) fields.push('s', record.subject);
  if (record.lockoutKey !== undefined) fields.push('x', record.lockoutKey);
  if (record.sendLimits !== undefined) {
    const counters = record.sendLimits.map((limit) => [
      counterPrefix + limit.key,
      limit.limit,
      limit.windowMs,
    ]);
    fields.push('L', JSON.stringify(counters));
  }
  return fields;
}

/** The outcome of the create script (`limits`: the counters it was given, in order). */
export function createOutcomeOf(
  reply: readonly unknown[],
  limits: readonly OtpRateLimitHit[],
  challengeId: string,
): OtpCreateOutcome {
  const status = Number(reply[0]);
  if (status === 1) return { allowed: true };
  if (status === 0) return refusal(limits, reply);
  if (status === -2)
    return { allowed: false, locked: true, retryAfterMs: Math.max(1, Number(reply[1])) };
  throw new Error(`Challenge id collision: ${challengeId}`);
}

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
