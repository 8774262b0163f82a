-- Records the parameter value an action just applied to the world. The ledger mirrors the last
-- actuation, so a value applied for an older version (a plan that went back after a failover or a
-- rollback) is written too; only a write that would say nothing new is skipped: the same value
-- from an older version of the same epoch. An entry of another epoch (a lineage Redis lost, or one
-- written before epochs) is always overwritten.
-- KEYS[1] applied state (hash: field per step+param -> JSON {"value": ..., "version": n, "epoch": e})
-- ARGV[1] field   ARGV[2] plan version   ARGV[3] entry JSON   ARGV[4] plan epoch ('' = none)
-- Returns 1 when written, 0 when skipped.
local current = redis.call('HGET', KEYS[1], ARGV[1])
if current then
  local ok, entry = pcall(cjson.decode, current)
  if ok and type(entry) == 'table' and tonumber(entry.version) then
    local epoch = entry.epoch
    if type(epoch) ~= 'string' then epoch = '' end
    local incoming = cjson.decode(ARGV[3])
    if epoch == (ARGV[4] or '') and tonumber(entry.version) > tonumber(ARGV[2]) and entry.value == incoming.value then
      return 0
    end
  end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1
