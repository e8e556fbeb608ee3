#!lua flags=allow-oom
--[[
  reserve: promote due delayed jobs (bounded), then pop and lease up to `limit` ready jobs.
  KEYS[1] meta (hash); the other keys are named from it (see lib/common.lua)
  ARGV[1] limit  ARGV[2] lease ms  ARGV[3] token base (unique per call)  ARGV[4] wake channel
  Returns { now, nextDue or '', 3 strings per leased job (see lib/take.lua) }.
]]
-- @include lib/common.lua
-- @include lib/record.lua
-- @include lib/take.lua

local now = now_ms()
local marker = promote_now(now, ARGV[4])
local out = { fmt(now), marker or '' }
take(tonumber(ARGV[1]), fmt(now + tonumber(ARGV[2])), ARGV[3], now, out)
return out
