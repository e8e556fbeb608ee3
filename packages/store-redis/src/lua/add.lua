#!lua
--[[
  add: persists jobs atomically and gives them consecutive seqs.
  KEYS[1] meta (hash); the other keys are named from it (see lib/common.lua)
  ARGV[1] add key: '<keep until>.<random>' (see lib/adds.lua), unique per call
  ARGV[2] not after: base 36 epoch ms (server time) past which the call is refused, so a copy
  that arrives after its client gave up can never apply
  ARGV[3] 'p' when no job has a jobId, a unique key, a priority, a group or its own retention;
  'q' when some have a priority but none any of the others; 'g' when some have a group or their
  own retention but none a jobId or a unique key; else 'x'
  ARGV[4..] three per job: due spec ('' ready now, '+<ms>' delay, '@<epoch ms>' run at, then
            with a unique key '!<ttl ms or empty>,<states: letters r d a>,<k keep | r replace>'),
            the record's fields without T (see lib/record.lua: 'N<len>' and any of M, P, I, U, G,
            K), their strings (name, then any jobId, unique key, group and retention) followed by
            the payload
  Raises JOBS_IDS_EXHAUSTED, changing nothing, when the seqs would pass 2^53 - 1.
  Returns the first seq (a decimal string) when the mode is 'p', 'q' or 'g': the jobs got first .. first +
  n - 1 in input order. With 'x', { first, one outcome per job }: '' created (its id is its
  jobId or its seq), 'j<id>' a job with this jobId exists, 'u<id>' the job <id> holds the
  unique key, 'r<id>' it does and took this job's payload, maxAttempts and due time. Jobs run
  in order: a job sees the ones before it in the call.
  A call resent with the same add key (its reply was lost) changes nothing and returns the
  reply of the first execution. A call that arrives after its not-after changes nothing and
  returns 'late' (it certainly never applied: its key would still be kept), or 'gone' once its
  key would have been forgotten (then an earlier copy may have applied).
]]
-- @include lib/common.lua
-- @include lib/record.lua
-- @include lib/state.lua
-- @include lib/adds.lua

