#!lua flags=allow-oom
--[[
  retryDead: moves dead jobs back to the tail of their lines with attempts reset to 0, in death
  order; their final error becomes their lastError.
  KEYS[1] meta (hash); the other keys are named from it (see lib/common.lua)
  ARGV[1] mode: 'ids' or 'oldest'
  ARGV[2..] with 'ids': the ids (unknown ones are ignored); with 'oldest': how many to move
  Returns { how many jobs moved, notes, dead entries read }: a record that cannot be read is
  set aside (lib/quarantine.lua), with one line in notes ('' for none).
]]
-- @include lib/common.lua
-- @include lib/record.lua
-- @include lib/quarantine.lua

local seqs
if ARGV[1] == 'oldest' then
  seqs = rcall('ZRANGE', K.dead_order, 0, tonumber(ARGV[2]) - 1)
else
  -- Death order, so that retrying a selection keeps the order the jobs died in.
  local scored, seen = {}, {}
  for i = 2, #ARGV do
    local seq = seq_of(ARGV[i])
    if seq and not seen[seq] then
      seen[seq] = true
      local s = rcall('ZSCORE', K.dead_order, seq)
      if s then scored[#scored + 1] = { tonumber(s), seq } end
    end
  end
  table.sort(scored, function(a, b) return a[1] < b[1] end)
  seqs = {}
  for i = 1, #scored do seqs[i] = scored[i][2] end
end
local recs = read_records(seqs)
local moved, rewritten, notes, pris, groups = {}, {}, {}, {}, {}
for _, seq in ipairs(seqs) do
  local rec = recs[seq]
  if rec then
    local job, why = try_decode(rec)
    if job then
      job.att, job.failed = 0, nil
      rewritten[seq] = encode(job)
      moved[#moved + 1] = seq
      pris[seq] = job.pri
      groups[seq] = job.group
      emit('waiting', ext_id(job, seq), job.name, 0)
    else
      quarantine('dead', seq, rec, why, notes)
    end
  end
end
-- A seq whose record is gone (deleted by hand) names no job: it leaves the order too.
if #seqs > 0 then call_chunked('ZREM', K.dead_order, seqs) end
if #moved > 0 then
  write_records(rewritten)
  push_ready('RPUSH', moved, pris, groups)
end
flush_events()
return { #moved, table.concat(notes, '\n'), #seqs }
