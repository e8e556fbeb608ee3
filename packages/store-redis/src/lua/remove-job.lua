#!lua flags=allow-oom
--[[
  removeJob: deletes a ready, delayed, dead or completed (kept) job atomically, with its jobId
  and unique key. Removing a ready or a completed job walks its list (LREM): O(jobs in it; for
  a ready job, in its line).
  KEYS[1] meta (hash); the other keys are named from it (see lib/common.lua)
  ARGV[1] id
  Returns the state it was removed from, '' when there is no such job, or 'active' (then
  nothing changed: an active job is not removed).
]]
-- @include lib/common.lua
-- @include lib/record.lua
-- @include lib/quarantine.lua
-- @include lib/take.lua
-- @include lib/state.lua

promote_now(now_ms())
local seq = seq_of(ARGV[1])
if not seq then return '' end
local rec = rcall('HGET', bucket(seq), seq)
if not rec then return '' end
local job = decode(rec)
if rcall('HEXISTS', K.active, seq) == 1 then return 'active' end
local state = 'ready'
if rcall('ZREM', K.delayed, dkey(seq, job.pri, job.group)) == 1 then
  state = 'delayed'
elseif rcall('ZREM', K.dead_order, seq) == 1 then
  state = 'dead'
elseif job.done then
  rcall('LREM', K.done, 1, seq)
  state = 'completed'
else
  remove_from_line(seq, job.pri, job.group)
end
emit('removed', ext_id(job, seq), job.name, job.att)
forget_removed(job, seq)
flush_events()
return state
