import type {
  OtpAttemptCandidate,
  OtpAttemptOutcome,
  OtpLockoutPolicy,
  OtpRateLimitHit,
} from './otp.store.js';
import type { RedisArg } from './redis-otp.options.js';
import { summaryOf } from './redis-otp.replies.js';
import { CLOCK, type RedisOtpScript, script } from './redis-otp.scripts.js';

// The verification of RedisOtpStore, the hot path, in one place: its Lua script, the arguments
// it is sent (attemptArgv) and the reading of its reply (attemptOutcomeOf). Built to do as
// little as a correct one-round-trip verify can, on the client and on the server: one key and
// three arguments, a right code answered with one string, an attempt counted only on a miss,
// and the account probed with EXISTS, its lock read with one ZRANGE only when it holds anything.

/**
 * KEYS[1] challenge, KEYS[2..] the client's counters (read only when the challenge is locked).
 * ARGV: [1] candidate hash; [2] what else was presented: '0' nothing, '1' followed by the
 * purpose, '2' followed by the phone (canonical), ':' and the purpose, '3' followed by the
 * phone; [3] with the lockout 'max failures:window ms:lock ms|' followed by the account key
 * prefix, else ''; then (limit, window) of each counter; with `clock: 'service'` (the other
 * script) the service's now (ms) last. (Flags and values share an argument, and the server's
 * clock needs none: fewer arguments per verification.)
 * → {0} not found (also an ended challenge) · '1' phone NUL purpose [NUL subject] valid (now a
 *   tombstone; the hot path's reply is one string: see attemptOutcomeOf) ·
 *   {2, phone, purpose, subject, attempts left, account lock ms (0: not locked now)} invalid (counted) ·
 *   {3, phone, purpose, subject, ms until forgotten, ms until a new send passes its counters
 *   (-1: unknown)} locked · {4, phone, purpose, subject} expired ·
 *   {5, phone, purpose, subject, ms} account locked.
 *
 * The account (`otp.lockout`, a sorted set) holds either its recent failures (scored with their
 * time) or only the member `L` (scored with the end of its lock): so its highest member, one
 * `ZRANGE -1 -1`, says both whether it is locked and whether there is anything to clear. A right
 * code clears the account and is not counted as an attempt; only a miss runs `HINCRBY`.
 *
 * Comparison: Lua has no constant-time compare, and none is needed here. What is compared is
 * HMAC-SHA256(secret, challenge id ‖ code ‖ binding) in hex, never the code: a timing
 * difference could at most reveal how many leading characters of two HMAC outputs agree, and
 * without the secret an attacker can neither compute the HMAC of a code they try nor steer
 * which prefix it has, so that reveals nothing about the code; and a challenge answers only
 * `maxAttempts` guesses in all. (Lua strings are interned besides, so `==` on two strings is a
 * pointer comparison.) `MemoryOtpStore` compares with `crypto.timingSafeEqual`.
 */
