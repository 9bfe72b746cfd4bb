// The Redis store's Lua scripts. Each runs atomically on the Redis server, so a claim, a fenced completion or a
// takeover is one indivisible step however many processes share the Redis. Time is always Redis's own clock
// (`TIME`), never a process clock: leases and expiries compare against one clock for every process.
//
// A key is a hash whose fields are KeyRecord's own names; a field that is null is simply absent. Beside it:
// - `<prefix>:due`, a sorted set of keys by the time they become purgeable (expiry, or lease end if later),
//   which purgeExpired walks instead of scanning;
// - PEXPIREAT on every key at that time plus a grace period, so Redis deletes forgotten keys by itself while
//   the grace lets a retry still see `key_expired` (and continue the key's fencing token) for a while.
// - `<prefix>:ids`, a sorted set of `<record id>|<key>` members (all scored 0, so UUIDv7 ids sort them by
//   creation), which staff's search pages through; `<prefix>:flying`, in-flight keys by lease end, for the
//   overview's counts; `<prefix>:gone:<id>`, the identity of a key that was released, abandoned or purged, kept
//   as long as events are, so its story can still be told. Entries whose keys Redis expired by TTL are dropped
//   when a read meets them.
// All keys share the prefix's hash tag (`{idem}` by default), so the scripts' keys live in one cluster slot.

// Shared helpers, prepended to every script.
const HELPERS = `
local function clock()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
-- Integers as plain digits: Lua 5.1's default number format would turn large ones into exponents.
local function str(n) return string.format('%.0f', n) end
-- Files the key in the purge index and sets its Redis TTL; keys that never expire have neither.
local function schedule(k, due, grace)
  local v = redis.call('HMGET', k, 'status', 'expiresAt', 'leaseExpiresAt')
  local exp = tonumber(v[2])
  if exp == nil then
    redis.call('ZREM', due, k)
    redis.call('PERSIST', k)
    return
  end
  local at = exp
  local lease = tonumber(v[3])
  if v[1] == 'in_flight' and lease ~= nil and lease > at then at = lease end
  redis.call('ZADD', due, at, k)
  redis.call('PEXPIREAT', k, str(at + grace))
end
-- Why a fencing token names nothing here (see the reducer's fenced()), or nil if it holds the key.
local function stale(k, id, fence)
  local v = redis.call('HMGET', k, 'id', 'fence', 'status')
  if not v[1] or v[1] ~= id then return 'not_found' end
  if tonumber(v[2]) ~= tonumber(fence) then return 'fence_mismatch' end
  if v[3] ~= 'in_flight' then return 'not_in_flight' end
  return nil
end
-- Deletes a key with its index entries, remembering its identity for its story. ids/flying: index keys.
local function forget(k, ids, flying, prefix, retention)
  local v = redis.call('HMGET', k, 'id', 'scope', 'procedure', 'key', 'kind')
  if v[1] then
    redis.call('ZREM', ids, v[1] .. '|' .. k)
    redis.call('SET', prefix .. ':gone:' .. v[1],
      cjson.encode({scope = v[2], procedure = v[3], key = v[4], kind = v[5] or 'key'}), 'PX', retention)
  end
  redis.call('ZREM', flying, k)
  redis.call('DEL', k)
end
-- The record without one (large) field, which the caller already has.
local function without(k, skip)
  local all = redis.call('HGETALL', k)
  local out = {}
  for i = 1, #all, 2 do
    if all[i] ~= skip then
      out[#out + 1] = all[i]
      out[#out + 1] = all[i + 1]
    end
  end
  return out
end
`;

/**
 * Claim or read. KEYS: record, due, ids, flying. ARGV: leaseMs, ttlMs ('' = never expires), grace, id, then field/value
 * pairs (scope, procedure, key, policy, fingerprint …). Returns {1, now} when claimed, else {0, now, fields}.
 */
