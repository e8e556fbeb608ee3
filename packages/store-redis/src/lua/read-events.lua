#!lua flags=no-writes
--[[
  readEvents: the stream entries holding the next `limit` job events after a cursor, oldest
  first, and whether the stream's cap dropped events after that cursor before they were read.
  A cursor is an event's number (see `emit` in lib/common.lua): the entry whose id is the first
  past `<cursor>-0` holds the next event, and may hold some before it too (the reader skips
  those). A cursor past the newest event (the events were lost with the data, say) reads from the
  oldest kept, and reports missed.
  KEYS[1] meta (hash); the other keys are named from it (see lib/common.lua)
  ARGV[1] cursor: an event number ('' from the oldest event kept)  ARGV[2] limit
  Returns { missed (1 or 0), the XRANGE entries: { id, { field, value, ... } } each }.
]]
-- @include lib/common.lua

-- How many events an entry holds (its `c` field).
local function count_of(entry)
  return tonumber(entry[2][4]) or 0
end

-- The number of an entry's last event (its id's first part).
local function last_of(entry)
  return tonumber(string.match(entry[1], '^(%d+)')) or 0
end

local limit = tonumber(ARGV[2])
local after = tonumber(ARGV[1])
local oldest = rcall('XRANGE', K.events, '-', '+', 'COUNT', 1)[1]
if not oldest then return { 0, {} } end
local missed = 0
if after then
  local newest = tonumber(rcall('HGET', K.meta, 'evseq')) or 0
  if after > newest then
    missed, after = 1, nil
  elseif after < last_of(oldest) - count_of(oldest) then
    missed = 1
  end
end

local out, need = {}, limit
local start = after and ('(' .. fmt(after) .. '-0') or '-'
while need > 0 do
  -- An entry holds at least one event: never more entries than events still needed.
  local entries = rcall('XRANGE', K.events, start, '+', 'COUNT', math.min(need, 50))
  for _, entry in ipairs(entries) do
    out[#out + 1] = entry
    local wanted = count_of(entry)
    -- The first entry may hold events at or before the cursor.
    if after then wanted = math.min(wanted, last_of(entry) - after) end
    need = need - wanted
    start = '(' .. entry[1]
  end
  if #entries == 0 then break end
end
return { missed, out }