function attemptScript(name: string, now: string): RedisOtpScript {
  return script(
    name,
    `${CLOCK}
local r = redis.call('HMGET', KEYS[1], 'h', 'p', 'u', 's', 'e', 'k', 'a', 'm', 'x')
if not r[1] then return {0} end
local now = ${now}
local retain = tonumber(r[6])
if now >= retain then
  redis.call('DEL', KEYS[1])
  return {0}
end
local akey, top = false, false
local bar = ARGV[3] ~= '' and r[9] and string.find(ARGV[3], '|', 1, true)
if bar then
  akey = string.sub(ARGV[3], bar + 1) .. r[9]
  -- Most accounts have no failures: EXISTS answers that for less than an empty ZRANGE.
  top = redis.call('EXISTS', akey) == 1 and redis.call('ZRANGE', akey, -1, -1, 'WITHSCORES') or {}
  if top[1] == 'L' and tonumber(top[2]) > now then return {5, r[2], r[3], r[4], tonumber(top[2]) - now} end
end
local attempts = tonumber(r[7])
local max = tonumber(r[8])
if attempts >= max then
  local wait = -1
  local sent = redis.call('HGET', KEYS[1], 'L')
  if sent then
    wait = 0
    for _, c in ipairs(cjson.decode(sent)) do
      wait = math.max(wait, counter_wait(c[1], tonumber(c[2]), tonumber(c[3]), now))
    end
    for i = 2, #KEYS do
      wait = math.max(wait, counter_wait(KEYS[i], tonumber(ARGV[2 * i]), tonumber(ARGV[2 * i + 1]), now))
    end
  end
  return {3, r[2], r[3], r[4], math.max(1, retain - now), wait}
end
if now >= tonumber(r[5]) then return {4, r[2], r[3], r[4]} end
local p = ARGV[2]
if r[1] == ARGV[1] and (p == '0' or p == '1' .. r[3] or p == '2' .. r[2] .. ':' .. r[3] or p == '3' .. r[2]) then
  -- Used up: a tombstone (no code hash, no binding digest) stays until the retention ends.
  -- A right code is not counted as an attempt (only misses are); it clears its account.
  redis.call('HDEL', KEYS[1], 'h', 'b')
  redis.call('HSET', KEYS[1], 'S', 'verified', 'E', now)
  if top and top[1] then redis.call('DEL', akey) end
  -- One string (ioredis reads it several times faster than a table of three): phone, purpose
  -- (neither holds a NUL) and the subject when there is one.
  if r[4] then return '1' .. r[2] .. '\0' .. r[3] .. '\0' .. r[4] end
  return '1' .. r[2] .. '\0' .. r[3]
end
attempts = redis.call('HINCRBY', KEYS[1], 'a', 1)
local locked_now = 0
if akey then
  -- A lock that is over (checked above) leaves no failures behind: a fresh count.
  if top[1] == 'L' then redis.call('DEL', akey) end
  local max_failures, window, lock_ms = string.match(ARGV[3], '^(%d+):(%d+):(%d+)|')
  max_failures, window, lock_ms = tonumber(max_failures), tonumber(window), tonumber(lock_ms)
  redis.call('ZREMRANGEBYSCORE', akey, '-inf', now - window)
  redis.call('ZADD', akey, now, KEYS[1] .. ':' .. attempts)
  if redis.call('ZCARD', akey) >= max_failures then
    redis.call('DEL', akey)
    redis.call('ZADD', akey, now + lock_ms, 'L')
    redis.call('PEXPIRE', akey, lock_ms)
    locked_now = lock_ms
  else
    redis.call('PEXPIRE', akey, window)
  end
end
return {2, r[2], r[3], r[4], max - attempts, locked_now}
`,
    true,
  );
}

/** The attempt script on the server's clock (`TIME`, the default). */
export const ATTEMPT_SCRIPT = attemptScript('attempt', "clock(0, '1')");
/** The attempt script on the service's clock (`clock: 'service'`): its now is the last argument. */
export const ATTEMPT_AT_SCRIPT = attemptScript('attempt', 'tonumber(ARGV[#ARGV])');

/** What `attemptArgv` needs of the store: its key prefixes and clock. */
export interface AttemptKeys {
  /** `<prefix>c:` */
  readonly challengePrefix: string;
  /** `<prefix>l:` */
  readonly counterPrefix: string;
  /** `<prefix>a:` */
  readonly accountPrefix: string;
  /** Whether the script reads the server's TIME (else the service's now is sent). */
  readonly serverClock: boolean;
}

/** The lockout argument last built (the service passes the same policy every time). */
let last = { maxFailures: -1, windowMs: -1, lockMs: -1, prefix: '', arg: '' };

