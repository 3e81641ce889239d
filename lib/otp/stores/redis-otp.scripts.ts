import { createHash } from 'node:crypto';

/**
 * Lua scripts of `RedisOtpStore`: each store operation is one script, run with EVALSHA (EVAL
 * when the server does not know it yet), so each is atomic and costs one round trip.
 *
 * Challenge hash fields: h code hash · b binding digest · p phone · u purpose · s subject ·
 * t text parts (JSON) · c created · e expires · r resend available · k retain until ·
 * a attempts · m max attempts · n resends. Times are epoch ms from the service's clock.
 *
 * Counters are sorted sets of hit timestamps (sliding windows). Every key gets a TTL.
 */

/** A script and its SHA-1 (what EVALSHA names it by). */
export interface RedisOtpScript {
  readonly name: string;
  readonly lua: string;
  readonly sha: string;
}

function script(name: string, lua: string): RedisOtpScript {
  return { name, lua, sha: createHash('sha1').update(lua).digest('hex') };
}

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
 * KEYS[1] challenge, KEYS[2..] counters.
 * ARGV: now, challenge TTL ms, hit member, counter count n, n × (limit, window), field/value pairs.
 * → {1} created · {0, counter index, wait ms} refused · {-1} id already taken.
 */
export const CREATE_SCRIPT = script(
  'create',
  `${COUNTERS}
local now = tonumber(ARGV[1])
local n = tonumber(ARGV[4])
local refused, wait = check_counters(2, n, 5, now)
if refused > 0 then return {0, refused, wait} end
if redis.call('EXISTS', KEYS[1]) == 1 then return {-1} end
add_counters(2, n, 5, now, ARGV[3])
local fields = {}
for i = 5 + 2 * n, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[1], unpack(fields))
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return {1}
`,
);

/**
 * KEYS[1] challenge. ARGV: now, candidate hash, '1' if a purpose is presented else '0', purpose,
 * '1' if a phone is presented else '0', phone (canonical).
 * → {0} not found · {1, phone, purpose, subject} valid (deleted) ·
 *   {2, phone, purpose, subject, attempts left} invalid (counted) ·
 *   {3, phone, purpose, subject, ms until forgotten} locked · {4, phone, purpose, subject} expired.
 *
 * Comparison: Lua has no constant-time compare, and none is needed here. What is compared is
 * HMAC-SHA256(secret, challenge id ‖ code ‖ binding) in hex, never the code: a timing
 * difference could at most reveal how many leading characters of two HMAC outputs agree, and
 * without the secret an attacker can neither compute the HMAC of a code they try nor steer
 * which prefix it has, so that reveals nothing about the code; and a challenge answers only
 * `maxAttempts` guesses in all. (Lua strings are interned besides, so `==` on two strings is a
 * pointer comparison.) `MemoryOtpStore` compares with `crypto.timingSafeEqual`.
 */
export const ATTEMPT_SCRIPT = script(
  'attempt',
  `
local now = tonumber(ARGV[1])
local r = redis.call('HMGET', KEYS[1], 'h', 'p', 'u', 's', 'e', 'k', 'a', 'm')
if not r[1] then return {0} end
local retain = tonumber(r[6])
if now >= retain then
  redis.call('DEL', KEYS[1])
  return {0}
end
local attempts = tonumber(r[7])
local max = tonumber(r[8])
if attempts >= max then return {3, r[2], r[3], r[4], math.max(1, retain - now)} end
if now >= tonumber(r[5]) then return {4, r[2], r[3], r[4]} end
attempts = redis.call('HINCRBY', KEYS[1], 'a', 1)
if r[1] == ARGV[2] and (ARGV[3] == '0' or r[3] == ARGV[4]) and (ARGV[5] == '0' or r[2] == ARGV[6]) then
  redis.call('DEL', KEYS[1])
  return {1, r[2], r[3], r[4]}
end
return {2, r[2], r[3], r[4], max - attempts}
`,
);

/**
 * KEYS[1] challenge, KEYS[2..] counters.
 * ARGV: now, new hash, expires, resend available, retain until, max resends, hit member,
 * counter count n, n × (limit, window).
 * → {1, attempts, max attempts, resends} replaced · {0} not found · {3, ms} locked ·
 *   {5, ms} cooldown · {6} no resends left · {7, counter index, wait ms} refused by a counter.
 */
export const REPLACE_SCRIPT = script(
  'replace',
  `${COUNTERS}
local now = tonumber(ARGV[1])
local r = redis.call('HMGET', KEYS[1], 'k', 'a', 'm', 'r', 'n')
if not r[1] then return {0} end
local retain = tonumber(r[1])
if now >= retain then
  redis.call('DEL', KEYS[1])
  return {0}
end
local attempts = tonumber(r[2])
local max = tonumber(r[3])
if attempts >= max then return {3, math.max(1, retain - now)} end
local available = tonumber(r[4])
if now < available then return {5, available - now} end
if tonumber(r[5]) >= tonumber(ARGV[6]) then return {6} end
local n = tonumber(ARGV[8])
local refused, wait = check_counters(2, n, 9, now)
if refused > 0 then return {7, refused, wait} end
add_counters(2, n, 9, now, ARGV[7])
redis.call('HSET', KEYS[1], 'h', ARGV[2], 'e', ARGV[3], 'r', ARGV[4], 'k', ARGV[5])
local resends = redis.call('HINCRBY', KEYS[1], 'n', 1)
redis.call('PEXPIRE', KEYS[1], math.max(1, tonumber(ARGV[5]) - now))
return {1, attempts, max, resends}
`,
);

/**
 * KEYS: counters. ARGV: now, hit member, counter count n, n × (limit, window).
 * → {1} counted · {0, counter index, wait ms} refused (nothing counted).
 */
export const HIT_SCRIPT = script(
  'hit',
  `${COUNTERS}
local now = tonumber(ARGV[1])
local n = tonumber(ARGV[3])
local refused, wait = check_counters(1, n, 4, now)
if refused > 0 then return {0, refused, wait} end
add_counters(1, n, 4, now, ARGV[2])
return {1}
`,
);