const claim = `
local now = clock()
if redis.call('EXISTS', KEYS[1]) == 1 then
  return {0, now, redis.call('HGETALL', KEYS[1])}
end
local grace = tonumber(ARGV[3])
local fields = {'id', ARGV[4], 'status', 'in_flight', 'fence', '1',
  'leaseExpiresAt', str(now + tonumber(ARGV[1])), 'createdAt', str(now), 'updatedAt', str(now)}
if ARGV[2] ~= '' then
  fields[#fields + 1] = 'expiresAt'
  fields[#fields + 1] = str(now + tonumber(ARGV[2]))
end
for i = 5, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[1], unpack(fields))
schedule(KEYS[1], KEYS[2], grace)
redis.call('ZADD', KEYS[3], 0, ARGV[4] .. '|' .. KEYS[1])
redis.call('ZADD', KEYS[4], now + tonumber(ARGV[1]), KEYS[1])
-- Index entries whose keys Redis has already expired by TTL go now, so the index never outgrows the keys.
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. str(now - grace))
return {1, now}
`;

/**
 * Takeover: compare-and-swap on (id, fence, status), re-checking with Redis's clock that the reducer's reason
 * still holds. KEYS: record, due, ids, flying. ARGV: id, fence, previous status, reason, leaseMs, ttlMs ('' = never),
 * grace, then field/value pairs (policy, fingerprint, lease owner …). Returns {1, now, fields} or {0, now}.
 */
const takeover = `
local now = clock()
local v = redis.call('HMGET', KEYS[1], 'id', 'fence', 'status', 'expiresAt', 'leaseExpiresAt')
if not v[1] or v[1] ~= ARGV[1] or tonumber(v[2]) ~= tonumber(ARGV[2]) or v[3] ~= ARGV[3] then
  return {0, now}
end
local exp = tonumber(v[4])
local lease = tonumber(v[5])
local reason = ARGV[4]
local allowed = false
if reason == 'key_expired' then
  allowed = exp ~= nil and exp <= now and (v[3] == 'completed' or lease == nil or lease <= now)
elseif reason == 'lease_expired' then
  allowed = v[3] == 'in_flight' and lease ~= nil and lease <= now
elseif reason == 'payload_changed' then
  allowed = v[3] == 'completed'
end
if not allowed then return {0, now} end
redis.call('HDEL', KEYS[1], 'completedAt', 'outcomeOk', 'outcomeStatus', 'outcomeBody', 'outcomeHeaders',
  'requestId', 'requestPayload', 'naturalId', 'leaseOwner')
local fields = {'status', 'in_flight', 'fence', str(tonumber(v[2]) + 1),
  'leaseExpiresAt', str(now + tonumber(ARGV[5])), 'updatedAt', str(now)}
-- A lease takeover continues the generation and keeps its expiry; the others start a new retention period.
if reason ~= 'lease_expired' then
  if ARGV[6] == '' then
    redis.call('HDEL', KEYS[1], 'expiresAt')
  else
    fields[#fields + 1] = 'expiresAt'
    fields[#fields + 1] = str(now + tonumber(ARGV[6]))
  end
end
if reason == 'key_expired' then
  fields[#fields + 1] = 'createdAt'
  fields[#fields + 1] = str(now)
end
for i = 8, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[1], unpack(fields))
schedule(KEYS[1], KEYS[2], tonumber(ARGV[7]))
redis.call('ZADD', KEYS[3], 0, ARGV[1] .. '|' .. KEYS[1])
redis.call('ZADD', KEYS[4], now + tonumber(ARGV[5]), KEYS[1])
return {1, now, redis.call('HGETALL', KEYS[1])}
`;

/**
 * Fenced completion. KEYS: record, due, ids, flying. ARGV: id, fence, ok ('1'/'0'), status, body, headers JSON ('' =
 * none), grace, notify ('1'/'0'), channel, change message. Returns {1, now, fields without the body} or
 * {0, now, reason}.
 */
const complete = `
local now = clock()
local why = stale(KEYS[1], ARGV[1], ARGV[2])
if why then return {0, now, why} end
redis.call('HDEL', KEYS[1], 'leaseOwner', 'leaseExpiresAt', 'outcomeHeaders')
redis.call('HSET', KEYS[1], 'status', 'completed', 'outcomeOk', ARGV[3], 'outcomeStatus', ARGV[4],
  'outcomeBody', ARGV[5], 'completedAt', str(now), 'updatedAt', str(now))
if ARGV[6] ~= '' then redis.call('HSET', KEYS[1], 'outcomeHeaders', ARGV[6]) end
schedule(KEYS[1], KEYS[2], tonumber(ARGV[7]))
redis.call('ZADD', KEYS[3], 0, ARGV[1] .. '|' .. KEYS[1])
redis.call('ZREM', KEYS[4], KEYS[1])
if ARGV[8] == '1' then redis.call('PUBLISH', ARGV[9], ARGV[10]) end
return {1, now, without(KEYS[1], 'outcomeBody')}
`;

