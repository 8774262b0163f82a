-- A member's heartbeat in a membership set (monitors, analyzers): drops expired members, then adds
-- or refreshes this one, scored by when its beat expires (Redis time, so hosts' clocks do not
-- matter). KEYS[1] members; ARGV[1] id, ARGV[2] ttl ms, ARGV[3] the most members kept (a new one
-- past it is refused; a live one is never evicted). Returns {live members, 1 if this one is a
-- member, 0 if it was refused at the bound, ms until the first other member expires or -1}.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local known = redis.call('ZSCORE', KEYS[1], ARGV[1])
-- The first two by expiry: the earliest one that is not this member.
local list = redis.call('ZRANGE', KEYS[1], 0, 1, 'WITHSCORES')
local first = -1
for i = 1, #list, 2 do
  if list[i] ~= ARGV[1] then
    first = tonumber(list[i + 1]) - now
    break
  end
end
local count = redis.call('ZCARD', KEYS[1])
if not known and count >= tonumber(ARGV[3]) then
  return { count, 0, first }
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) * 2)
if known then return { count, 1, first } end
return { count + 1, 1, first }
