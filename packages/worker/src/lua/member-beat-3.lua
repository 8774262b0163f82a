-- A member's heartbeat (also its join): drops expired members, then adds or refreshes this one
-- unless the step already has `max` live members (a new member is then refused and counted;
-- a live one is never evicted for it). Times are Redis's own, so members on machines with
-- different clocks agree on who is live.
-- KEYS[1] members (sorted set: id -> expiry ms)  KEYS[2] info (hash: id -> JSON)  KEYS[3] refused (counter)
-- ARGV[1] id  ARGV[2] ttl ms  ARGV[3] max members  ARGV[4] info JSON
-- Returns {1, now, id1, info1, id2, info2, ...} (the live members, this one included), or {0, now, refusedCount}.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)
if #expired > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
  redis.call('HDEL', KEYS[2], unpack(expired))
end
local id = ARGV[1]
if not redis.call('ZSCORE', KEYS[1], id) and redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then
  return {0, now, redis.call('INCR', KEYS[3])}
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), id)
redis.call('HSET', KEYS[2], id, ARGV[4])
local ids = redis.call('ZRANGE', KEYS[1], 0, -1)
local infos = redis.call('HMGET', KEYS[2], unpack(ids))
local out = {1, now}
for i = 1, #ids do
  out[#out + 1] = ids[i]
  out[#out + 1] = infos[i] or ''
end
return out
