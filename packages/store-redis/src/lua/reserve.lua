--[[
  reserve: promote due delayed jobs (bounded), then pop and lease up to `limit` ready jobs.
  KEYS[1] ready (list)  KEYS[2] delayed (zset)  KEYS[3] active (hash)
  ARGV[1] limit  ARGV[2] lease ms  ARGV[3] token base (unique per call)  ARGV[4] wake channel
  Returns { now, nextDue or '', 3 strings per leased job (see lib/take.lua) }.
]]
-- @include lib/common.lua
-- @include lib/take.lua

local now = now_ms()
local marker = promote(KEYS[1], KEYS[2], KEYS[3], now, rcall('HGET', KEYS[3], ':due'), ARGV[4])
local out = { fmt(now), marker or '' }
take(KEYS[1], KEYS[3], tonumber(ARGV[1]), fmt(now + tonumber(ARGV[2])), ARGV[3], out)
return out