/**
 * Fenced abandon. KEYS: record, due, ids, flying. ARGV: id, fence, notify, channel, message, prefix, event
 * retention ms. {1, now} or {0, now, reason}.
 */
const abandon = `
local now = clock()
local why = stale(KEYS[1], ARGV[1], ARGV[2])
if why then return {0, now, why} end
forget(KEYS[1], KEYS[3], KEYS[4], ARGV[6], ARGV[7])
redis.call('ZREM', KEYS[2], KEYS[1])
if ARGV[3] == '1' then redis.call('PUBLISH', ARGV[4], ARGV[5]) end
return {1, now}
`;

/**
 * Fenced lease renewal. KEYS: record, due, ids, flying. ARGV: id, fence, leaseMs, grace. {1, now, fields} or
 * {0, now, reason}.
 */
const renew = `
local now = clock()
local why = stale(KEYS[1], ARGV[1], ARGV[2])
if why then return {0, now, why} end
redis.call('HSET', KEYS[1], 'leaseExpiresAt', str(now + tonumber(ARGV[3])), 'updatedAt', str(now))
schedule(KEYS[1], KEYS[2], tonumber(ARGV[4]))
redis.call('ZADD', KEYS[4], now + tonumber(ARGV[3]), KEYS[1])
return {1, now, redis.call('HGETALL', KEYS[1])}
`;

/**
 * Ends an in-flight key whatever its lease. KEYS: record, due, ids, flying. ARGV: channel, message, prefix,
 * event retention ms. {1, now, fields} or {0, now}.
 */
const release = `
local now = clock()
if redis.call('HGET', KEYS[1], 'status') ~= 'in_flight' then return {0, now} end
local fields = redis.call('HGETALL', KEYS[1])
forget(KEYS[1], KEYS[3], KEYS[4], ARGV[3], ARGV[4])
redis.call('ZREM', KEYS[2], KEYS[1])
redis.call('PUBLISH', ARGV[1], ARGV[2])
return {1, now, fields}
`;

/**
 * Deletes a key whatever its state (staff void a stored outcome). KEYS: record, due, ids, flying. ARGV: channel,
 * message, prefix, event retention ms. {1, now, fields} or {0, now}.
 */
const voidKey = `
local now = clock()
if redis.call('EXISTS', KEYS[1]) == 0 then return {0, now} end
local fields = redis.call('HGETALL', KEYS[1])
forget(KEYS[1], KEYS[3], KEYS[4], ARGV[3], ARGV[4])
redis.call('ZREM', KEYS[2], KEYS[1])
redis.call('PUBLISH', ARGV[1], ARGV[2])
return {1, now, fields}
`;

/** KEYS: record. Returns the fields (empty when the key is absent). */
const get = `return redis.call('HGETALL', KEYS[1])`;

/** Redis's clock in epoch milliseconds. */
const now = `return clock()`;

/**
 * Deletes up to ARGV[1] expired, unheld keys, oldest due first. KEYS: due, ids, flying. ARGV: limit, grace,
 * prefix, event retention ms. Index entries
 * of keys Redis has already expired are dropped on the way and not counted. Returns how many keys went.
 */
const purge = `
local now = clock()
local limit = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. str(now - tonumber(ARGV[2])))
local deleted = 0
local kept = 0
while deleted < limit do
  local batch = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', str(now), 'LIMIT', kept, 200)
  if #batch == 0 then break end
  for _, k in ipairs(batch) do
    if deleted >= limit then break end
    local v = redis.call('HMGET', k, 'status', 'expiresAt', 'leaseExpiresAt')
    local exp = tonumber(v[2])
    local lease = tonumber(v[3])
    if not v[1] then
      redis.call('ZREM', KEYS[1], k)
    elseif exp ~= nil and exp <= now and not (v[1] == 'in_flight' and lease ~= nil and lease > now) then
      forget(k, KEYS[2], KEYS[3], ARGV[3], ARGV[4])
      redis.call('ZREM', KEYS[1], k)
      deleted = deleted + 1
    else
      kept = kept + 1
    end
  end
end
return deleted
`;

