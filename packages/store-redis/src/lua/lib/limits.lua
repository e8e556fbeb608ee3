--[[
  The queue's limits on starts, spliced after lib/common.lua into the scripts that lease (and
  the ones that set the limits). They live in `active`, read in the HMGET that reads `:due` and
  `:paused` (LIMIT_FIELDS), so a queue without them pays nothing:
    :rate  '<max>,<duration>': at most max jobs leased in any duration ms (a sliding window)
    :conc  '<max>': at most max leases in `active` at once
    :block '<epoch ms>': nothing is leased before then (a release's limitFor)
    :glimits '<concurrency>,<max>,<duration>': every group's limits, each '' for none (the group
      rate's starts are in each group's `:t`, see lib/common.lua)
  and, for the groups' rotation (lib/common.lua), `:grouped` and `:u-rot`.
  The starts of the window are the list `starts`, oldest first, one entry '<ms>,<count>' per
  call that leased, and their sum is `started` in `meta`; an entry leaves the window duration ms
  after its time.
]]

-- The fields of `active` a leasing script reads, in this order, beside its own.
local LIMIT_FIELDS = { ':rate', ':conc', ':block', ':grouped', ':u-rot', ':glimits' }

-- The limits among the fields of LIMIT_FIELDS as read (`values`, from index `from`), by name,
-- false when absent; the rotation's go to `rotation` (lib/common.lua).
local function limits_of(values, from)
  rotation.grouped, rotation.urot = values[from + 3], values[from + 4]
  return { rate = values[from], conc = values[from + 1], block = values[from + 2],
    glimits = values[from + 5] }
end

-- How many leases `active` holds (its fields less the pin and the `:` fields).
local function active_count()
  local special = rcall('HMGET', K.active, PIN, ':due', ':paused', unpack(LIMIT_FIELDS))
  local n = rcall('HLEN', K.active)
  for i = 1, 3 + #LIMIT_FIELDS do
    if special[i] then n = n - 1 end
  end
  return n
end

-- The starts in the window of `duration` ms ending now, after dropping the ones that left it, and
-- the time of the oldest one kept.
local function starts_in_window(now, duration)
  local started = tonumber(rcall('HGET', K.meta, 'started') or '')
  if not started then
    -- The sum went missing (a hand edit): count the list again.
    started = 0
    for _, e in ipairs(rcall('LRANGE', K.starts, 0, -1)) do
      started = started + (tonumber(string.match(e, ',(%d+)$')) or 0)
    end
  end
  local before = started
  local oldest
  while true do
    local head = rcall('LINDEX', K.starts, 0)
    if not head then
      started = 0
      break
    end
    local at, count = string.match(head, '^(%d+),(%d+)$')
    at = tonumber(at)
    if at and at > now - duration then
      oldest = at
      break
    end
    rcall('LPOP', K.starts)
    started = started - (tonumber(count) or 0)
  end
  if started < 0 then started = 0 end
  if started ~= before then rcall('HSET', K.meta, 'started', fmt(started)) end
  return started, oldest
end

-- How many jobs the limits (`rate`, `conc`, `block`: the fields as read, false when absent) let
-- start now: a number, or math.huge for no limit; and, when none may until a time passes, that
-- time (epoch ms). A full global concurrency gives no time: a settle frees the slot and wakes.
local function allowance(rate, conc, block, now)
  if block then
    if tonumber(block) > now then return 0, tonumber(block) end
    -- Past: nothing is held back any more, and the field goes.
    rcall('HDEL', K.active, ':block')
  end
  local allowed = math.huge
  if conc then allowed = math.max(0, tonumber(conc) - active_count()) end
  if rate and allowed > 0 then
    local max, duration = string.match(rate, '^(%d+),(%d+)$')
    local started, oldest = starts_in_window(now, tonumber(duration))
    local left = tonumber(max) - started
    if left <= 0 then return 0, oldest + tonumber(duration) end
    allowed = math.min(allowed, left)
  end
  return allowed, nil
end

-- Notes `count` jobs leased now against a rate limit.
local function note_starts(rate, now, count)
  if not rate or count == 0 then return end
  rcall('RPUSH', K.starts, fmt(now) .. ',' .. fmt(count))
  rcall('HINCRBY', K.meta, 'started', count)
end

-- The due time a leasing script returns: the earliest of the next delayed job's (`marker`), the
-- time its limits let the next job start (`reopen`) and the time a group held by its rate may
-- start one (`group_reopen`), '' for none.
local function next_due(marker, reopen, group_reopen)
  if group_reopen and (not reopen or group_reopen < reopen) then reopen = group_reopen end
  if reopen and (not marker or reopen < tonumber(marker)) then return fmt(reopen) end
  return marker or ''
end
