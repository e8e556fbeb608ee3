#!lua flags=allow-oom
--[[
  sweep: recovers up to `limit` jobs whose lease expired: each goes back to the tail of its line
  with its attempts kept and lastError saying the lease expired.
  KEYS[1] meta (hash); the other keys are named from it (see lib/common.lua)
  ARGV[1] limit  ARGV[2] lease-expired error (JSON text)
  ARGV[3] budget of the slow scan of `active` (entries per call, see below)
  ARGV[4], ARGV[5] retention: the policy of completed jobs, then of dead ones ('<count>,<age>',
  each '' for no limit, as settle-many reads it; '' trims nothing), ARGV[6] jobIdHistory (acked
  jobIds remembered)
  Returns { how many jobs it recovered, notes of the records it set aside (lib/quarantine.lua;
  '' for none) }.

  Expired leases are found in `lease-exp`, which scores every leased seq by its expiry:
  ZRANGEBYSCORE up to now, so a call costs O(log n + k) whatever the number of live leases.
  The `active` entry stays the truth (settles fence on it): an index entry whose lease is gone
  is dropped, one scored earlier than its live lease's expiry is moved to that expiry, and an
  entry with no readable lease counts as expired, its attempt counted. A call looks at no more
  than 2 × limit + ARGV[3] index entries, and reads about 8 MB of records at most (the records
  it moves, payloads included): past that the rest stay expired, found again by the next call.
  An expired lease whose record cannot be read is set aside in `quarantine` (its lease ends), so
  it never keeps the others from being found and no job stays active forever.
  A lease with no index entry (a hand edit, or a lease written by an older version of this
  package during an upgrade) is still recovered, slowly: each call first scans about ARGV[3]
  entries of `active` with HSCAN, resuming from the cursor kept in meta `sweep` (a full pass
  takes active leases / ARGV[3] calls), and scores by its expiry every lease it finds missing
  from the index or scored past the expiry of its live lease, and by 0 (expired) one with no
  readable lease that is scored in the future.
  It also forgets up to 1,000 add keys past their keep-until (see lib/adds.lua), so the add keys
  of a queue nobody adds to are forgotten too. And it restores the `:due` marker if it went
  missing while jobs are delayed (say the hash was deleted by hand): reserve reads only the
  marker, and would otherwise never promote them.
]]
-- @include lib/common.lua
-- @include lib/record.lua
-- @include lib/adds.lua
-- @include lib/quarantine.lua
-- @include lib/state.lua
-- @include lib/retention.lua

local limit = tonumber(ARGV[1])
local budget = tonumber(ARGV[3])
local now = now_ms()

