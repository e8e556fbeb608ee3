#!lua flags=no-writes
--[[
  stats: counts jobs per state, all read in one atomic call. A delayed job that is due counts
  as ready: the next reserve promotes it.
  KEYS[1] meta (hash); the other keys are named from it (see lib/common.lua)
  Returns { ready, delayed, active, dead, completed (kept by retention) }.
]]
-- @include lib/common.lua

local due = rcall('ZCOUNT', K.delayed, '-inf', fmt(now_ms()))
-- `active` also holds the `:due` and `:paused` fields and the pin (lib/common.lua), which are
-- not jobs.
local active = rcall('HLEN', K.active) - rcall('HEXISTS', K.active, ':due')
  - rcall('HEXISTS', K.active, ':paused') - rcall('HEXISTS', K.active, PIN)
return {
  ready_count() + due,
  rcall('ZCARD', K.delayed) - due,
  active,
  rcall('ZCARD', K.dead_order),
  rcall('LLEN', K.done),
}
