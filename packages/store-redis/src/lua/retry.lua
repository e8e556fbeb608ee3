--[[
  retry: a leased job goes back to `delayed`, due `delay` ms from now, keeping its attempts and
  recording `error` as its lastError; then optionally leases the next jobs.
  KEYS[1] ready (list)  KEYS[2] delayed (zset)  KEYS[3] active (hash)
  ARGV[1] id  ARGV[2] token  ARGV[3] next limit (0: none; a stale settle leases nothing)  ARGV[4] lease ms  ARGV[5] token base
  ARGV[6] wake channel  ARGV[7] delay ms  ARGV[8] error (JSON text, stored as is)
  Returns { 1 if the lease was live else 0, now, nextDue or '', 7 strings per leased job }.
]]
-- @include lib/common.lua
-- @include lib/take.lua

local now = now_ms()
local v = rcall('HMGET', KEYS[3], ARGV[1], ':due')
local marker = v[2]
local ok = 0
local rec = live_lease(v[1], ARGV[2], now)
if rec then
  local id, att, max, name, _, payload = parse(rec)
  local due = now + tonumber(ARGV[7])
  rcall('HDEL', KEYS[3], ARGV[1])
  rcall('ZADD', KEYS[2], fmt(due), record(id, att, max, name, ARGV[8], payload))
  if not marker or due < tonumber(marker) then
    marker = fmt(due)
    rcall('HSET', KEYS[3], ':due', marker)
    -- Idle workers sleep until the due time they know of; this one is earlier.
    rcall('PUBLISH', ARGV[6], '1')
  end
  ok = 1
end
local out = { ok, fmt(now), marker or '' }
local limit = tonumber(ARGV[3])
if ok == 1 and limit > 0 then
  marker = promote(KEYS[1], KEYS[2], KEYS[3], now, marker, ARGV[6])
  out[3] = marker or ''
  take(KEYS[1], KEYS[3], now, limit, tonumber(ARGV[4]), ARGV[5], out)
end
return out
