-- Commits a plan revision: compare-and-set on the plan version, fenced by the planner lease,
-- and the revision appended to the revisions stream, all at once.
-- KEYS[1] plan (hash: version, plan)   KEYS[2] revisions stream   KEYS[3] lease
-- ARGV[1] expected current version     ARGV[2] new version        ARGV[3] new plan (JSON)
-- ARGV[4] lease token ('' = no lease)  ARGV[5] stream MAXLEN      ARGV[6] the revision (JSON)
-- ARGV[7..] revision entry fields
-- Returns {1, entryId} on success, {0, currentVersion} on a version conflict, {-1, holder} when
-- the lease is held by someone else.
if ARGV[4] ~= '' then
  local holder = redis.call('GET', KEYS[3])
  if holder ~= ARGV[4] then
    return {-1, holder or ''}
  end
end
local current = redis.call('HGET', KEYS[1], 'version') or '0'
if current ~= ARGV[1] then
  return {0, current}
end
redis.call('HSET', KEYS[1], 'version', ARGV[2], 'plan', ARGV[3], 'revision', ARGV[6])
local id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[5], '*', unpack(ARGV, 7))
return {1, id}
