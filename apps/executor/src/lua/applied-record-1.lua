-- Records an applied parameter value unless the same (or a newer) version of the same plan epoch
-- is already recorded. An entry of another epoch (a plan lineage Redis lost, or one written
-- before epochs: no epoch field) says nothing about this one's versions and is overwritten.
-- KEYS[1] applied state (hash: field per step+param -> JSON {"value": ..., "version": n, "epoch": e})
-- ARGV[1] field   ARGV[2] plan version   ARGV[3] entry JSON   ARGV[4] plan epoch ('' = none)
-- Returns 1 when written, 0 when the stored version of this epoch is the same or newer.
local current = redis.call('HGET', KEYS[1], ARGV[1])
if current then
  local ok, entry = pcall(cjson.decode, current)
  if ok and type(entry) == 'table' and tonumber(entry.version) then
    local epoch = entry.epoch
    if type(epoch) ~= 'string' then epoch = '' end
    if epoch == (ARGV[4] or '') and tonumber(entry.version) >= tonumber(ARGV[2]) then
      return 0
    end
  end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1
