import { createHash } from 'node:crypto';

/**
 * Lua scripts of `RedisOtpStore`, each documented with its KEYS, ARGV and reply, sharing the
 * clock and counter helpers (the verification, the hot path, is in redis-otp.attempt.ts). Each
 * store operation is one script, run with EVALSHA (EVAL when the server does not know it yet),
 * so each is atomic and costs one round trip.
 *
 * Challenge hash fields: h code hash · b binding digest · p phone · u purpose · s subject ·
 * t text parts (JSON) · c created · e expires · r resend available · k retain until ·
 * a attempts · m max attempts · n resends · x account (lockout) key · L the phone's send
 * counters (JSON `[[key, limit, window ms], …]`, read when the challenge is locked) · g sent
 * (last send) · S how it ended (`verified` / `cancelled`: a tombstone, without h and b) ·
 * E ended · d delivery status · P provider status code · M message id · D delivery read.
 * Times are epoch ms.
 *
 * Counters are sorted sets of hit timestamps (sliding windows). An account (`otp.lockout`) is a
 * sorted set of its recent failures, plus a member `L` scored with the end of its lock while
 * locked. Every key gets a TTL.
 *
 * One clock: with the store's default `clock: 'redis'`, every script reads the server's `TIME`
 * and evaluates expiry, cooldowns, caps and lockout windows on it; the absolute times the
 * service computed on its own clock are moved by the difference (`shift`), so instances whose
 * clocks disagree still enforce the same limits. With `clock: 'service'` the service's `now`
 * is used as it is (tests that move a manual clock). `TIME` in a script that writes needs
 * effects replication: Redis ≥ 5 (the default there; Redis 7 always).
 *
 * An account key is derived inside the attempt and replace scripts from the challenge's `x`
 * field (the service cannot know whose challenge an id names before reading it). On Redis
 * Cluster, put the key prefix in a hash tag (`'{otp}:'`) so every key lives in one slot.
 */

/** A script and its SHA-1 (what EVALSHA names it by). */
export interface RedisOtpScript {
  readonly name: string;
  readonly lua: string;
  readonly sha: string;
  /** Whether the script may answer with one string (else only an array is a reply). */
  readonly textReply: boolean;
}

export function script(name: string, lua: string, textReply = false): RedisOtpScript {
  return { name, lua, sha: createHash('sha1').update(lua).digest('hex'), textReply };
}

/**
 * The clock of a script: the server's `TIME` (`mode` '1') or the service's `now` (`given`), and
 * the shift to add to the service's absolute times to move them onto it.
 */
export const CLOCK = `
local function clock(given, mode)
  local g = tonumber(given)
  if mode == '1' then
    local t = redis.call('TIME')
    local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
    return now, now - g
  end
  return g, 0
end

-- Milliseconds until a counter lets one more hit through (0: now); reads only.
local function counter_wait(key, limit, window, now)
  local count = redis.call('ZCOUNT', key, '(' .. (now - window), '+inf')
  if count < limit then return 0 end
  local entry = redis.call('ZRANGEBYSCORE', key, '(' .. (now - window), '+inf', 'WITHSCORES', 'LIMIT', count - limit, 1)
  return math.max(0, math.ceil(tonumber(entry[2]) + window - now))
end

local function locked_for(akey, now)
  if not akey then return 0 end
  local l = redis.call('ZSCORE', akey, 'L')
  if l and tonumber(l) > now then return tonumber(l) - now end
  return 0
end
`;

/**
 * Counters `KEYS[first .. first + n - 1]`; limit and window (ms) of counter i in
 * `ARGV[arg + 2i]`, `ARGV[arg + 2i + 1]`. `check` returns the 1-based index of the counter that
 * refuses longest (0 if all allow) and its wait in ms; `add` records one hit in each.
 */
