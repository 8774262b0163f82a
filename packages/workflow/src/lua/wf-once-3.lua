-- Does something to a record once: the first call for a key counts it and, when a stream is
-- given, writes the record there; a repeat (a retried job, a redelivery) does nothing.
-- KEYS[1] the dedupe key, KEYS[2] the counters hash, KEYS[3] the stream
-- ARGV[1] dedupe window (ms), ARGV[2] counter field, ARGV[3] stream MAXLEN (0: no write),
-- ARGV[4..] the entry's field/value pairs. Returns 1 the first time, 0 after.
if not redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[1]) then return 0 end
redis.call('HINCRBY', KEYS[2], ARGV[2], 1)
if tonumber(ARGV[3]) > 0 then
  redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[3], '*', unpack(ARGV, 4))
end
return 1
