#!lua flags=no-writes
--[[
  time: the Redis server's clock, so a client can bound its offset from its own (the deadline an
  `add` carries is in server time).
  KEYS[1] meta (hash); the other keys are named from it (see lib/common.lua)
  Returns the server's epoch ms (an integer).
]]
-- @include lib/common.lua

return now_ms()