const COUNTERS = `
local function check_counters(first, n, arg, now)
  local refused, wait = 0, 0
  for i = 0, n - 1 do
    local key = KEYS[first + i]
    local limit = tonumber(ARGV[arg + 2 * i])
    local window = tonumber(ARGV[arg + 2 * i + 1])
    redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
    local count = redis.call('ZCARD', key)
    if count >= limit then
      local entry = redis.call('ZRANGE', key, count - limit, count - limit, 'WITHSCORES')
      local w = tonumber(entry[2]) + window - now
      if w > wait then
        wait = w
        refused = i + 1
      end
    end
  end
  return refused, math.ceil(wait)
end

local function add_counters(first, n, arg, now, member)
  for i = 0, n - 1 do
    local key = KEYS[first + i]
    redis.call('ZADD', key, now, member)
    redis.call('PEXPIRE', key, ARGV[arg + 2 * i + 1])
  end
end
`;

/**
 * KEYS[1] challenge, KEYS[2] account, KEYS[3..] counters.
 * ARGV: now, clock mode, challenge TTL ms, hit member, '1' if the lockout applies, counter count
 * n, n × (limit, window), created, expires, resend available, retain until (service clock),
 * then field/value pairs.
 * → {1} created · {0, counter index, wait ms} refused · {-1} id already taken ·
 *   {-2, ms} account locked.
 */
export const CREATE_SCRIPT = script(
  'create',
  `${CLOCK}${COUNTERS}
local now, shift = clock(ARGV[1], ARGV[2])
if ARGV[5] == '1' then
  local lock = locked_for(KEYS[2], now)
  if lock > 0 then return {-2, lock} end
end
local n = tonumber(ARGV[6])
local refused, wait = check_counters(3, n, 7, now)
if refused > 0 then return {0, refused, wait} end
if redis.call('EXISTS', KEYS[1]) == 1 then return {-1} end
add_counters(3, n, 7, now, ARGV[4])
local t = 7 + 2 * n
local fields = {
  'c', tonumber(ARGV[t]) + shift, 'g', tonumber(ARGV[t]) + shift, 'e', tonumber(ARGV[t + 1]) + shift,
  'r', tonumber(ARGV[t + 2]) + shift, 'k', tonumber(ARGV[t + 3]) + shift
}
for i = t + 4, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[1], unpack(fields))
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return {1}
`,
);

/**
 * KEYS[1] challenge, KEYS[2..] counters.
 * ARGV: now, clock mode, new hash, expires, resend available, retain until (service clock),
 * max resends, hit member, '1' if the lockout applies, account key prefix, counter count n,
 * n × (limit, window).
 * → {1, attempts, max attempts, resends} replaced · {0} not found ·
 *   {3, ms until forgotten, ms until a new send passes the counters} locked · {5, ms} cooldown · {6} no resends left · {7, counter index, wait ms} refused by a counter ·
 *   {8, ms} account locked.
 */
export const REPLACE_SCRIPT = script(
  'replace',
  `${CLOCK}${COUNTERS}
local now, shift = clock(ARGV[1], ARGV[2])
local r = redis.call('HMGET', KEYS[1], 'k', 'a', 'm', 'r', 'n', 'x', 'h')
if not r[1] or not r[7] then return {0} end
local retain = tonumber(r[1])
if now >= retain then
  redis.call('DEL', KEYS[1])
  return {0}
end
if ARGV[9] == '1' and r[6] then
  local lock = locked_for(ARGV[10] .. r[6], now)
  if lock > 0 then return {8, lock} end
end
local attempts = tonumber(r[2])
local max = tonumber(r[3])
local n = tonumber(ARGV[11])
if attempts >= max then
  local wait = 0
  for i = 0, n - 1 do
    wait = math.max(wait, counter_wait(KEYS[2 + i], tonumber(ARGV[12 + 2 * i]), tonumber(ARGV[13 + 2 * i]), now))
  end
  return {3, math.max(1, retain - now), wait}
end
local available = tonumber(r[4])
if now < available then return {5, available - now} end
if tonumber(r[5]) >= tonumber(ARGV[7]) then return {6} end
local refused, wait = check_counters(2, n, 12, now)
if refused > 0 then return {7, refused, wait} end
add_counters(2, n, 12, now, ARGV[8])
local new_retain = tonumber(ARGV[6]) + shift
redis.call('HSET', KEYS[1], 'h', ARGV[3], 'e', tonumber(ARGV[4]) + shift,
  'r', tonumber(ARGV[5]) + shift, 'k', new_retain, 'g', now)
redis.call('HDEL', KEYS[1], 'd', 'P', 'M', 'D')
local resends = redis.call('HINCRBY', KEYS[1], 'n', 1)
redis.call('PEXPIRE', KEYS[1], math.max(1, new_retain - now))
return {1, attempts, max, resends}
`,
);

