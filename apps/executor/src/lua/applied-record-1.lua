-- Records an applied parameter value unless a newer (or the same) plan version is already recorded.
-- KEYS[1] applied state (hash: field per step+param -> JSON {"value": ..., "version": n})
-- ARGV[1] field   ARGV[2] plan version   ARGV[3] entry JSON
-- Returns 1 when written, 0 when the stored version is the same or newer.
local current = redis.call('HGET', KEYS[1], ARGV[1])
if current then
  local ok, entry = pcall(cjson.decode, current)
  if ok and type(entry) == 'table' and tonumber(entry.version) and tonumber(entry.version) >= tonumber(ARGV[2]) then
    return 0
  end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1
