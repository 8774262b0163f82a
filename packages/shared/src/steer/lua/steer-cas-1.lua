-- Compare-and-set of one record of a steering table: the record ARGV[1] is replaced by ARGV[3]
-- (or deleted when ARGV[3] is '') only if it is still exactly ARGV[2]. KEYS[1] the table.
-- Returns 1 when done, 0 when the record changed (or is gone) meanwhile.
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
if ARGV[3] == '' then
  redis.call('HDEL', KEYS[1], ARGV[1])
else
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
end
return 1
