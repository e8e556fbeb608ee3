--[[
  ack: a leased job completes and leaves the store; then optionally leases the next jobs.
  KEYS[1] ready (list)  KEYS[2] delayed (zset)  KEYS[3] active (hash)
  ARGV[1] id  ARGV[2] token  ARGV[3] next limit (0: none; a stale settle leases nothing)  ARGV[4] lease ms  ARGV[5] token base
  ARGV[6] wake channel
  Returns { 1 if the lease was live else 0, now, nextDue or '', 7 strings per leased job }.
]]
-- @include lib/common.lua
-- @include lib/take.lua

local now = now_ms()
-- One read serves both the fencing check and the promotion check.
local v = rcall('HMGET', KEYS[3], ARGV[1], ':due')
local ok = 0
if live_lease(v[1], ARGV[2], now) then
  rcall('HDEL', KEYS[3], ARGV[1])
  ok = 1
end
local out = { ok, fmt(now), '' }
local limit = tonumber(ARGV[3])
if ok == 1 and limit > 0 then
  local marker = promote(KEYS[1], KEYS[2], KEYS[3], now, v[2], ARGV[6])
  out[3] = marker or ''
  take(KEYS[1], KEYS[3], now, limit, tonumber(ARGV[4]), ARGV[5], out)
end
return out
