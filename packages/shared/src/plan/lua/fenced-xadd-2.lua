-- Appends entries to a stream unless a newer take of the lease has published into, or raised
-- the fence of, the stream's slot (fencing: a holder that lost its lease, even without knowing,
-- cannot publish once the new holder has started). KEYS[1] the slot's fence (hash: lease key ->
-- epoch), KEYS[2] stream; ARGV[1] lease key, ARGV[2] epoch, ARGV[3] token, ARGV[4] MAXLEN
-- (approximate), ARGV[5] entry count, then per entry its field count and fields. Each entry also
-- gets field `lease`: the token it was published under. Returns the new ids.
local current = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
local epoch = tonumber(ARGV[2])
if current > epoch then
  return redis.error_reply('AWO_LEASE_LOST the lease ' .. ARGV[1] .. ' was taken again (epoch ' .. string.format('%d', current) .. ' > ' .. ARGV[2] .. ')')
end
if current < epoch then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
local ids = {}
local i = 6
for e = 1, tonumber(ARGV[5]) do
  local n = tonumber(ARGV[i])
  local fields = {}
  for f = 1, n do fields[f] = ARGV[i + f] end
  fields[n + 1] = 'lease'
  fields[n + 2] = ARGV[3]
  ids[e] = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[4], '*', unpack(fields))
  i = i + n + 1
end
return ids
