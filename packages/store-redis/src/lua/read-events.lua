#!lua flags=no-writes
--[[
  readEvents: up to `limit` job events after a cursor, oldest first, and whether the stream's
  cap may have dropped events after that cursor: its own event is gone (the oldest kept is later).
  Conservative: a cursor whose event was the last one dropped reports it too. (Trimming leaves
  XINFO's max-deleted-entry-id alone, so it cannot tell.)
  KEYS[1] meta (hash); the other keys are named from it (see lib/common.lua)
  ARGV[1] cursor: a stream id ('' from the oldest event kept)  ARGV[2] limit
  Returns { missed (1 or 0), the XRANGE entries: { id, { field, value, ... } } each }.
]]
-- @include lib/common.lua

-- Whether stream id `a` sorts before `b` (`<ms>-<seq>`).
local function before(a, b)
  local ams, aseq = string.match(a, '^(%d+)-(%d+)$')
  local bms, bseq = string.match(b, '^(%d+)-(%d+)$')
  if not ams or not bms then return false end
  ams, bms = tonumber(ams), tonumber(bms)
  if ams ~= bms then return ams < bms end
  return tonumber(aseq) < tonumber(bseq)
end

local after, limit = ARGV[1], tonumber(ARGV[2])
if rcall('EXISTS', K.events) == 0 then return { 0, {} } end
local missed = 0
if after ~= '' then
  local oldest = rcall('XRANGE', K.events, '-', '+', 'COUNT', 1)[1]
  if oldest and before(after, oldest[1]) then missed = 1 end
end
local start = after == '' and '-' or ('(' .. after)
return { missed, rcall('XRANGE', K.events, start, '+', 'COUNT', limit) }
