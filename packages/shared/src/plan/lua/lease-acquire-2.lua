-- Takes a lease if it is free (or renews it if this token holds it) and says its epoch: the
-- fencing token of this take. KEYS[1] lease, KEYS[2] its epoch counter (same slot); ARGV[1]
-- token, ARGV[2] ttl ms. A new take's epoch is max(last epoch + 1, Redis time in ms), so it
-- grows even if a failover lost the last one. Returns the epoch, or 0 when another holds it.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return tonumber(redis.call('GET', KEYS[2]) or '0')
end
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 0 end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local epoch = math.max(now, tonumber(redis.call('GET', KEYS[2]) or '0') + 1)
redis.call('SET', KEYS[2], string.format('%d', epoch))
return epoch
