/**
 * The Lua scripts of `RedisStateStore`, each one atomic on the server (no read-then-write from the
 * client). Registered with ioredis' `defineCommand`, which sends EVALSHA and falls back to EVAL once
 * per connection. Times and bucket indexes are computed by the caller from its `now` and passed as
 * strings (Lua would print large numbers with 14 digits); numbers come back as integers or strings.
 */

/** Removes the members of a rate window older than `cutoff` and takes their tokens off `#sum`. */
const PRUNE = `
local function prune(z, h, cutoff)
  local old = redis.call('ZRANGEBYSCORE', z, '-inf', cutoff)
  local n = #old
  if n == 0 then return end
  local freed = 0
  for i = 1, n, 500 do
    local j = math.min(i + 499, n)
    local vals = redis.call('HMGET', h, unpack(old, i, j))
    for k = 1, #vals do freed = freed + (tonumber(vals[k]) or 0) end
    redis.call('HDEL', h, unpack(old, i, j))
  end
  redis.call('ZREMRANGEBYSCORE', z, '-inf', cutoff)
  if freed ~= 0 then redis.call('HINCRBY', h, '#sum', -freed) end
end
local function oldest(z)
  local first = redis.call('ZRANGE', z, 0, 0, 'WITHSCORES')
  if first[2] then return first[2] end
  return ''
end
`;

/**
 * KEYS: rate zset, rate-tokens hash. ARGV: now, cutoff, rpm ('' = none), tpm ('' = none), tokens, id, ttl.
 * Returns `{granted 0|1, refusedBy 0|1 (rpm)|2 (tpm), requests, tokens, oldest score or ''}`.
 */
export const ACQUIRE_LUA = `${PRUNE}
local z, h = KEYS[1], KEYS[2]
prune(z, h, ARGV[2])
local count = redis.call('ZCARD', z)
local sum = tonumber(redis.call('HGET', h, '#sum') or '0')
local tokens = tonumber(ARGV[5])
local reason = 0
if ARGV[3] ~= '' and count + 1 > tonumber(ARGV[3]) then reason = 1
elseif ARGV[4] ~= '' and sum + tokens > tonumber(ARGV[4]) then reason = 2 end
if reason ~= 0 then return {0, reason, count, sum, oldest(z)} end
redis.call('ZADD', z, ARGV[1], ARGV[6])
redis.call('HSET', h, ARGV[6], ARGV[5])
redis.call('HINCRBY', h, '#sum', tokens)
redis.call('PEXPIRE', z, ARGV[7])
redis.call('PEXPIRE', h, ARGV[7])
return {1, 0, count + 1, sum + tokens, oldest(z)}
`;

/** KEYS: rate zset, rate-tokens hash. ARGV: id, tokens. Returns 1 if the reservation was still in the window. */
export const SETTLE_LUA = `
if redis.call('ZSCORE', KEYS[1], ARGV[1]) == false then return 0 end
local old = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
local new = tonumber(ARGV[2])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
if new ~= old then redis.call('HINCRBY', KEYS[2], '#sum', new - old) end
return 1
`;

/** KEYS: rate zset, rate-tokens hash. ARGV: id. Returns 1 if it was in the window. */
export const RELEASE_LUA = `
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then return 0 end
local old = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
redis.call('HDEL', KEYS[2], ARGV[1])
if old ~= 0 then redis.call('HINCRBY', KEYS[2], '#sum', -old) end
return 1
`;

/**
 * KEYS: budget hashes. ARGV: usd, then per key: bucket index, oldest bucket index in the window, ttl.
 * Returns the spend of each budget in its window (strings).
 */
export const ADD_SPEND_LUA = `
local out = {}
for i = 1, #KEYS do
  local k = KEYS[i]
  local b = 2 + (i - 1) * 3
  local idx, lo = tonumber(ARGV[b]), tonumber(ARGV[b + 1])
  redis.call('HINCRBYFLOAT', k, ARGV[b], ARGV[1])
  local all = redis.call('HGETALL', k)
  local total = 0
  for j = 1, #all, 2 do
    local at = tonumber(all[j])
    if at < lo then redis.call('HDEL', k, all[j])
    elseif at <= idx then total = total + tonumber(all[j + 1]) end
  end
  redis.call('PEXPIRE', k, ARGV[b + 2])
  out[i] = string.format('%.17g', total)
end
return out
`;

