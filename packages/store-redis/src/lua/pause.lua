#!lua flags=allow-oom
--[[
  pause: pauses the queue (`:paused` in `active`, beside `:due`: the reserve and settle scripts
  read it in the call they already make). From then on they lease nothing, and wake no idle
  worker (wake_one in lib/common.lua); resume promotes what fell due and wakes one.
  KEYS[1] meta (hash); the other keys are named from it (see lib/common.lua)
  ARGV[1] '1' pause, '0' resume
  Returns 1.
]]
-- @include lib/common.lua
-- @include lib/record.lua
-- @include lib/quarantine.lua
-- @include lib/take.lua

if ARGV[1] == '1' then
  rcall('HSET', K.active, ':paused', '1')
  -- A wake-up left for an idle worker would only make it look in vain.
  rcall('DEL', K.wake)
  return 1
end
rcall('HDEL', K.active, ':paused')
-- What fell due while paused is ready now; an idle worker takes it and wakes the next.
promote_now(now_ms())
if has_ready() then wake_one() end
return 1
