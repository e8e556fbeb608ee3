--[[
  retryDead: moves dead jobs back to the tail of `ready` with attempts reset to 0, in death
  order; their final error becomes their lastError.
  KEYS[1] ready (list)  KEYS[2] dead (hash)  KEYS[3] dead-order (zset)
  ARGV[1] wake channel  ARGV[2] mode: 'ids' or 'oldest'
  ARGV[3..] with 'ids': the ids (unknown ones are ignored); with 'oldest': how many to move
  Returns how many jobs moved.
]]
-- @include lib/common.lua

local ids
if ARGV[2] == 'oldest' then
  ids = rcall('ZRANGE', KEYS[3], 0, tonumber(ARGV[3]) - 1)
else
  ids = {}
  local seen = {}
  for i = 3, #ARGV do
    if not seen[ARGV[i]] then
      seen[ARGV[i]] = true
      ids[#ids + 1] = ARGV[i]
    end
  end
  -- Death order, so that retrying a selection keeps the order the jobs died in.
  local scored = {}
  for i = 1, #ids do
    local s = rcall('ZSCORE', KEYS[3], ids[i])
    if s then scored[#scored + 1] = { tonumber(s), ids[i] } end
  end
  table.sort(scored, function(a, b) return a[1] < b[1] end)
  ids = {}
  for i = 1, #scored do ids[i] = scored[i][2] end
end
local moved, recs = {}, {}
for i = 1, #ids, 1000 do
  local values = rcall('HMGET', KEYS[2], unpack(ids, i, math.min(i + 999, #ids)))
  for j = 1, #values do
    local v = values[j]
    if v then
      local semi = string.find(v, ';', 1, true)
      local id, _, max, name, err, payload = parse(string.sub(v, semi + 1))
      moved[#moved + 1] = id
      recs[#recs + 1] = record(id, 0, max, name, err, payload)
    end
  end
end
if #moved > 0 then
  call_chunked('HDEL', KEYS[2], moved)
  call_chunked('ZREM', KEYS[3], moved)
  local _, len = call_chunked('RPUSH', KEYS[1], recs)
  if len == #recs then rcall('PUBLISH', ARGV[1], '1') end
end
return #moved
