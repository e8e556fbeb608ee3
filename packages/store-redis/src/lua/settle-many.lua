#!lua flags=allow-oom
--[[
  settle-many: ack, retry, fail and release of one or more leases, made by separate calls and
  sent together. Entries run in order, each fenced by its own token as if it were alone: a stale
  entry changes nothing and leases nothing, and an entry sees what the earlier ones did (the
  same id twice: the second finds the lease gone). Then one promote + take leases the next jobs
  the successful entries asked for, handed out in entry order.
  KEYS[1] meta (hash); the other keys are named from it (see lib/common.lua)
  ARGV[1] token base (unique per call; '' when no entry asks for next jobs)
  ARGV[2] jobIdHistory (acked jobIds remembered)
  ARGV[3..] one entry per settle: op, id, token, next limit (0: none), lease ms of the next jobs,
            then by op: 'a' ack, 'l' release: nothing; 'c' ack: result (for its completed event);
            'b' release and lease nothing for a while (lib/limits.lua's :block): ms;
            'r' retry: delay ms, error; 'f' fail: error;
            'k' ack and keep (lib/retention.lua): result ('' none), policy;
            'g' fail and keep: error, then 'n' (delete the job) or the policy to trim to
            (a policy is '<count>,<age>', each '' for no limit)
            (errors and results are JSON text, stored as is)
  Returns { now, nextDue or '' (only meaningful when some entry leased), notes of the records
            the next jobs' take set aside (lib/quarantine.lua; '' for none), one integer per entry:
            -1 stale token, -2 unreadable record (both: nothing changed), else how many jobs the
            entry leased, then one string per leased job (see lib/take.lua), the jobs of each
            entry after those of the entries before it }.
  Every entry that succeeds ends its lease: its `active` entry and its `lease-exp` score go.
  Moves per op: ack deletes the lease and the record (a job with a jobId or unique key also
  updates those indexes); ack and keep rewrites the record with the result and completion time
  and appends it to `done`, then trims `done` to the policy; retry puts the job in `delayed`, due `delay` ms from now, attempts
  kept, error as lastError; fail moves it to `dead-order`, the record holding the final error
  and failedAt; release pushes it to the head of `ready`, attempts down by one (the record as
  it was before the lease, so it is not rewritten).
]]
-- @include lib/common.lua
-- @include lib/record.lua
-- @include lib/state.lua
-- @include lib/quarantine.lua
-- @include lib/take.lua
-- @include lib/retention.lua
-- @include lib/limits.lua

local STALE, CORRUPT = -1, -2
-- The most kept jobs one entry's policy trims in this call (the rest go in later calls).
local TRIM_BUDGET = 100
local now = now_ms()
local history = tonumber(ARGV[2])

-- Read the entries.
local ops, seqs, tokens, limits, leases, delays, errors = {}, {}, {}, {}, {}, {}, {}
-- The ids as the callers gave them (a seq, or a chosen jobId): events name jobs by them.
local given_ids = {}
local results, policies, drops = {}, {}, {}
local n, i, argc = 0, 3, #ARGV
while i <= argc do
  n = n + 1
  local op = ARGV[i]
  ops[n], seqs[n], tokens[n] = op, seq_of(ARGV[i + 1]) or ':none', ARGV[i + 2]
  given_ids[n] = ARGV[i + 1]
  limits[n], leases[n] = tonumber(ARGV[i + 3]), ARGV[i + 4]
  if op == 'r' then
    delays[n], errors[n] = tonumber(ARGV[i + 5]), ARGV[i + 6]
    i = i + 7
  elseif op == 'f' then
    errors[n] = ARGV[i + 5]
    i = i + 6
  elseif op == 'k' then
    results[n], policies[n] = ARGV[i + 5], ARGV[i + 6]
    i = i + 7
  elseif op == 'c' then
    results[n] = ARGV[i + 5]
    i = i + 6
  elseif op == 'g' then
    errors[n], drops[n], policies[n] = ARGV[i + 5], ARGV[i + 6] == 'n', ARGV[i + 6]
    i = i + 7
  elseif op == 'b' then
    delays[n] = tonumber(ARGV[i + 5])
    i = i + 6
  else
    i = i + 5
  end
end

-- One read serves the fencing checks, the promotion check (`:due`), the pause (`:paused`) and
-- the limits (lib/limits.lua).
local fields = {}
for k = 1, n do fields[k] = seqs[k] end
fields[n + 1] = ':due'
fields[n + 2] = ':paused'
for k, f in ipairs(LIMIT_FIELDS) do fields[n + 2 + k] = f end
local total = n + 2 + #LIMIT_FIELDS
local current, marker, paused = {}, false, false
local limits_read = {}
for from = 1, total, 1000 do
  local last = math.min(from + 999, total)
  local v = rcall('HMGET', K.active, unpack(fields, from, last))
  for k = from, last do
    if k == n + 1 then
      marker = v[k - from + 1]
    elseif k == n + 2 then
      paused = v[k - from + 1]
    elseif k > n + 2 then
      limits_read[k - n - 2] = v[k - from + 1]
    else
      current[fields[k]] = v[k - from + 1]
    end
  end
end
local lim = limits_of(limits_read, 1)
local rate, conc, block = lim.rate, lim.conc, lim.block

-- The records the live entries need: retry and fail rewrite theirs, a flagged ack cleans up.
local live, needed, flags = {}, {}, {}
for k = 1, n do
  local att, _, flagged = live_lease(current[seqs[k]], tokens[k], now)
  if att then
    live[k] = att
    flags[k] = flagged
    -- With events on, every settle reads its record: its event names the job. A release reads
    -- it for the job's priority (its line).
    if EVENTS_MAX > 0 or (ops[k] ~= 'c' and (ops[k] ~= 'a' or flagged)) then
      needed[#needed + 1] = seqs[k]
    end
  end
end
local recs = read_records(needed)

-- Settle in order. Writes are collected and made after the loop, so a raise changes nothing
-- (events, in entry order, are written when the script ends: see `emit`).
local out = { fmt(now), '', '' }
local gone, released, retried, dead, rewritten, acked, finished = {}, {}, {}, {}, {}, {}, {}
local released_pris, released_groups = {}, {}
-- The groups whose slots the settled leases free: group → how many.
local freed = {}
-- Whether a release moved `:block` on (written after the loop, with the other writes).
local blocked = false
local kept, trims_done, trims_dead, flagged_gone = {}, {}, {}, {}
local min_due
local want = 0
for k = 1, n do
  local seq = seqs[k]
  local att = live[k]
  local status = STALE
  if att and current[seq] then
    local op = ops[k]
    local job
    local rec = recs[seq]
    -- An ack or release needs the decoded job only to clean up (a flagged lease); its event
    -- needs just the name. A kept job of the common shape is rewritten without it.
    local patched = op == 'k' and rec and completed_record(rec, att, now, results[k])
    local rewrites = op ~= 'l' and op ~= 'b' and op ~= 'a' and op ~= 'c' and not patched
    if rec and (rewrites or flags[k]) then job = try_decode(rec) end
    if rewrites and not job then
      status = CORRUPT
    elseif (op == 'a' or op == 'c') and flags[k] and rec and not job then
      status = CORRUPT
    else
      status = 0
      -- Later entries for this id find the lease gone, as they would after a separate call.
      current[seq] = false
      gone[#gone + 1] = seq
      if flags[k] then flagged_gone[#flagged_gone + 1] = seq end
      local id = given_ids[k]
      if job and job.group then freed[job.group] = (freed[job.group] or 0) + 1 end
      local name = job and job.name or (EVENTS_MAX > 0 and rec and name_of(rec)) or ''
      if op == 'a' or op == 'c' then
        acked[#acked + 1] = seq
        if job then finished[#finished + 1] = { job, seq, 'a' } end
        if op == 'c' and results[k] ~= '' then
          emit('completed', id, name, att, 'r', results[k])
        else
          emit('completed', id, name, att)
        end
      elseif op == 'r' then
        local due = now + delays[k]
        if EVENTS_MAX > 0 then emit('retrying', id, name, att, 'e', errors[k], 'd', fmt(due)) end
        job.att, job.err = att, errors[k]
        rewritten[seq] = encode(job)
        retried[#retried + 1] = fmt(due)
        retried[#retried + 1] = dkey(seq, job.pri, job.group)
        if not min_due or due < min_due then min_due = due end
      elseif op == 'k' then
        if patched then
          rewritten[seq] = patched
        else
          job.att, job.done = att, now
          if results[k] ~= '' then job.result = results[k] end
          rewritten[seq] = encode(job)
          finished[#finished + 1] = { job, seq, 'f' }
        end
        kept[#kept + 1] = seq
        trims_done[policies[k]] = true
        if results[k] ~= '' then
          emit('completed', id, name, att, 'r', results[k])
        else
          emit('completed', id, name, att)
        end
      elseif (op == 'f' or op == 'g') and drops[k] then
        -- Dies and is deleted at once, as after an ack.
        acked[#acked + 1] = seq
        finished[#finished + 1] = { job, seq, 'a' }
        emit('failed', id, name, att, 'e', errors[k])
      elseif op == 'f' or op == 'g' then
        emit('failed', id, name, att, 'e', errors[k])
        job.att, job.err, job.failed = att, errors[k], now
        rewritten[seq] = encode(job)
        dead[#dead + 1] = seq
        finished[#finished + 1] = { job, seq, 'f' }
        if op == 'g' then trims_dead[policies[k]] = true end
      else
        if op == 'b' then
          local until_ = now + delays[k]
          if not block or tonumber(block) < until_ then
            block = fmt(until_)
            blocked = true
          end
        end
        released[#released + 1] = seq
        released_pris[seq] = rec and pri_of(rec) or nil
        released_groups[seq] = job and job.group
        emit('waiting', id, name, att - 1)
      end
      want = want + limits[k]
    end
  end
  out[3 + k] = status
end

if #gone > 0 then
  call_chunked('HDEL', K.active, gone)
  call_chunked('ZREM', K.lease_exp, gone)
end
-- The progress of the attempts that reported one ends with them.
if #flagged_gone > 0 then call_chunked('HDEL', K.progress, flagged_gone) end
if #acked > 0 then delete_records(acked) end
write_records(rewritten)
for _, f in ipairs(finished) do
  if f[3] == 'a' then forget_done(f[1], f[2], now, history) else release_hold(f[1], f[2], false) end
end
-- In entry order, so the last released job ends up at the head of its line, as with separate
-- calls.
push_ready('LPUSH', released, released_pris, released_groups)
-- A group held at its concurrency whose slot frees rejoins the rotation.
if next(freed) and groups_lib().free_slots(freed) then wake_one() end
if min_due then
  call_pairs('ZADD', K.delayed, retried)
  if not marker or min_due < tonumber(marker) then
    marker = fmt(min_due)
    rcall('HSET', K.active, ':due', marker)
    -- Idle workers sleep until the due time they know of; this one is earlier.
    wake_one()
  end
end
if #dead > 0 then
  -- A sequence, not the time, orders the dead letter: two deaths in one millisecond keep order.
  local first = rcall('HINCRBY', K.meta, 'dseq', #dead) - #dead
  local order = {}
  for k = 1, #dead do
    order[2 * k - 1] = fmt(first + k)
    order[2 * k] = dead[k]
  end
  call_pairs('ZADD', K.dead_order, order)
end
if #kept > 0 then call_chunked('RPUSH', K.done, kept) end
for p in pairs(trims_done) do
  local count, age = split_policy(p)
  trim_done(count, age, now, history, TRIM_BUDGET)
end
for p in pairs(trims_dead) do
  local count, age = split_policy(p)
  trim_dead(count, age, now, history, TRIM_BUDGET)
end


if blocked then rcall('HSET', K.active, ':block', block) end
-- With a global concurrency, a freed slot wakes an idle worker for the jobs waiting on it.
if conc and #gone > 0 and has_ready() then wake_one() end

-- A paused queue (pause.lua) leases nothing, and no more than its limits allow.
if want > 0 and not paused then
  marker = promote(now, marker)
  local allowed, reopen = allowance(rate, conc, block, now)
  -- The next jobs go to the successful entries in order, each with its own lease duration.
  local expiries, asked = {}, {}
  for k = 1, n do
    if out[3 + k] == 0 and limits[k] > 0 then
      local expiry = fmt(now + tonumber(leases[k]))
      for _ = 1, limits[k] do expiries[#expiries + 1] = expiry end
      asked[#asked + 1] = k
    end
  end
  local left, group_reopen = take(math.min(want, allowed), expiries, ARGV[1], now, out, lim)
  out[2] = next_due(marker, reopen, group_reopen)
  note_starts(rate, now, left)
  for _, k in ipairs(asked) do
    local got = math.min(limits[k], left)
    out[3 + k] = got
    left = left - got
  end
  out[3] = table.concat(set_aside, '\n')
end
flush_events()
return out
