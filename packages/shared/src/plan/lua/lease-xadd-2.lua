-- Adds entries to a stream only while the caller holds the lease: the check and the adds are one
-- step, so a holder that lost its lease (a pause, a partition) cannot publish after the next one
-- took over. KEYS[1] lease, KEYS[2] stream; ARGV[1] token, ARGV[2] MAXLEN ~, then per entry its
-- field count n and n strings. Returns the ids, or 0 (nothing added) when the lease is not ours.
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
local ids = {}
local i = 3
while i <= #ARGV do
  local n = tonumber(ARGV[i])
  local args = { 'XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*' }
  for j = 1, n do args[#args + 1] = ARGV[i + j] end
  ids[#ids + 1] = redis.call(unpack(args))
  i = i + n + 1
end
return ids
