#!lua flags=allow-oom
--[[
  sweep: recovers up to `limit` jobs whose lease expired: each goes back to the tail of `ready`
  with its attempts kept and lastError saying the lease expired.
  KEYS[1] meta (hash); the other keys are named from it (see lib/common.lua)
  ARGV[1] limit  ARGV[2] lease-expired error (JSON text)  ARGV[3] scan budget (entries)
  Returns how many jobs it recovered.

  Leases live in the `active` hash, so settling a job costs one read and one delete; expired
  ones are found by HSCAN. What it moves or drops also leaves `lease-exp`. Each call scans at most ARGV[3] entries and reads about 8 MB of
  records, resuming from the cursor kept in meta `sweep`, so a call never blocks Redis for
  long; a call that finds fewer than `limit` may leave expired leases in the part it did not
  reach, for the next sweep.
  It also forgets up to 1,000 add keys past their keep-until (see lib/adds.lua), so the add keys
  of a queue nobody adds to are forgotten too. And it restores the `:due` marker if it went missing while jobs are delayed (say the hash was
  deleted by hand): reserve reads only the marker, and would otherwise never promote them.
]]
-- @include lib/common.lua
-- @include lib/record.lua
-- @include lib/adds.lua

local limit = tonumber(ARGV[1])
local budget = tonumber(ARGV[3])
local now = now_ms()
local cursor = rcall('HGET', K.meta, 'sweep') or '0'
local started = cursor
local scanned = 0
local expired, atts, seen = {}, {}, {}
local resume
repeat
  local page = rcall('HSCAN', K.active, cursor, 'COUNT', 100)
  local kv = page[2]
  for i = 1, #kv, 2 do
    if #expired >= limit then
      -- Stopped inside this page: the next call scans it again (what moved is gone from it).
      resume = cursor
      break
    end
    local field = kv[i]
    if field ~= ':due' and not seen[field] then
      seen[field] = true -- HSCAN may return a field twice
      local exp, _, att = split_lease(kv[i + 1])
      -- An entry with no readable lease (a partial write or a hand edit): nobody can hold it,
      -- so it is expired, its attempt counted.
      if not exp or exp <= now then
        expired[#expired + 1] = field
        atts[field] = att or false
      end
    end
  end
  cursor = page[1]
  scanned = scanned + #kv / 2
until resume or cursor == '0' or #expired >= limit or scanned >= budget
resume = resume or cursor

-- Read the records (payloads included) 10 at a time, up to about MAX_BYTES: past that the rest
-- stay expired in `active`, and the cursor stays put so the next call finds them again.
local MAX_BYTES = 8 * 1024 * 1024
local moved, rewritten = {}, {}
local bytes = 0
local from = 1
while from <= #expired and bytes < MAX_BYTES do
  local to = math.min(from + 9, #expired)
  local recs = read_records({ unpack(expired, from, to) })
  for k = from, to do
    local seq = expired[k]
    local rec = recs[seq]
    local job = rec and try_decode(rec)
    -- An unreadable record stays where it is (stats counts it active) rather than stop every
    -- sweep from recovering the others; a lease whose record is gone names no job.
    if job then
      bytes = bytes + #rec
      job.att, job.err = atts[seq] or job.att + 1, ARGV[2]
      rewritten[seq] = encode(job)
      moved[#moved + 1] = seq
    elseif not rec then
      rcall('HDEL', K.active, seq)
      rcall('ZREM', K.lease_exp, seq)
    end
    if bytes >= MAX_BYTES then
      if k < #expired then resume = started end
      break
    end
  end
  from = to + 1
end
if resume ~= started then rcall('HSET', K.meta, 'sweep', resume) end
if #moved > 0 then
  call_chunked('HDEL', K.active, moved)
  call_chunked('ZREM', K.lease_exp, moved)
  write_records(rewritten)
  local _, len = call_chunked('RPUSH', K.ready, moved)
  if len == #moved then wake_one() end
end
if rcall('HEXISTS', K.active, ':due') == 0 then
  local head = rcall('ZRANGE', K.delayed, 0, 0, 'WITHSCORES')
  if head[2] then
    rcall('HSET', K.active, ':due', fmt(tonumber(head[2])))
    wake_one()
  end
end
forget_old_adds(now, 1000)
return #moved
