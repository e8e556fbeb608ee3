#!lua flags=allow-oom
--[[
  pause-group: pauses or resumes one group (the `p` of its state, see lib/common.lua). A paused
  group leaves the rotation at its next turn (lib/take.lua), and none of its jobs is leased;
  resume puts it back at the rotation's tail when it has jobs ready, and wakes an idle worker.
  KEYS[1] meta (hash); the other keys are named from it (see lib/common.lua)
  ARGV[1] '1' pause, '0' resume  ARGV[2] the group
  Returns 1.
]]
-- @include lib/common.lua

local lib = groups_lib()
local ns = lib.ns(ARGV[2])
if ARGV[1] == '1' then
  rcall('HSET', ns.state, 'p', '1')
  return 1
end
rcall('HDEL', ns.state, 'p')
if rcall('HGET', ns.state, 'r') == 'p' then
  rcall('HSET', ns.state, 'r', '1')
  lib.join(ARGV[2])
  wake_one()
end
return 1