/** KEYS: cooldown string. ARGV: until, now, px. Keeps a longer running cool-down; returns the one in force ('0' = none). */
export const COOLDOWN_LUA = `
local raw = redis.call('GET', KEYS[1])
local now, untilT = tonumber(ARGV[2]), tonumber(ARGV[1])
local cur = 0
if raw then cur = tonumber(raw) or 0 end
if cur <= now then cur = 0; raw = '0' end
if untilT <= now or untilT <= cur then return raw end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
return ARGV[1]
`;

/** KEYS: probe string. ARGV: token, now, until, px. 1 if claimed; 0 while another lease runs. */
export const PROBE_LUA = `
local cur = redis.call('GET', KEYS[1])
if cur then
  local sep = string.find(cur, '|', 1, true)
  if sep and tonumber(string.sub(cur, sep + 1)) > tonumber(ARGV[2]) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. ARGV[3], 'PX', ARGV[4])
return 1
`;

/** KEYS: probe string. ARGV: token. Deletes the lease only if this token holds it. */
export const RELEASE_PROBE_LUA = `
local cur = redis.call('GET', KEYS[1])
if cur and string.sub(cur, 1, #ARGV[1] + 1) == ARGV[1] .. '|' then return redis.call('DEL', KEYS[1]) end
return 0
`;

/**
 * The one-round-trip read. KEYS: per provider (rate zset, rate-tokens hash, cooldown, circuit), then
 * the budget hashes. ARGV: provider count, cutoff, then per budget: bucket index, oldest bucket index.
 * Returns, flat: per provider `requests, tokens, oldest|'', cooldown|'', circuit|''`; per budget its spend.
 */
export const READ_LUA = `${PRUNE}
local np = tonumber(ARGV[1])
local out = {}
local n = 0
for p = 0, np - 1 do
  local z, h = KEYS[p * 4 + 1], KEYS[p * 4 + 2]
  prune(z, h, ARGV[2])
  out[n + 1] = redis.call('ZCARD', z)
  out[n + 2] = tonumber(redis.call('HGET', h, '#sum') or '0')
  out[n + 3] = oldest(z)
  out[n + 4] = redis.call('GET', KEYS[p * 4 + 3]) or ''
  out[n + 5] = redis.call('GET', KEYS[p * 4 + 4]) or ''
  n = n + 5
end
for i = np * 4 + 1, #KEYS do
  local b = 3 + (i - np * 4 - 1) * 2
  local idx, lo = tonumber(ARGV[b]), tonumber(ARGV[b + 1])
  local all = redis.call('HGETALL', KEYS[i])
  local total = 0
  for j = 1, #all, 2 do
    local at = tonumber(all[j])
    if at >= lo and at <= idx then total = total + tonumber(all[j + 1]) end
  end
  n = n + 1
  out[n] = string.format('%.17g', total)
end
return out
`;

/** The custom commands defined on the client, by name. */
export const SCRIPTS = {
  llmRouterAcquire: { lua: ACQUIRE_LUA, numberOfKeys: 2 },
  llmRouterSettle: { lua: SETTLE_LUA, numberOfKeys: 2 },
  llmRouterRelease: { lua: RELEASE_LUA, numberOfKeys: 2 },
  llmRouterAddSpend: { lua: ADD_SPEND_LUA },
  llmRouterCooldown: { lua: COOLDOWN_LUA, numberOfKeys: 1 },
  llmRouterProbe: { lua: PROBE_LUA, numberOfKeys: 1 },
  llmRouterReleaseProbe: { lua: RELEASE_PROBE_LUA, numberOfKeys: 1 },
  llmRouterRead: { lua: READ_LUA },
} as const;
