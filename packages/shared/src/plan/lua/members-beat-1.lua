-- A member's heartbeat in a membership set. KEYS[1] members (sorted set: member -> expiry, Redis
-- time ms); ARGV[1] member, ARGV[2] ttl ms. Drops the expired members, then returns how many live.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) * 2)
return redis.call('ZCARD', KEYS[1])
