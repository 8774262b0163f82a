-- Replays a dead letter once: adds its entry back to the stream it came from and marks it.
-- KEYS[1] the replay mark, KEYS[2] the stream the entry came from
-- ARGV[1] how long the mark is kept (ms), ARGV[2] the stream's MAXLEN, ARGV[3..] the entry's field/value pairs.
-- Returns {1, new id} when replayed now, {0, id} when it was replayed before.
local prev = redis.call('GET', KEYS[1])
if prev then return {0, prev} end
local id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', unpack(ARGV, 3))
redis.call('SET', KEYS[1], id, 'PX', ARGV[1])
return {1, id}
