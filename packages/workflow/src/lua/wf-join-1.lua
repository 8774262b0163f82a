-- Gathers a record's outputs from the steps a join waits for.
-- KEYS[1] the join hash; ARGV[1] the upstream step, ARGV[2] its output (JSON), ARGV[3] how many
-- upstream steps the join waits for, ARGV[4] expiry (ms).
-- Returns every output (field/value list) once all have arrived (again on a repeat), else nil.
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
if redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[3]) then return redis.call('HGETALL', KEYS[1]) end
return false
