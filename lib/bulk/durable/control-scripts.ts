// The Lua scripts of CampaignControlStore (campaign-keys.ts): every decision of keys, leases,
// holds and cancels is one script (one round trip, atomic).

/** Milliseconds from the Redis clock (every instance agrees on it). */
const NOW = `local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/**
 * KEYS: key record, meta, state, results, done, settled, then the delivery collection's four
 * keys (all dropped when the key starts a new campaign). ARGV: fp, token, leaseMs, ttl, epoch.
 * → {'new', epoch} | {'conflict'} | {'read', count, digest, complete, epoch} | {'running'} |
 *   {'resume', ckPos, ckHash, epoch}
 */
export const CLAIM_KEY = `
${NOW}
if redis.call('EXISTS', KEYS[1]) == 1 then
  local r = redis.call('HMGET', KEYS[1], 'fp', 'read', 'count', 'digest', 'complete', 'leaseUntil', 'ckPos', 'ckHash', 'epoch')
  if r[1] ~= ARGV[1] then return {'conflict'} end
  if r[2] == '1' then return {'read', r[3], r[4], r[5], r[9]} end
  if tonumber(r[6] or '0') > now then return {'running'} end
  redis.call('HSET', KEYS[1], 'token', ARGV[2], 'leaseUntil', now + tonumber(ARGV[3]))
  return {'resume', r[7] or '0', r[8] or '', r[9]}
end
redis.call('DEL', KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8], KEYS[9], KEYS[10])
redis.call('HSET', KEYS[1], 'fp', ARGV[1], 'token', ARGV[2], 'leaseUntil', now + tonumber(ARGV[3]), 'epoch', ARGV[5])
redis.call('EXPIRE', KEYS[1], ARGV[4])
return {'new', ARGV[5]}
`;

/** KEYS: key record. ARGV: token, leaseMs. → 1 (renewed) | 0 (lost). */
export const RENEW_LEASE = `
${NOW}
if redis.call('HGET', KEYS[1], 'token') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'leaseUntil', now + tonumber(ARGV[2]))
return 1
`;

/**
 * Before queueing a keyed campaign's batch: the caller must hold the lease. Marks the batch
 * number as `pending` (in case the caller dies before the commit).
 * KEYS: key record, meta. ARGV: token, leaseMs. → batch number | -1 (lease lost).
 */
export const RESERVE_BATCH = `
${NOW}
if redis.call('HGET', KEYS[1], 'token') ~= ARGV[1] then return -1 end
redis.call('HSET', KEYS[1], 'leaseUntil', now + tonumber(ARGV[2]))
local n = tonumber(redis.call('HGET', KEYS[2], 'batches') or '0')
redis.call('HSET', KEYS[2], 'pending', n)
return n
`;

/** KEYS: key record, meta. ARGV: token, batch, ckPos, ckHash. → 1 | -1 (lease lost). */
export const COMMIT_BATCH = `
if redis.call('HGET', KEYS[1], 'token') ~= ARGV[1] then return -1 end
redis.call('HSET', KEYS[2], 'batches', tonumber(ARGV[2]) + 1)
redis.call('HDEL', KEYS[2], 'pending')
redis.call('HSET', KEYS[1], 'ckPos', ARGV[3], 'ckHash', ARGV[4])
return 1
`;

/**
 * A batch reserved by a starter that died before its commit, whose job was not found: adopt it
 * (a worker already claimed it: it was queued) or void it (recorded done with no recipients,
 * so a late job with this number is never sent). KEYS: meta, state, results, done.
 * ARGV: batch, retention. → 'adopted' | 'voided'
 */
export const SETTLE_PENDING = `
local n = ARGV[1]
if redis.call('HEXISTS', KEYS[2], n) == 0 then
  redis.call('HSET', KEYS[2], n, 'done')
  redis.call('HSET', KEYS[3], n, '{"r":0,"c":0,"o":[]}')
  redis.call('RPUSH', KEYS[4], n)
  redis.call('HINCRBY', KEYS[1], 'batchesDone', 1)
  for i = 2, 4 do redis.call('EXPIRE', KEYS[i], ARGV[2]) end
  redis.call('HSET', KEYS[1], 'batches', tonumber(n) + 1)
  redis.call('HDEL', KEYS[1], 'pending')
  return 'voided'
end
redis.call('HSET', KEYS[1], 'batches', tonumber(n) + 1)
redis.call('HDEL', KEYS[1], 'pending')
return 'adopted'
`;

/** KEYS: key record. ARGV: token, count, digest, complete. */
export const MARK_READ = `
if redis.call('HGET', KEYS[1], 'token') ~= ARGV[1] then return -1 end
redis.call('HSET', KEYS[1], 'read', '1', 'count', ARGV[2], 'digest', ARGV[3], 'complete', ARGV[4], 'leaseUntil', 0)
return 1
`;

/**
 * Worker side, before claiming a batch. KEYS: meta. ARGV: tolerance ms.
 * → {'go'} | {'go-held'} | {'cancelled'} | {'early', holdUntil} | {'gone'}
 */
export const GATE = `
${NOW}
local v = redis.call('HMGET', KEYS[1], 'kind', 'cancelRequested', 'holdUntil')
if not v[1] then return {'gone'} end
if v[2] == '1' then return {'cancelled'} end
if v[3] then
  if tonumber(v[3]) > now + tonumber(ARGV[1]) then return {'early', v[3]} end
  redis.call('HSET', KEYS[1], 'started', '1')
  return {'go-held'}
end
return {'go'}
`;

/** KEYS: meta. → 'ok' | 'started' | 'finished' | 'gone' */
export const CANCEL = `
local v = redis.call('HMGET', KEYS[1], 'kind', 'holdUntil', 'started', 'enqueued', 'batches', 'batchesDone', 'cancelRequested')
if not v[1] then return 'gone' end
if v[7] == '1' then return 'ok' end
if v[2] and v[3] == '1' then return 'started' end
if v[4] == '1' and v[5] == v[6] then return 'finished' end
redis.call('HSET', KEYS[1], 'cancelRequested', '1')
return 'ok'
`;

/** KEYS: meta. ARGV: new send time (ms). → 'ok' | 'started' | 'not_held' | 'cancelled' | 'gone' */
export const RESCHEDULE = `
local v = redis.call('HMGET', KEYS[1], 'kind', 'holdUntil', 'started', 'cancelRequested')
if not v[1] then return 'gone' end
if not v[2] then return 'not_held' end
if v[3] == '1' then return 'started' end
if v[4] == '1' then return 'cancelled' end
redis.call('HSET', KEYS[1], 'holdUntil', ARGV[1], 'sendAt', ARGV[1])
return 'ok'
`;

/**
 * Records a batch as cancelled only if nobody claimed it (state absent); one step, so a worker
 * that claims it later finds it `done`. KEYS: state, results, done, meta.
 * ARGV: batch, payload, recipients, retention. → 1 | 0
 */
export const RECORD_CANCELLED = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], 'done')
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('RPUSH', KEYS[3], ARGV[1])
redis.call('HINCRBY', KEYS[4], 'failed', ARGV[3])
redis.call('HINCRBY', KEYS[4], 'batchesDone', 1)
for i = 1, 4 do redis.call('EXPIRE', KEYS[i], ARGV[4]) end
return 1
`;
