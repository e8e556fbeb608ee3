#!lua flags=allow-oom
--[[
  progress: records the progress of a leased job, fenced by its token like a settle.
  KEYS[1] meta (hash); the other keys are named from it (see lib/common.lua)
  ARGV[1] id  ARGV[2] token  ARGV[3] progress (JSON text, stored as is)
  Returns 1 when written, 0 when the lease is not current (nothing written).
  The value goes to `progress` (seq → value) for the running attempt; its lease is flagged
  (`,x`), so the settle or sweep that ends the attempt deletes it: a job that never reports
  progress costs nothing for it.
]]
-- @include lib/common.lua
-- @include lib/record.lua

local now = now_ms()
local seq = seq_of(ARGV[1])
if not seq then return 0 end
local lease = rcall('HGET', K.active, seq)
local att, at, flagged = live_lease(lease, ARGV[2], now)
if not att then return 0 end
if not flagged then
  local exp = split_lease(lease)
  rcall('HSET', K.active, seq, lease_value(fmt(exp), ARGV[2], att, at, true))
end
rcall('HSET', K.progress, seq, ARGV[3])
if EVENTS_MAX > 0 then
  local rec = rcall('HGET', bucket(seq), seq)
  local job = rec and try_decode(rec)
  emit('progress', ARGV[1], job and job.name or '', att, 'p', ARGV[3])
end
flush_events()
return 1
