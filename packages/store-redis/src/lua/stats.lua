--[[
  stats: counts jobs per state, all read in one atomic call. A delayed job that is due counts
  as ready: the next reserve promotes it.
  KEYS[1] ready (list)  KEYS[2] delayed (zset)  KEYS[3] active (hash)  KEYS[4] dead-order (zset)
  Returns { ready, delayed, active, dead }.
]]
-- @include lib/common.lua

local due = rcall('ZCOUNT', KEYS[2], '-inf', fmt(now_ms()))
-- `active` also holds the `:due` field, which is not a job.
local active = rcall('HLEN', KEYS[3]) - rcall('HEXISTS', KEYS[3], ':due')
return {
  rcall('LLEN', KEYS[1]) + due,
  rcall('ZCARD', KEYS[2]) - due,
  active,
  rcall('ZCARD', KEYS[4]),
}