/**
 * Appends events. KEYS: all-events index, event bodies. ARGV: maxEvents, maxPerKey, per-key retention ms, then
 * per event: id, key index, type index, JSON. Indexes are sorted sets whose members (UUIDv7 ids, all scored 0)
 * sort by time lexically; the oldest beyond the caps are dropped with their bodies.
 */
const appendEvents = `
local max = tonumber(ARGV[1])
local perKey = tonumber(ARGV[2])
local retention = ARGV[3]
local touched = {}
for i = 4, #ARGV, 4 do
  local id, keyIndex, typeIndex = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  redis.call('HSET', KEYS[2], id, ARGV[i + 3])
  redis.call('ZADD', KEYS[1], 0, id)
  redis.call('ZADD', keyIndex, 0, id)
  redis.call('PEXPIRE', keyIndex, retention)
  redis.call('ZADD', typeIndex, 0, id)
  touched[keyIndex] = perKey
  touched[typeIndex] = max
end
local over = redis.call('ZCARD', KEYS[1]) - max
while over > 0 do
  local n = math.min(over, 1000)
  local old = redis.call('ZRANGE', KEYS[1], 0, n - 1)
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, n - 1)
  redis.call('HDEL', KEYS[2], unpack(old))
  over = over - n
end
for index, cap in pairs(touched) do
  redis.call('ZREMRANGEBYRANK', index, 0, -(cap + 1))
end
return 1
`;

/**
 * One page of event ids and bodies, newest first. KEYS: index, event bodies. ARGV: upper bound (a ZRANGEBYLEX
 * bound: '+' or '(<id>'), count. Returns id, body pairs; a body is false when the event was capped away.
 */
const eventsPage = `
local ids = redis.call('ZREVRANGEBYLEX', KEYS[1], ARGV[1], '-', 'LIMIT', 0, tonumber(ARGV[2]))
if #ids == 0 then return {} end
local bodies = redis.call('HMGET', KEYS[2], unpack(ids))
local out = {}
for i = 1, #ids do
  out[#out + 1] = ids[i]
  out[#out + 1] = bodies[i]
end
return out
`;

/**
 * A page of keys for staff's search. KEYS: ids. ARGV: 'oldest' or 'newest', a ZRANGEBYLEX bound to start
 * from, count. Returns {now, n, id1, fields1, …}; fields are empty for an entry whose key is gone (then dropped).
 */
const scanKeys = `
local now = clock()
local members
if ARGV[1] == 'oldest' then
  members = redis.call('ZRANGEBYLEX', KEYS[1], ARGV[2], '+', 'LIMIT', 0, tonumber(ARGV[3]))
else
  members = redis.call('ZREVRANGEBYLEX', KEYS[1], ARGV[2], '-', 'LIMIT', 0, tonumber(ARGV[3]))
end
local out = {now, #members}
for _, m in ipairs(members) do
  local sep = string.find(m, '|', 1, true)
  local id = string.sub(m, 1, sep - 1)
  local k = string.sub(m, sep + 1)
  local fields = {}
  if redis.call('HGET', k, 'id') == id then
    fields = redis.call('HGETALL', k)
  else
    redis.call('ZREM', KEYS[1], m)
  end
  out[#out + 1] = id
  out[#out + 1] = fields
end
return out
`;

/** A key by record id. KEYS: ids. ARGV: id. Returns its fields, or empty. */
const keyById = `
local members = redis.call('ZRANGEBYLEX', KEYS[1], '[' .. ARGV[1] .. '|', '(' .. ARGV[1] .. '}', 'LIMIT', 0, 1)
if #members == 0 then return {} end
local k = string.sub(members[1], #ARGV[1] + 2)
if redis.call('HGET', k, 'id') ~= ARGV[1] then return {} end
return redis.call('HGETALL', k)
`;

