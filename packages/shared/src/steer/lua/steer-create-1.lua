-- Adds a record to a steering table (a hash: id → JSON, field `_seq` the request counter) unless
-- the table already holds ARGV[1] records. KEYS[1] the table; ARGV[1] the bound, ARGV[2] id,
-- ARGV[3] the record (JSON). Returns 1 when added, 0 when the table is full, -1 when the id exists.
local n = redis.call('HLEN', KEYS[1])
if redis.call('HEXISTS', KEYS[1], '_seq') == 1 then n = n - 1 end
if n >= tonumber(ARGV[1]) then return 0 end
if redis.call('HSETNX', KEYS[1], ARGV[2], ARGV[3]) == 0 then return -1 end
return 1
