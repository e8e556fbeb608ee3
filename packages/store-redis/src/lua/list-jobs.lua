#!lua flags=allow-oom
--[[
  listJobs: one page of the jobs in one state, after promoting due delayed jobs. O(page) for
  ready (plus the offset: a list is walked from its nearer end, and the lines of priorities and
  of groups before the page), delayed and dead; O(active jobs) for active, whose seqs are
  sorted to give a stable order.
  KEYS[1] meta (hash); the other keys are named from it (see lib/common.lua)
  ARGV[1] state  ARGV[2] offset  ARGV[3] limit
  Returns { total, 18 strings per job (see lib/describe.lua) }.
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
  -- Line by line, in the order they run: the jobs without a group (`ready`, then the lines by
  -- priority), then group by group (lib/common.lua), in the order the groups got jobs ready.
  -- Walks only the lines up to the page's end: O(lines before it).
  total = ready_count()
  seqs = {}
  local skip = offset
  -- Pages through the lines of `ns`; returns whether the page still has room.
  local function walk(ns)
    local keys = { ns.ready }
    for _, p in ipairs(rcall('ZRANGE', ns.prios, 0, -1)) do keys[#keys + 1] = ns.lines .. p end
    for _, key in ipairs(keys) do
      local want = limit - #seqs
      if want <= 0 then return false end
      local len = rcall('LLEN', key)
      if skip >= len then
        skip = skip - len
      else
        for _, seq in ipairs(rcall('LRANGE', key, skip, skip + want - 1)) do
          seqs[#seqs + 1] = seq
        end
        skip = 0
      end
    end
    return #seqs < limit
  end
  local from = 0
  local room = limit > 0 and walk(UNGROUPED)
  while room do
    local groups = rcall('ZRANGE', K.groups, from, from + 99)
    for _, g in ipairs(groups) do
      room = walk(groups_lib().ns(g))
      if not room then break end
    end
    if #groups < 100 then break end
    from = from + 100
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
