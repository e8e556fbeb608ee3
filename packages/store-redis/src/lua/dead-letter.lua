#!lua flags=allow-oom
--[[
  deadLetter: lists dead jobs, oldest death first.
  KEYS[1] meta (hash); the other keys are named from it (see lib/common.lua)
  ARGV[1] offset  ARGV[2] limit (-1: all)
  Returns { notes, entries read, then 7 strings per dead job: id, failedAt, attempts,
  maxAttempts, name, error, payload }. A record that cannot be read is set aside
  (lib/quarantine.lua) and leaves the dead letter, as does a seq whose record is gone, so the
  jobs returned are the first of what remains from `offset`; notes has one line per record set
  aside ('' for none).
]]
-- @include lib/common.lua
-- @include lib/record.lua
-- @include lib/quarantine.lua

local offset = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local stop = -1
if limit >= 0 then stop = offset + limit - 1 end
local notes = {}
local out = { '', 0 }
if limit == 0 then return out end
local seqs = rcall('ZRANGE', K.dead_order, offset, stop)
for i = 1, #seqs, 1000 do
  local slice = { unpack(seqs, i, math.min(i + 999, #seqs)) }
  local recs = read_records(slice)
  for _, seq in ipairs(slice) do
    local rec = recs[seq]
    local job, why
    if rec then job, why = try_decode(rec) end
    if not rec then
      -- A seq whose record is gone (deleted by hand) names no job: it leaves the order.
      rcall('ZREM', K.dead_order, seq)
    elseif not job then
      quarantine('dead', seq, rec, why, notes)
      rcall('ZREM', K.dead_order, seq)
    else
      out[#out + 1] = ext_id(job, seq)
      out[#out + 1] = fmt(job.failed or 0)
      out[#out + 1] = fmt(job.att)
      out[#out + 1] = job.max
      out[#out + 1] = job.name
      out[#out + 1] = job.err
      out[#out + 1] = job.payload
    end
  end
end
out[1] = table.concat(notes, '\n')
out[2] = #seqs
return out
