#!lua flags=allow-oom
--[[
  extend: renews leases; each live one now expires `lease ms` from now (its `active` entry and
  its score in `lease-exp`).
  KEYS[1] meta (hash); the other keys are named from it (see lib/common.lua)
  ARGV[1] lease ms  ARGV[2..] two per lease: id, token
  Returns one integer per lease in input order: 1 renewed, 0 stale (expired, settled or re-leased).
]]
-- @include lib/common.lua

local now = now_ms()
local expiry = fmt(now + tonumber(ARGV[1]))
local out, fields, scores = {}, {}, {}
local n = (#ARGV - 1) / 2
for i = 1, n, 500 do
  local seqs = {}
  local last = math.min(i + 499, n)
  for j = i, last do seqs[#seqs + 1] = seq_of(ARGV[2 * j]) or ':none' end
  local values = rcall('HMGET', K.active, unpack(seqs))
  for j = i, last do
    local token = ARGV[2 * j + 1]
    local att, at, flagged = live_lease(values[j - i + 1], token, now)
    if att then
      fields[#fields + 1] = seqs[j - i + 1]
      fields[#fields + 1] = lease_value(expiry, token, att, at, flagged)
      scores[#scores + 1] = expiry
      scores[#scores + 1] = seqs[j - i + 1]
      out[j] = 1
    else
      out[j] = 0
    end
  end
end
-- An id listed twice is renewed once; both entries report 1 (the lease is live).
write_leases(fields, scores)
return out
