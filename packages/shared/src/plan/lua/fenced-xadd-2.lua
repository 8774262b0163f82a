-- Appends entries to a stream only while the caller holds a lease (fencing: a holder that lost
-- its lease, even without knowing, cannot publish). KEYS[1] lease, KEYS[2] stream; ARGV[1] token,
-- ARGV[2] MAXLEN (approximate), ARGV[3] entry count, then per entry its field count and fields.
-- Each entry also gets field `lease`: the token it was published under. Returns the new ids.
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return redis.error_reply('AWO_LEASE_LOST the lease ' .. KEYS[1] .. ' is not held by this token')
end
local ids = {}
local i = 4
for e = 1, tonumber(ARGV[3]) do
  local n = tonumber(ARGV[i])
  local fields = {}
  for f = 1, n do fields[f] = ARGV[i + f] end
  fields[n + 1] = 'lease'
  fields[n + 2] = ARGV[1]
  ids[e] = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', unpack(fields))
  i = i + n + 1
end
return ids
