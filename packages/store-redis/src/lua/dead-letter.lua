--[[
  deadLetter: lists dead jobs, oldest death first.
  KEYS[1] dead (hash)  KEYS[2] dead-order (zset)
  ARGV[1] offset  ARGV[2] limit (-1: all)
  Returns 7 strings per dead job: id, failedAt, attempts, maxAttempts, name, error, payload.
]]
-- @include lib/common.lua

local offset = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local stop = -1
if limit >= 0 then stop = offset + limit - 1 end
local out = {}
if limit == 0 then return out end
local ids = rcall('ZRANGE', KEYS[2], offset, stop)
for i = 1, #ids, 1000 do
  local values = rcall('HMGET', KEYS[1], unpack(ids, i, math.min(i + 999, #ids)))
  for j = 1, #values do
    local v = values[j]
    if v then
      local semi = string.find(v, ';', 1, true)
      local id, att, max, name, err, payload = parse(string.sub(v, semi + 1))
      out[#out + 1] = id
      out[#out + 1] = string.sub(v, 1, semi - 1)
      out[#out + 1] = fmt(att)
      out[#out + 1] = max
      out[#out + 1] = name
      out[#out + 1] = err
      out[#out + 1] = payload
    end
  end
end
return out
