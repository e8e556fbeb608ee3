--[[
  Retention: completed jobs kept with their results, and the trimming of kept completed and dead
  jobs to a policy. Spliced after lib/common.lua, lib/record.lua and lib/state.lua.

  `done` lists the seqs of the completed jobs kept, in completion order (a kept job's record
  holds its completion time, field C, and its result, R; that field also says it is completed).
  A list entry costs a few bytes where a sorted set's costs a hundred. A policy is a count and an
  age (ms), each nil for no limit: keep at most `count` of the newest, and none finished more
  than `age` ms ago. A trim removes at most `budget` jobs, the oldest first; what is left past
  the policy goes in later calls.
]]

-- A count or age argument: nil for '' (no limit).
local function limit_arg(v)
  if v == '' then return nil end
  return tonumber(v)
end

-- A policy as settles send it, '<count>,<age>': count, age (nil for no limit).
local function split_policy(p)
  local count, age = string.match(p, '^(%d*),(%d*)$')
  return limit_arg(count or ''), limit_arg(age or '')
end

-- Deletes finished jobs (seqs of `seqs`, their records read): record, jobId and hold, as after
-- an ack (the jobId is remembered, `history` newest).
local function forget_finished(seqs, now, history)
  if #seqs == 0 then return end
  local recs = read_records(seqs)
  for _, seq in ipairs(seqs) do
    -- Only a job with a jobId or a unique key has more to forget than its record.
    local rec = recs[seq]
    local job = rec and has_identity(rec) and try_decode(rec)
    if job then forget_done(job, seq, now, history) end
  end
  delete_records(seqs)
end

-- The seqs past a policy among finished jobs in end order (completion or death): `length` of
-- them, `range(from, to)` reads ranks from..to (0-based, inclusive), `finished_at(job)` a job's
-- end time from its record. At most `budget`, the oldest first.
local function oldest_past(length, count, age, now, budget, range, finished_at)
  local seqs = {}
  if count then
    local excess = length - count
    if excess > 0 then seqs = range(0, math.min(excess, budget) - 1) end
  end
  if age and #seqs < budget then
    -- In end order: read from the oldest on past the ones count took, and stop at the first that
    -- finished within `age`.
    local page = range(#seqs, budget - 1)
    local recs = read_records(page)
    for _, seq in ipairs(page) do
      local job = recs[seq] and try_decode(recs[seq])
      local at = job and finished_at(job)
      if at and at >= now - age then break end
      seqs[#seqs + 1] = seq
    end
  end
  return seqs
end

-- Trims `done` to a policy; returns how many it removed.
local function trim_done(count, age, now, history, budget)
  local seqs = oldest_past(rcall('LLEN', K.done), count, age, now, budget,
    function(from, to) return rcall('LRANGE', K.done, from, to) end,
    function(job) return job.done end)
  if #seqs == 0 then return 0 end
  forget_finished(seqs, now, history)
  rcall('LTRIM', K.done, #seqs, -1)
  return #seqs
end

-- Trims the dead letter to a policy (`dead-order` is the death order, which is time order);
-- returns how many it removed.
local function trim_dead(count, age, now, history, budget)
  local seqs = oldest_past(rcall('ZCARD', K.dead_order), count, age, now, budget,
    function(from, to) return rcall('ZRANGE', K.dead_order, from, to) end,
    function(job) return job.failed end)
  if #seqs == 0 then return 0 end
  forget_finished(seqs, now, history)
  call_chunked('ZREM', K.dead_order, seqs)
  return #seqs
end
