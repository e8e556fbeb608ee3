--[[
  fail: a leased job moves to the dead letter with its final error; then optionally leases the
  next jobs.
  KEYS[1] ready (list)  KEYS[2] delayed (zset)  KEYS[3] active (hash)  KEYS[4] dead (hash)
  KEYS[5] dead-order (zset)  KEYS[6] meta (hash)
  ARGV[1] id  ARGV[2] token  ARGV[3] next limit (0: none; a stale settle leases nothing)  ARGV[4] lease ms  ARGV[5] token base
  ARGV[6] wake channel  ARGV[7] error (JSON text, stored as is)
  Returns { 1 if the lease was live else 0, now, nextDue or '', 7 strings per leased job }.
  Dead value: <failedAt>;<record with err = the final error>.
]]
-- @include lib/common.lua
-- @include lib/take.lua

local now = now_ms()
local v = rcall('HMGET', KEYS[3], ARGV[1], ':due')
local ok = 0
local rec = live_lease(v[1], ARGV[2], now)
if rec then
  local id, att, max, name, _, payload = parse(rec)
  rcall('HDEL', KEYS[3], ARGV[1])
  -- A sequence, not the time, orders the dead letter: two deaths in one millisecond keep order.
  local seq = rcall('HINCRBY', KEYS[6], 'dseq', 1)
  rcall('HSET', KEYS[4], id, fmt(now) .. ';' .. record(id, att, max, name, ARGV[7], payload))
  rcall('ZADD', KEYS[5], fmt(seq), id)
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
