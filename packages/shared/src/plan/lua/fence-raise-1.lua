-- Raises a slot's fence for a lease to the epoch of its new take, before the new holder works:
-- from then on a publish into this slot under an older epoch is refused. KEYS[1] the slot's
-- fence (hash: lease key -> epoch); ARGV[1] lease key, ARGV[2] epoch. Returns 1, or 0 when the
-- fence already holds a newer epoch (this take is stale).
local current = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
local epoch = tonumber(ARGV[2])
if current > epoch then return 0 end
if current < epoch then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
return 1
