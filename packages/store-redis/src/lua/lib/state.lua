--[[
  Where a job is, and the indexes of jobs added with a jobId or a unique key: spliced after
  lib/common.lua and lib/record.lua into the scripts that look jobs up or finish them.

  `ids` maps a chosen jobId to its seq while the job exists; `done-ids` keeps the jobIds of
  acked jobs, scored by completion time and trimmed to the newest `jobIdHistory`, so adding one
  again reports it. `uniq` maps a unique key to its hold `<seq>,<heldUntil>,<states>,<jobId>`
  (heldUntil epoch ms or empty; states letters r, d, a or empty: held in any state while the
  ttl lasts, even after the job finished; jobId empty when the job has none); `uniq-exp` scores keys of holds with a ttl by heldUntil, to forget them.
]]

-- The state of the unfinished job `seq` whose record `rec` exists: 'active', 'delayed', 'dead'
-- or 'ready' (a completed job kept by retention holds no key that asks).
local function state_of(seq, rec)
  if rcall('HEXISTS', K.active, seq) == 1 then return 'active' end
  if rcall('ZSCORE', K.delayed, dkey_of(seq, rec)) then return 'delayed' end
  if rcall('ZSCORE', K.dead_order, seq) then return 'dead' end
  return 'ready'
end

local STATE_LETTER = { ready = 'r', delayed = 'd', active = 'a' }

-- A hold's seq, heldUntil (nil: no ttl), states and the holder's id.
local function split_hold(v)
  local seq, until_, states, job_id = string.match(v, '^(%d+),(%d*),(%l*),(.*)$')
  if not seq then return nil end
  if job_id == '' then job_id = seq end
  return seq, tonumber(until_), states, job_id
end

-- The seq and id of the job holding unique key `key` now (within its ttl, in one of its
-- states), or nil.
local function holder_of(key, now)
  local v = rcall('HGET', K.uniq, key)
  if not v then return nil end
  local seq, until_, states, id = split_hold(v)
  if not seq then return nil end
  if until_ and now >= until_ then return nil end
  if states == '' then return seq, id end
  local rec = rcall('HGET', bucket(seq), seq)
  if not rec then return nil end
  local letter = STATE_LETTER[state_of(seq, rec)]
  if letter and string.find(states, letter, 1, true) then return seq, id end
  return nil
end

-- Claims `key` for `seq` (chosen id `job_id` or nil): `ttl` ms (or nil), `states` letters ('' for
-- none).
local function claim(key, seq, job_id, now, ttl, states)
  local until_ = ''
  if ttl then
    until_ = fmt(now + ttl)
    rcall('ZADD', K.uniq_exp, until_, key)
  end
  rcall('HSET', K.uniq, key, seq .. ',' .. until_ .. ',' .. states .. ',' .. (job_id or ''))
end

-- Drops up to 100 holds whose ttl ended.
local function forget_expired_holds(now)
  local keys = rcall('ZRANGEBYSCORE', K.uniq_exp, '-inf', fmt(now), 'LIMIT', 0, 100)
  for _, key in ipairs(keys) do
    local v = rcall('HGET', K.uniq, key)
    if v then
      local _, until_ = split_hold(v)
      if until_ and until_ <= now then rcall('HDEL', K.uniq, key) end
    end
  end
  if #keys > 0 then rcall('ZREM', K.uniq_exp, unpack(keys)) end
end

-- The job `seq` (record `job`) left its hold's scope: a hold scoped by states can never apply
-- again, so it goes; a ttl-only hold stays until its ttl ends. `always` (a removal) drops it.
local function release_hold(job, seq, always)
  if not job.ukey then return end
  local v = rcall('HGET', K.uniq, job.ukey)
  if not v then return end
  local holder, _, states = split_hold(v)
  if holder == seq and (always or states ~= '') then rcall('HDEL', K.uniq, job.ukey) end
end

-- The job `seq` is acked: its record goes, its jobId is remembered (`history` newest ones).
local function forget_done(job, seq, now, history)
  if job.job_id then
    rcall('HDEL', K.ids, job.job_id)
    if history > 0 then
      rcall('ZADD', K.done_ids, fmt(now), job.job_id)
      rcall('ZREMRANGEBYRANK', K.done_ids, 0, -history - 1)
    end
  end
  release_hold(job, seq, false)
end

-- The job `seq` is removed for good: record, jobId and hold go.
local function forget_removed(job, seq)
  rcall('HDEL', bucket(seq), seq)
  if job.job_id then rcall('HDEL', K.ids, job.job_id) end
  release_hold(job, seq, true)
end
