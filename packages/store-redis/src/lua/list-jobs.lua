#!lua flags=allow-oom
--[[
  listJobs: one page of the jobs in one state, after promoting due delayed jobs. O(page) for
  ready (plus the offset: a list is walked from its nearer end, and the lines of priorities),
  delayed and dead; O(active jobs) for active, whose seqs are sorted to give a stable order.
  KEYS[1] meta (hash); the other keys are named from it (see lib/common.lua)
  ARGV[1] state  ARGV[2] offset  ARGV[3] limit
  Returns { total, 17 strings per job (see lib/describe.lua) }.
]]
-- @include lib/common.lua
-- @include lib/record.lua
-- @include lib/quarantine.lua
-- @include lib/take.lua
-- @include lib/describe.lua

local now = now_ms()
promote_now(now)
local state, offset, limit = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local stop = offset + limit - 1
local total, seqs, dues
if state == 'ready' then
  -- Line by line, in the order they run: `ready`, then the lines by priority. One LLEN per line
  -- gives both the total and where the page starts.
  local lines, lens = { K.ready }, {}
  for _, p in ipairs(rcall('ZRANGE', K.prios, 0, -1)) do lines[#lines + 1] = K.lines .. p end
  total = 0
  for i, key in ipairs(lines) do
    lens[i] = rcall('LLEN', key)
    total = total + lens[i]
  end
  seqs = {}
  local skip = offset
  for i, key in ipairs(lines) do
    local want = limit - #seqs
    if want <= 0 then break end
    local len = lens[i]
    if skip >= len then
      skip = skip - len
    else
      for _, seq in ipairs(rcall('LRANGE', key, skip, skip + want - 1)) do seqs[#seqs + 1] = seq end
      skip = 0
    end
  end
elseif state == 'delayed' then
  total = rcall('ZCARD', K.delayed)
  seqs, dues = {}, {}
  if limit > 0 then
    local page = rcall('ZRANGE', K.delayed, offset, stop, 'WITHSCORES')
    for i = 1, #page, 2 do
      seqs[#seqs + 1] = split_dkey(page[i])
      dues[#seqs] = fmt(tonumber(page[i + 1]))
    end
  end
elseif state == 'completed' then
  total = rcall('LLEN', K.done)
  seqs = limit > 0 and rcall('LRANGE', K.done, offset, stop) or {}
elseif state == 'dead' then
  total = rcall('ZCARD', K.dead_order)
  seqs = limit > 0 and rcall('ZRANGE', K.dead_order, offset, stop) or {}
else
  local all = rcall('HKEYS', K.active)
  local sorted = {}
  for _, f in ipairs(all) do
    if is_lease_field(f) then sorted[#sorted + 1] = f end
  end
  total = #sorted
  table.sort(sorted, function(a, b) return #a < #b or (#a == #b and a < b) end)
  seqs = {}
  for i = offset + 1, math.min(offset + limit, #sorted) do seqs[#seqs + 1] = sorted[i] end
end
local out = { total }
local recs = read_records(seqs)
local leases, progress
if state == 'active' and #seqs > 0 then
  leases = rcall('HMGET', K.active, unpack(seqs))
  progress = rcall('HMGET', K.progress, unpack(seqs))
end
for i, seq in ipairs(seqs) do
  local rec = recs[seq]
  if rec then
    describe(out, seq, decode(rec), state, dues and dues[i], leases and leases[i],
      progress and progress[i] or nil)
  end
end
return out