/** The identity of a key that is gone. KEYS: its gone key. Returns JSON or false. */
const gone = `return redis.call('GET', KEYS[1])`;

/**
 * Key counts for the overview. KEYS: flying, due. ARGV: grace. Returns {now, in flight, stuck, expiring within
 * the hour, expired}. In-flight entries of keys that finished or are gone are dropped on the way.
 */
const keyCounts = `
local now = clock()
local members = redis.call('ZRANGE', KEYS[1], 0, -1)
local inFlight, stuck = 0, 0
for _, k in ipairs(members) do
  local v = redis.call('HMGET', k, 'status', 'expiresAt', 'leaseExpiresAt')
  if v[1] ~= 'in_flight' then
    redis.call('ZREM', KEYS[1], k)
  else
    local exp = tonumber(v[2])
    if exp == nil or exp > now then
      inFlight = inFlight + 1
      local lease = tonumber(v[3])
      if lease == nil or lease <= now then stuck = stuck + 1 end
    end
  end
end
local grace = tonumber(ARGV[1])
local expiring = redis.call('ZCOUNT', KEYS[2], '(' .. str(now), str(now + 3600000))
local expired = redis.call('ZCOUNT', KEYS[2], '(' .. str(now - grace), str(now))
return {now, inFlight, stuck, expiring, expired}
`;

/** Appends to the audit log. KEYS: audit index, audit bodies. ARGV: id, JSON. Returns the store's now. */
const appendAudit = `
local now = clock()
redis.call('ZADD', KEYS[1], 0, ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], str(now) .. ' ' .. ARGV[2])
return now
`;

/**
 * Starts a staff job unless one of its type runs (updated within ARGV[3] ms). KEYS: latest-of-type pointer.
 * ARGV: prefix, job json (without times), stale ms, retention ms. Returns {started (1/0), job json}.
 */
const jobStart = `
local now = clock()
local latest = redis.call('GET', KEYS[1])
if latest then
  local json = redis.call('GET', ARGV[1] .. ':job:' .. latest)
  if json then
    local job = cjson.decode(json)
    if job.state == 'running' then
      if job.updatedAt > now - tonumber(ARGV[3]) then return {0, json} end
      job.state = 'failed'
      job.error = 'stopped reporting progress'
      job.finishedAt = now
      redis.call('SET', ARGV[1] .. ':job:' .. latest, cjson.encode(job), 'PX', ARGV[4])
    end
  end
end
local job = cjson.decode(ARGV[2])
job.startedAt = now
job.updatedAt = now
local json = cjson.encode(job)
redis.call('SET', ARGV[1] .. ':job:' .. job.id, json, 'PX', ARGV[4])
redis.call('SET', KEYS[1], job.id, 'PX', ARGV[4])
return {1, json}
`;

/** KEYS: job. ARGV: patch json, retention ms. Returns the job json, or false when unknown. */
const jobUpdate = `
local now = clock()
local json = redis.call('GET', KEYS[1])
if not json then return false end
local job = cjson.decode(json)
local patch = cjson.decode(ARGV[1])
for k, v in pairs(patch) do job[k] = v end
job.updatedAt = now
if patch.state then job.finishedAt = now end
json = cjson.encode(job)
redis.call('SET', KEYS[1], json, 'PX', ARGV[2])
return json
`;

/** KEYS: counter. ARGV: ttl ms. A counter that lives ttl ms from its first count; returns the count. */
const count = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n
`;

const sources = {
  claim,
  takeover,
  complete,
  abandon,
  renew,
  release,
  void: voidKey,
  get,
  now,
  purge,
  appendEvents,
  eventsPage,
  scanKeys,
  keyById,
  gone,
  keyCounts,
  appendAudit,
  jobStart,
  jobUpdate,
  count,
} as const;

export type ScriptName = keyof typeof sources;

/** Every script's full source, helpers included. */
export const SCRIPTS: Readonly<Record<ScriptName, string>> = Object.fromEntries(
  Object.entries(sources).map(([name, body]) => [name, `${HELPERS}\n${body}`]),
) as Record<ScriptName, string>;
