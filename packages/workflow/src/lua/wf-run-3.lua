-- Records one attempt of a record at a step, adds it up per step, and keeps the runs bounded.
-- KEYS[1] the run's hash, KEYS[2] the index of runs (sorted set by start), KEYS[3] the per-step aggregates
-- ARGV[1] record id, ARGV[2] now (ms), ARGV[3] max runs kept, ARGV[4] max age (ms),
-- ARGV[5] the run's JSON (written once), ARGV[6] when the run began (ms, its score),
-- ARGV[7] the attempt's field, ARGV[8] the attempt's JSON, ARGV[9] step, ARGV[10] outcome,
-- ARGV[11] latency ms (-1: the step is not done), ARGV[12] worker ms, ARGV[13] latency bucket,
-- ARGV[14] the run's new status ('' leaves it), ARGV[15] most fields a run keeps.
-- Returns the ids of the runs trimmed from the index (the caller deletes their hashes).
if redis.call('HSETNX', KEYS[1], '_run', ARGV[5]) == 1 then
  redis.call('ZADD', KEYS[2], ARGV[6], ARGV[1])
end
if redis.call('HEXISTS', KEYS[1], ARGV[7]) == 1 or redis.call('HLEN', KEYS[1]) < tonumber(ARGV[15]) then
  redis.call('HSET', KEYS[1], ARGV[7], ARGV[8])
else
  redis.call('HINCRBY', KEYS[1], '_dropped', 1)
end
if ARGV[14] ~= '' then redis.call('HSET', KEYS[1], '_status', ARGV[14]) end
redis.call('PEXPIRE', KEYS[1], ARGV[4])
local p = ARGV[9] .. ':'
redis.call('HINCRBY', KEYS[3], p .. 'attempts', 1)
redis.call('HINCRBY', KEYS[3], p .. ARGV[10], 1)
redis.call('HINCRBY', KEYS[3], p .. 'workerMs', ARGV[12])
if tonumber(ARGV[11]) >= 0 then
  redis.call('HINCRBY', KEYS[3], p .. 'done', 1)
  redis.call('HINCRBY', KEYS[3], p .. 'latencyMs', ARGV[11])
  redis.call('HINCRBY', KEYS[3], p .. 'b' .. ARGV[13], 1)
end
-- Bounds: runs older than max age, then the oldest past max count (at most 100 a call).
local trimmed = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', '(' .. (tonumber(ARGV[2]) - tonumber(ARGV[4])), 'LIMIT', 0, 100)
local over = redis.call('ZCARD', KEYS[2]) - #trimmed - tonumber(ARGV[3])
if over > 0 then
  local extra = redis.call('ZRANGE', KEYS[2], #trimmed, #trimmed + math.min(over, 100) - 1)
  for _, id in ipairs(extra) do trimmed[#trimmed + 1] = id end
end
if #trimmed > 0 then
  redis.call('ZREM', KEYS[2], unpack(trimmed))
  redis.call('HINCRBY', KEYS[3], '_trimmed', #trimmed)
end
return trimmed