local n = (#ARGV - 3) / 3
local plain = ARGV[3] == 'p' or ARGV[3] == 'q' or ARGV[3] == 'g'
local with_priorities = ARGV[3] == 'q' or ARGV[3] == 'g'
-- Groups and retention are fields after T (the add time): the time goes before them.
local with_groups = ARGV[3] == 'g'
local now = now_ms()

-- The reply of the first execution of this call, if it ran: its first seq, and with jobIds or
-- unique keys the outcome of each job.
local function first_reply()
  local score = rcall('ZSCORE', K.adds, ARGV[1])
  if not score then return nil end
  score = fmt(tonumber(score))
  local outcomes = rcall('HGET', K.add_outcomes, ARGV[1])
  if not outcomes then return score end
  local reply = cjson.decode(outcomes)
  table.insert(reply, 1, score)
  return reply
end

if now > tonumber(ARGV[2], 36) then
  local reply = first_reply()
  if reply then return reply end
  if now <= add_key_kept_until(ARGV[1]) then return 'late' end
  return 'gone'
end
-- Seqs stay exact integers (Lua numbers are doubles): past 2^53 - 1 two jobs could share one.
local MAX_SEQ = 9007199254740991
local current = tonumber(rcall('HGET', K.meta, 'id') or '0')
if current + n > MAX_SEQ then
  -- (A resent call still gets its first execution's reply.)
  local reply = first_reply()
  if reply then return reply end
  error({ err = 'JOBS_IDS_EXHAUSTED last seq ' .. fmt(current) .. ', ' .. n .. ' more asked' })
end
local last = rcall('HINCRBY', K.meta, 'id', n)
local first = last - n + 1
if rcall('ZADD', K.adds, 'NX', fmt(first), ARGV[1]) == 0 then return first_reply() end
forget_old_adds(now, 8)

local stamp = 'T' .. b36(now)

-- When a job is due: nil for now, else epoch ms.
local function due_of(spec)
  if spec == '' then return nil end
  local kind, value = string.sub(spec, 1, 1), tonumber(string.sub(spec, 2))
  local due = value
  if kind == '+' then due = now + value end
  if due <= now then return nil end
  return due
end

local min_due
local function note_due(due)
  if not min_due or due < min_due then min_due = due end
end

local function publish_due()
  if not min_due then return end
  local marker = rcall('HGET', K.active, ':due')
  if not marker or min_due < tonumber(marker) then
    rcall('HSET', K.active, ':due', fmt(min_due))
    wake_one()
  end
end

if plain then
  local ready, delayed, fields, pris, groups = {}, {}, {}, {}, {}
  local b
  for i = 1, n do
    local seq = fmt(first + i - 1)
    local at = 4 + 3 * (i - 1)
    local due = due_of(ARGV[at])
    local nb = bucket(seq)
    if nb ~= b then
      if b then call_pairs('HSET', b, fields) end
      b, fields = nb, {}
    end
    local head, strings = ARGV[at + 1], ARGV[at + 2]
    fields[#fields + 1] = seq
    local group
    if with_groups then
      local cut = string.find(head, '[GK]') or #head + 1
      fields[#fields + 1] = '1' .. string.sub(head, 1, cut - 1) .. stamp .. string.sub(head, cut)
        .. '|' .. strings
      local glen = string.match(head, 'G(%d+)')
      if glen then
        local nlen = tonumber(string.match(head, '^N(%d+)'))
        group = string.sub(strings, nlen + 1, nlen + tonumber(glen))
      end
    else
      fields[#fields + 1] = '1' .. head .. stamp .. '|' .. strings
    end
    if EVENTS_MAX > 0 then
      emit('added', seq, string.sub(strings, 1, tonumber(string.match(head, '^N(%d+)'))), 0)
    end
    local pri = with_priorities and string.match(head, 'P(%d+)') or nil
    if due then
      delayed[#delayed + 1] = fmt(due)
      delayed[#delayed + 1] = dkey(seq, pri, group)
      note_due(due)
    else
      ready[#ready + 1] = seq
      if pri then pris[seq] = pri end
      if group then groups[seq] = group end
    end
  end
  call_pairs('HSET', b, fields)
  -- Wakes idle workers only when a line was empty: otherwise none of them is waiting for it.
  push_ready('RPUSH', ready, pris, groups)
  if min_due then call_pairs('ZADD', K.delayed, delayed) end
  publish_due()
  flush_events()
  return fmt(first)
end

-- Decode every job before writing anything: a bad one raises with nothing changed.
local jobs = {}
for i = 1, n do
  local at = 4 + 3 * (i - 1)
  local spec = ARGV[at]
  local bang = string.find(spec, '!', 1, true)
  -- The add time goes before the jobId, unique key, group and retention fields: encode's order.
  local head = ARGV[at + 1]
  local cut = string.find(head, '[IUGK]') or #head + 1
  local rec = '1' .. string.sub(head, 1, cut - 1) .. stamp .. string.sub(head, cut) .. '|' .. ARGV[at + 2]
  local job = decode(rec)
  job.rec = rec
  if bang then
    local ttl, states, on = string.match(string.sub(spec, bang + 1), '^(%d*),(%l*),([kr])$')
    if not on or not job.ukey then bad_record('malformed unique spec', spec) end
    job.ttl, job.states, job.replace = tonumber(ttl), states, on == 'r'
    spec = string.sub(spec, 1, bang - 1)
  end
  job.due = due_of(spec)
  jobs[i] = job
end

-- The jobs this call creates are written at the end: one HSET per bucket, one RPUSH, one ZADD.
-- Until then `pending[seq]` holds each one (its fields, record, due time), and later jobs of the
-- call look there first (`new_ids`, `new_holds`). `tail` lists in call order the seqs that join
-- the tail of `ready` (new jobs, and holders a replace made ready); an entry counts only while it
-- is its seq's latest placement (`placed[seq]`).
local pending, new_ids, new_holds = {}, {}, {}
local tail, placed, tail_pris, tail_groups = {}, {}, {}, {}
local function to_tail(seq, pri, group)
  tail[#tail + 1] = seq
  placed[seq] = #tail
  tail_pris[seq] = pri
  tail_groups[seq] = group
end

-- The job holding `key` now: one of this call (its hold, claimed by a new job, is within any
-- ttl, so it applies when it names no states or the job's state), else the stored hold.
local function holder(key)
  local seq = new_holds[key]
  if not seq then return holder_of(key, now) end
  local p = pending[seq]
  local letter = p.due and 'd' or 'r'
  if p.job.states == '' or string.find(p.job.states, letter, 1, true) then
    return seq, p.job.job_id or seq
  end
  return nil
end

-- A replace: the holder takes this job's payload, maxAttempts, due time (nil: ready), priority
-- and group; a ready holder that stays ready in the same line keeps its place in it. Returns
-- whether it was replaced.
local function replace(seq, job)
  local p = pending[seq]
  if p then
    local moved = p.due or p.job.pri ~= job.pri or p.job.group ~= job.group
    p.job.payload, p.job.max, p.job.pri, p.rec = job.payload, job.max, job.pri, nil
    p.job.group = job.group
    if moved and not job.due then to_tail(seq, job.pri, job.group) end
    if job.due then placed[seq] = nil; note_due(job.due) end
    p.due = job.due
    return true
  end
  local rec = rcall('HGET', bucket(seq), seq)
  -- A ttl-only hold outlives its job: then there is nothing to replace.
  local state = rec and state_of(seq, rec)
  if state ~= 'ready' and state ~= 'delayed' then return false end
  local held = decode(rec)
  local was, was_group = held.pri, held.group
  held.payload, held.max, held.pri, held.group = job.payload, job.max, job.pri, job.group
  rcall('HSET', bucket(seq), seq, encode(held))
  if state == 'ready' and not job.due and was == job.pri and was_group == job.group then
    return true
  end
  if state == 'ready' then
    remove_from_line(seq, was, was_group)
    placed[seq] = nil -- made ready earlier in this call, not yet pushed
  else
    rcall('ZREM', K.delayed, dkey(seq, was, was_group))
  end
  if job.due then
    rcall('ZADD', K.delayed, fmt(job.due), dkey(seq, job.pri, job.group))
    note_due(job.due)
  else
    to_tail(seq, job.pri, job.group)
  end
  return true
end

local outcomes = {}
local any_unique = false
for _, job in ipairs(jobs) do if job.ukey then any_unique = true end end
if any_unique then forget_expired_holds(now) end
for i, job in ipairs(jobs) do
  local seq = fmt(first + i - 1)
  local outcome = ''
  local id = job.job_id
  if id and (new_ids[id] or rcall('HEXISTS', K.ids, id) == 1 or rcall('ZSCORE', K.done_ids, id)) then
    outcome = 'j' .. id
  elseif job.ukey then
    local held, held_id = holder(job.ukey)
    if held then
      outcome = 'u' .. held_id
      if job.replace and replace(held, job) then outcome = 'r' .. held_id end
    end
  end
  if outcome == '' then
    emit('added', id or seq, job.name, 0)
    pending[seq] = { job = job, rec = job.rec, due = job.due }
    if id then new_ids[id] = seq end
    if job.ukey then new_holds[job.ukey] = seq end
    if job.due then note_due(job.due) else to_tail(seq, job.pri, job.group) end
  end
  outcomes[i] = outcome
end

local records, delayed, ready, ids, holds = {}, {}, {}, {}, {}
for seq, p in pairs(pending) do
  records[seq] = p.rec or encode(p.job)
  if p.due then
    delayed[#delayed + 1] = fmt(p.due)
    delayed[#delayed + 1] = dkey(seq, p.job.pri, p.job.group)
  end
end
write_records(records)
for id, seq in pairs(new_ids) do
  ids[#ids + 1] = id
  ids[#ids + 1] = seq
end
call_pairs('HSET', K.ids, ids)
for key, seq in pairs(new_holds) do
  local job = pending[seq].job
  claim(key, seq, job.job_id, now, job.ttl, job.states)
end
local pris, groups = {}, {}
for k, seq in ipairs(tail) do
  if placed[seq] == k then
    ready[#ready + 1] = seq
    pris[seq] = tail_pris[seq]
    groups[seq] = tail_groups[seq]
  end
end
push_ready('RPUSH', ready, pris, groups)
call_pairs('ZADD', K.delayed, delayed)
publish_due()
rcall('HSET', K.add_outcomes, ARGV[1], cjson.encode(outcomes))
table.insert(outcomes, 1, fmt(first))
flush_events()
return outcomes
