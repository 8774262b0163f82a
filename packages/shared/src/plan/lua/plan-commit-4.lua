-- Commits a plan revision: compare-and-set on the plan's (epoch, version), fenced by the planner
-- lease, and the revision appended to the revisions stream and indexed by version, all at once.
-- KEYS[1] plan (hash: epoch, version, plan, revision)   KEYS[2] revisions stream   KEYS[3] lease
-- KEYS[4] revision index (hash: version → stream entry id; `_min`: the oldest version indexed)
-- ARGV[1] expected current version     ARGV[2] new version        ARGV[3] new plan (JSON)
-- ARGV[4] lease token ('' = no lease)  ARGV[5] stream MAXLEN      ARGV[6] the revision (JSON)
-- ARGV[7] the plan's epoch ('' = none) ARGV[8..] revision entry fields
-- Returns {1, entryId} on success, {0, currentVersion, currentEpoch} on a conflict (another
-- version, or the same version of another lineage), {-1, holder} when the lease is someone else's.
-- At version 0 there is no lineage yet: the first revision's epoch starts one.
if ARGV[4] ~= '' then
  local holder = redis.call('GET', KEYS[3])
  if holder ~= ARGV[4] then
    return {-1, holder or ''}
  end
end
local current = redis.call('HGET', KEYS[1], 'version') or '0'
local epoch = redis.call('HGET', KEYS[1], 'epoch') or ''
if current ~= ARGV[1] or (current ~= '0' and epoch ~= ARGV[7]) then
  return {0, current, epoch}
end
redis.call('HSET', KEYS[1], 'version', ARGV[2], 'plan', ARGV[3], 'revision', ARGV[6], 'epoch', ARGV[7])
local id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[5], '*', unpack(ARGV, 8))

-- The index: a new lineage starts an empty one; then drop the entries of the oldest versions
-- whose stream entries the trim removed (at most 1000 a commit, so a commit stays short).
if ARGV[1] == '0' then
  redis.call('DEL', KEYS[4])
end
redis.call('HSET', KEYS[4], ARGV[2], id)
local low = tonumber(redis.call('HGET', KEYS[4], '_min') or ARGV[2])
local newest = tonumber(ARGV[2])
local oldest = redis.call('XRANGE', KEYS[2], '-', '+', 'COUNT', 1)[1]
if oldest then
  local fms, fseq = string.match(oldest[1], '^(%d+)-(%d+)$')
  fms, fseq = tonumber(fms), tonumber(fseq)
  local n = 0
  while low < newest and n < 1000 do
    local field = string.format('%d', low)
    local eid = redis.call('HGET', KEYS[4], field)
    if eid then
      local ms, seq = string.match(eid, '^(%d+)-(%d+)$')
      ms, seq = tonumber(ms), tonumber(seq)
      if ms > fms or (ms == fms and seq >= fseq) then break end
      redis.call('HDEL', KEYS[4], field)
    end
    low = low + 1
    n = n + 1
  end
end
redis.call('HSET', KEYS[4], '_min', string.format('%d', low))
return {1, id}