/**
 * KEYS: counters. ARGV: now, clock mode, hit member, counter count n, n × (limit, window).
 * → {1} counted · {0, counter index, wait ms} refused (nothing counted).
 */
export const HIT_SCRIPT = script(
  'hit',
  `${CLOCK}${COUNTERS}
local now = clock(ARGV[1], ARGV[2])
local n = tonumber(ARGV[4])
local refused, wait = check_counters(1, n, 5, now)
if refused > 0 then return {0, refused, wait} end
add_counters(1, n, 5, now, ARGV[3])
return {1}
`,
);

/**
 * KEYS[1] challenge. ARGV: now, clock mode.
 * → {} unknown or past its retention · {shift, field, value, …} (times in the hash are on the
 * store's clock; minus `shift` they are on the service's).
 */
export const GET_SCRIPT = script(
  'get',
  `${CLOCK}
local now, shift = clock(ARGV[1], ARGV[2])
local fields = redis.call('HGETALL', KEYS[1])
if #fields == 0 then return {} end
local k = redis.call('HGET', KEYS[1], 'k')
if not k or now >= tonumber(k) then return {} end
local reply = {tostring(shift)}
for i = 1, #fields do reply[#reply + 1] = fields[i] end
return reply
`,
);

/**
 * KEYS[1] account, KEYS[2..] counters. ARGV: now, clock mode, '1' if the account applies,
 * counter count n, n × (limit, window). Counts nothing.
 * → {ms until a send would be allowed (0: now)}
 */
export const SEND_WAIT_SCRIPT = script(
  'send-wait',
  `${CLOCK}${COUNTERS}
local now = clock(ARGV[1], ARGV[2])
local wait = 0
if ARGV[3] == '1' then wait = locked_for(KEYS[1], now) end
local refused, w = check_counters(2, tonumber(ARGV[4]), 5, now)
if refused > 0 and w > wait then wait = w end
return {wait}
`,
);

/**
 * KEYS: accounts. ARGV: now, clock mode.
 * → {1 if one of them was locked, else 0}; all are forgotten.
 */
export const UNLOCK_SCRIPT = script(
  'unlock',
  `${CLOCK}
local now = clock(ARGV[1], ARGV[2])
local was = 0
for i = 1, #KEYS do
  if locked_for(KEYS[i], now) > 0 then was = 1 end
  redis.call('DEL', KEYS[i])
end
return {was}
`,
);

/**
 * KEYS[1] challenge. ARGV: now, clock mode.
 * → {0} unknown, forgotten or already ended · {1, phone, purpose, subject} now a cancelled tombstone.
 */
export const CANCEL_SCRIPT = script(
  'cancel',
  `${CLOCK}
local now = clock(ARGV[1], ARGV[2])
local r = redis.call('HMGET', KEYS[1], 'h', 'k', 'p', 'u', 's')
if not r[1] then return {0} end
if now >= tonumber(r[2]) then
  redis.call('DEL', KEYS[1])
  return {0}
end
redis.call('HDEL', KEYS[1], 'h', 'b')
redis.call('HSET', KEYS[1], 'S', 'cancelled', 'E', now)
return {1, r[3], r[4], r[5]}
`,
);

/**
 * KEYS[1] challenge. ARGV: now, clock mode, resends the status is for, status, provider code,
 * message id, read at (service clock).
 * → {1} written · {0} unknown, forgotten, or resent since (the status is of an older SMS).
 */
export const DELIVERY_SCRIPT = script(
  'delivery',
  `${CLOCK}
local now, shift = clock(ARGV[1], ARGV[2])
local r = redis.call('HMGET', KEYS[1], 'n', 'k')
if not r[1] or not r[2] or now >= tonumber(r[2]) then return {0} end
if r[1] ~= ARGV[3] then return {0} end
redis.call('HSET', KEYS[1], 'd', ARGV[4], 'P', ARGV[5], 'M', ARGV[6], 'D', tonumber(ARGV[7]) + shift)
return {1}
`,
);
