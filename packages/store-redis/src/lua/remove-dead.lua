--[[
  removeDead: deletes dead jobs for good.
  KEYS[1] dead (hash)  KEYS[2] dead-order (zset)
  ARGV[1] mode: 'ids' or 'all'  ARGV[2..] with 'ids': the ids (unknown ones are ignored)
  Returns how many jobs were removed.
]]
-- @include lib/common.lua

if ARGV[1] == 'all' then
  local n = rcall('ZCARD', KEYS[2])
  -- UNLINK frees the memory in the background: a large dead letter does not block Redis.
  rcall('UNLINK', KEYS[1], KEYS[2])
  return n
end
local ids = {}
for i = 2, #ARGV do ids[#ids + 1] = ARGV[i] end
local removed = call_chunked('HDEL', KEYS[1], ids)
call_chunked('ZREM', KEYS[2], ids)
return removed
