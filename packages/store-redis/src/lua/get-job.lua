#!lua flags=no-writes
--[[
  getJob: the job with this id, whatever its state; a delayed job that is due is reported
  ready. Read-only: it promotes nothing.
  KEYS[1] meta (hash); the other keys are named from it (see lib/common.lua)
  ARGV[1] id
  Returns the 18 strings of lib/describe.lua, or an empty array when there is no such job.
]]
-- @include lib/common.lua
-- @include lib/record.lua
-- @include lib/describe.lua

local out = {}
local seq = seq_of(ARGV[1])
if not seq then return out end
local rec = rcall('HGET', bucket(seq), seq)
if not rec then return out end
local job = decode(rec)
local lease = rcall('HGET', K.active, seq)
if lease then
  describe(out, seq, job, 'active', nil, lease, rcall('HGET', K.progress, seq) or nil)
else
  local due = rcall('ZSCORE', K.delayed, dkey(seq, job.pri, job.group))
  if due and tonumber(due) > now_ms() then
    describe(out, seq, job, 'delayed', fmt(tonumber(due)))
  elseif due then
    describe(out, seq, job, 'ready')
  elseif rcall('ZSCORE', K.dead_order, seq) then
    describe(out, seq, job, 'dead')
  elseif job.done then
    describe(out, seq, job, 'completed')
  else
    describe(out, seq, job, 'ready')
  end
end
return out
