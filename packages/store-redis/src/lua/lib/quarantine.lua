--[[
  Records that cannot be read (corrupt, or written by something else) are set aside in the
  `quarantine` hash, so the jobs behind them keep flowing: field `<place>:<entry>` (place:
  ready, active or dead; entry: the seq, or the raw entry when it is not one), value the raw
  record ('' when there is none). A script that sets records aside returns one note each, and
  the store reports each as an `error` event (JOBS_BAD_RECORD). Inspect with HGETALL; a fixed
  record can be put back by hand (HSET it in its bucket, RPUSH its seq on `ready`).
]]

-- The notes of the records this call set aside, for scripts that return them with their reply.
local set_aside = {}

-- Sets the entry `entry` of `place` aside with its record `rec` (nil: none), deleting the record
-- from its bucket, and appends a note saying why to `notes` (default: `set_aside`).
local function quarantine(place, entry, rec, why, notes)
  notes = notes or set_aside
  rcall('HSET', K.quarantine, place .. ':' .. entry, rec or '')
  if string.find(entry, '^%d+$') then rcall('HDEL', bucket(entry), entry) end
  notes[#notes + 1] = place .. ' entry ' .. entry .. ': ' .. why
end
