#!lua flags=allow-oom
--[[
  limits: sets or removes one of the queue's limits (lib/limits.lua).
  KEYS[1] meta (hash); the other keys are named from it (see lib/common.lua)
  ARGV[1] 'rate' or 'conc'
  ARGV[2] the value ('<max>,<duration>' for rate, '<max>' for conc), '' to remove it
  Removing the rate limit forgets the starts it counted. A limit set, raised or removed may let
  a job start now: an idle worker is woken when jobs are ready.
  Returns 1.
]]
-- @include lib/common.lua

local field = ARGV[1] == 'rate' and ':rate' or ':conc'
if ARGV[2] == '' then
  rcall('HDEL', K.active, field)
  if field == ':rate' then
    rcall('DEL', K.starts)
    rcall('HDEL', K.meta, 'started')
  end
else
  rcall('HSET', K.active, field, ARGV[2])
end
if has_ready() then wake_one() end
return 1
