--[[
  extend: renews leases; each live one now expires `lease ms` from now.
  KEYS[1] active (hash)
  ARGV[1] lease ms  ARGV[2..] two per lease: id, token
  Returns one integer per lease in input order: 1 renewed, 0 stale (expired, settled or re-leased).
]]
-- @include lib/common.lua

local now = now_ms()
local expiry = fmt(now + tonumber(ARGV[1]))
local out, fields = {}, {}
local n = (#ARGV - 1) / 2
for i = 1, n, 500 do
  local ids = {}
  local last = math.min(i + 499, n)
  for j = i, last do ids[#ids + 1] = ARGV[2 * j] end
  local values = rcall('HMGET', KEYS[1], unpack(ids))
  for j = i, last do
    local token = ARGV[2 * j + 1]
    local rec = live_lease(values[j - i + 1], token, now)
    if rec then
      fields[#fields + 1] = ARGV[2 * j]
      fields[#fields + 1] = expiry .. ',' .. token .. ';' .. rec
      out[j] = 1
    else
      out[j] = 0
    end
  end
end
-- An id listed twice is renewed once; both entries report 1 (the lease is live).
call_pairs('HSET', KEYS[1], fields)
return out
