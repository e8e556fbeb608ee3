#!lua flags=allow-oom
--[[
  limits: sets or removes one of the queue's limits (lib/limits.lua).
  KEYS[1] meta (hash); the other keys are named from it (see lib/common.lua)
  ARGV[1] 'rate', 'conc' or 'group'
  ARGV[2] the value ('<max>,<duration>' for rate, '<max>' for conc, '<concurrency>,<max>,
  <duration>' for group, each part '' for none), '' to remove it
  Removing the rate limit forgets the starts it counted (a group's starts expire with the window
  they were counted in). A limit set, raised or removed may let a job start now: the groups held
  out of the rotation at their concurrency go back to it (those still at it leave again at their
  turn), and an idle worker is woken when jobs are ready.
  Returns 1.
]]
-- @include lib/common.lua

local FIELDS = { rate = ':rate', conc = ':conc', group = ':glimits' }
local field = FIELDS[ARGV[1]]
if ARGV[2] == '' then
  rcall('HDEL', K.active, field)
  if field == ':rate' then
    rcall('DEL', K.starts)
    rcall('HDEL', K.meta, 'started')
  end
else
  rcall('HSET', K.active, field, ARGV[2])
end
if field == ':glimits' then
  for _, g in ipairs(rcall('SMEMBERS', K.held)) do groups_lib().unhold(g) end
end
if has_ready() then wake_one() end
return 1