-- The slow scan: leases missing from the index, or scored later than their expiry.
local cursor = rcall('HGET', K.meta, 'sweep') or '0'
local started = cursor
local scanned = 0
while budget > 0 do
  local page = rcall('HSCAN', K.active, cursor, 'COUNT', math.min(budget, 1000))
  cursor = page[1]
  local kv = page[2]
  scanned = scanned + #kv / 2
  local seqs, exps = {}, {}
  for i = 1, #kv, 2 do
    if is_lease_field(kv[i]) then
      seqs[#seqs + 1] = kv[i]
      exps[#seqs] = split_lease(kv[i + 1]) or false
    end
  end
  local fix = {}
  for from = 1, #seqs, 1000 do
    local to = math.min(from + 999, #seqs)
    local scores = rcall('ZMSCORE', K.lease_exp, unpack(seqs, from, to))
    for k = from, to do
      local score = scores[k - from + 1] and tonumber(scores[k - from + 1])
      local exp = exps[k]
      -- Missing; a live lease scored past its expiry; no readable lease, scored in the future.
      -- (An expired lease scored in the future was set aside below: it stays so.)
      if not score or (exp and exp > now and score > exp) or (not exp and score > now) then
        fix[#fix + 1] = fmt(exp or 0)
        fix[#fix + 1] = seqs[k]
      end
    end
  end
  call_pairs('ZADD', K.lease_exp, fix)
  if cursor == '0' or scanned >= budget then break end
end
if cursor ~= started then rcall('HSET', K.meta, 'sweep', cursor) end

-- The expired leases, lowest expiry first. Each page is checked against `active`; what is
-- dropped or moved leaves the range, so the next page starts after the expired ones kept.
local MAX_BYTES = 8 * 1024 * 1024
local moved, rewritten, pris, groups, freed = {}, {}, {}, {}, {}
local bytes, looked, offset = 0, 0, 0
local full = false
while not full and #moved < limit and looked < 2 * limit + budget do
  local want = math.min(limit - #moved, 100)
  local page = rcall('ZRANGEBYSCORE', K.lease_exp, '-inf', fmt(now), 'LIMIT', offset, want)
  if #page == 0 then break end
  looked = looked + #page
  local values = rcall('HMGET', K.active, unpack(page))
  local expired, atts, stale, early = {}, {}, {}, {}
  for i, seq in ipairs(page) do
    local v = values[i]
    if not v then
      stale[#stale + 1] = seq -- its lease ended without the index knowing (a hand edit)
    else
      local exp, _, att = split_lease(v)
      if exp and exp > now then
        -- Renewed without the index knowing (an older version's extend): score its expiry.
        early[#early + 1] = fmt(exp)
        early[#early + 1] = seq
      else
        -- An entry with no readable lease (a partial write or a hand edit): nobody can hold it,
        -- so it is expired, its attempt counted.
        expired[#expired + 1] = seq
        atts[seq] = att or false
      end
    end
  end
  if #stale > 0 then rcall('ZREM', K.lease_exp, unpack(stale)) end
  if #early > 0 then rcall('ZADD', K.lease_exp, unpack(early)) end
  -- Read the records (payloads included) 10 at a time, up to about MAX_BYTES.
  local from = 1
  while not full and from <= #expired do
    local to = math.min(from + 9, #expired)
    local recs = read_records({ unpack(expired, from, to) })
    for k = from, to do
      local seq = expired[k]
      local rec = recs[seq]
      local job, why
      if rec then job, why = try_decode(rec) end
      if job then
        bytes = bytes + #rec
        job.att, job.err = atts[seq] or job.att + 1, ARGV[2]
        rewritten[seq] = encode(job)
        moved[#moved + 1] = seq
        pris[seq] = job.pri
        if job.group then
          groups[seq] = job.group
          freed[job.group] = (freed[job.group] or 0) + 1
        end
        emit('stalled', ext_id(job, seq), job.name, job.att)
        offset = offset + 1 -- stays in the range until the writes below
      elseif not rec then
        -- A lease whose record is gone names no job.
        rcall('HDEL', K.active, seq)
        rcall('HDEL', K.progress, seq)
        rcall('ZREM', K.lease_exp, seq)
      else
        -- A record that cannot be read: set it aside (lib/quarantine.lua) so the lease ends.
        quarantine('active', seq, rec, why)
        rcall('HDEL', K.active, seq)
        rcall('HDEL', K.progress, seq)
        rcall('ZREM', K.lease_exp, seq)
      end
      if bytes >= MAX_BYTES then
        full = true
        break
      end
    end
    from = to + 1
  end
end
if #moved > 0 then
  call_chunked('HDEL', K.active, moved)
  call_chunked('ZREM', K.lease_exp, moved)
  -- The progress of an attempt ends with it.
  call_chunked('HDEL', K.progress, moved)
  write_records(rewritten)
  -- Their groups' slots free first, so the groups held at their concurrency rejoin the
  -- rotation before their jobs come back.
  if next(freed) and groups_lib().free_slots(freed) then wake_one() end
  push_ready('RPUSH', moved, pris, groups)
end
if rcall('HEXISTS', K.active, ':due') == 0 then
  local head = rcall('ZRANGE', K.delayed, 0, 0, 'WITHSCORES')
  if head[2] then
    rcall('HSET', K.active, ':due', fmt(tonumber(head[2])))
    wake_one()
  end
end
forget_old_adds(now, 1000)
-- Retention: finished jobs age out even when nothing new finishes.
local TRIM_BUDGET = 1000
local history = tonumber(ARGV[6])
local count, age = split_policy(ARGV[4])
if count or age then trim_done(count, age, now, history, TRIM_BUDGET) end
count, age = split_policy(ARGV[5])
if count or age then trim_dead(count, age, now, history, TRIM_BUDGET) end
flush_events()
return { #moved, table.concat(set_aside, '\n') }