function lockoutArg(lockout: OtpLockoutPolicy, prefix: string): string {
  const { maxFailures, windowMs, lockMs } = lockout;
  if (
    maxFailures !== last.maxFailures ||
    windowMs !== last.windowMs ||
    lockMs !== last.lockMs ||
    prefix !== last.prefix
  ) {
    last = {
      maxFailures,
      windowMs,
      lockMs,
      prefix,
      arg: `${maxFailures}:${windowMs}:${lockMs}|${prefix}`,
    };
  }
  return last.arg;
}

/** What else a candidate presents, in one argument (see ATTEMPT_SCRIPT). */
function presented(candidate: OtpAttemptCandidate): string {
  const { purpose, phone } = candidate;
  if (phone === undefined) return purpose === undefined ? '0' : '1' + purpose;
  return purpose === undefined ? '3' + phone : '2' + phone + ':' + purpose;
}

/** The keys, then the arguments, of one attempt (one array, built in place). */
export function attemptArgv(
  keys: AttemptKeys,
  challengeId: string,
  candidate: OtpAttemptCandidate,
  now: number,
  lockout: OtpLockoutPolicy | undefined,
): RedisArg[] {
  const limits: readonly OtpRateLimitHit[] | undefined = candidate.newCodeLimits;
  const n = limits === undefined ? 0 : limits.length;
  const argv: RedisArg[] = [keys.challengePrefix + challengeId];
  for (let i = 0; i < n; i++) argv.push(keys.counterPrefix + limits![i]!.key);
  argv.push(
    candidate.codeHash,
    presented(candidate),
    lockout === undefined ? '' : lockoutArg(lockout, keys.accountPrefix),
  );
  for (let i = 0; i < n; i++) argv.push(limits![i]!.limit, limits![i]!.windowMs);
  if (!keys.serverClock) argv.push(now);
  return argv;
}

/**
 * The outcome of the attempt script. A right code is answered with one string, '1', the phone,
 * NUL, the purpose, then NUL and the subject when the challenge has one: ioredis decodes one
 * string in about a fifth of the time of a table of three values (0.29 against 1.44 µs,
 * measured on its decoder), and this is the hot path. The phone is canonical digits and the
 * purpose holds no control character (OtpService refuses them), so the first two NULs are the
 * separators; the subject, last, may hold anything.
 */
export function attemptOutcomeOf(reply: readonly unknown[] | string): OtpAttemptOutcome {
  if (typeof reply === 'string') {
    const end = reply.indexOf('\0', 1);
    if (reply.charCodeAt(0) !== 49 || end < 0)
      throw new Error('Unexpected reply from the attempt script');
    const phone = reply.slice(1, end);
    const next = reply.indexOf('\0', end + 1);
    return {
      status: 'valid',
      challenge:
        next < 0
          ? { phone, purpose: reply.slice(end + 1) }
          : { phone, purpose: reply.slice(end + 1, next), subject: reply.slice(next + 1) },
    };
  }
  const status = Number(reply[0]);
  if (status === 0) return { status: 'not_found' };
  const challenge = summaryOf(reply);
  switch (status) {
    case 2: {
      const accountLockedMs = Number(reply[5] ?? 0);
      const attemptsLeft = Math.max(0, Number(reply[4]));
      return accountLockedMs > 0
        ? { status: 'invalid', attemptsLeft, challenge, accountLockedMs }
        : { status: 'invalid', attemptsLeft, challenge };
    }
    case 5:
      return {
        status: 'account_locked',
        retryAfterMs: Math.max(1, Number(reply[4])),
        challenge,
      };
    case 3: {
      const newCodeInMs = Number(reply[5] ?? -1);
      return {
        status: 'locked',
        retryAfterMs: Number(reply[4]),
        challenge,
        ...(newCodeInMs >= 0 ? { newCodeInMs } : {}),
      };
    }
    case 4:
      return { status: 'expired', challenge };
    default:
      throw new Error(`Unexpected reply from the attempt script: ${String(status)}`);
  }
}
