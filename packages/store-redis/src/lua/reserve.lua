#!lua flags=allow-oom
--[[
  reserve: promote due delayed jobs (bounded), then pop and lease up to `limit` ready jobs.
  KEYS[1] meta (hash); the other keys are named from it (see lib/common.lua)
  ARGV[1] limit  ARGV[2] lease ms  ARGV[3] token base (unique per call)
  ARGV[4] '1' when the caller was woken by a wake token (see lib/common.lua), else '0'
  Leases nothing while the queue is paused (see pause.lua), and no more than its limits allow
  (lib/limits.lua: then nextDue is when they let the next job start, if a time does), and
  serves the groups in turn (lib/take.lua).
  Returns { now, nextDue or '', notes of the records set aside (lib/quarantine.lua; '' for none),
  one string per leased job (see lib/take.lua) }.
]]
-- @include lib/common.lua
-- @include lib/record.lua
-- @include lib/quarantine.lua
-- @include lib/take.lua
-- @include lib/limits.lua

local now = now_ms()
local state = rcall('HMGET', K.active, ':due', ':paused', unpack(LIMIT_FIELDS))
local marker = promote(now, state[1])
-- Paused (pause.lua): nothing is leased, and no due time is given: only resume wakes workers.
if state[2] then return { fmt(now), '', '' } end
local asked = tonumber(ARGV[1])
-- The limits (lib/limits.lua) may let fewer start; the caller then waits until `reopen`.
local lim = limits_of(state, 3)
local allowed, reopen = allowance(lim.rate, lim.conc, lim.block, now)
local out = { fmt(now), '', '' }
local taken, group_reopen = take(math.min(asked, allowed), fmt(now + tonumber(ARGV[2])), ARGV[3],
  now, out, lim)
out[2] = next_due(marker, reopen, group_reopen)
note_starts(lim.rate, now, taken)
-- A woken caller that leaves jobs ready (only possible when it took all it asked for) wakes the
-- next idle worker: a chain of one reserve each instead of a herd.
if ARGV[4] == '1' and taken == asked and has_ready() then wake_one() end
out[3] = table.concat(set_aside, '\n')
flush_events()
return out
