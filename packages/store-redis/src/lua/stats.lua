#!lua flags=no-writes
--[[
  stats: counts jobs per state, all read in one atomic call. A delayed job that is due counts
  as ready: the next reserve promotes it.
  KEYS[1] meta (hash); the other keys are named from it (see lib/common.lua)
  Returns { ready, delayed, active, dead, completed (kept by retention) }.
]]
-- @include lib/common.lua
-- @include lib/limits.lua

local due = rcall('ZCOUNT', K.delayed, '-inf', fmt(now_ms()))
return {
  ready_count() + due,
  rcall('ZCARD', K.delayed) - due,
  -- `active` also holds the pin and fields that are not leases (lib/limits.lua).
  active_count(),
  rcall('ZCARD', K.dead_order),
  rcall('LLEN', K.done),
}
