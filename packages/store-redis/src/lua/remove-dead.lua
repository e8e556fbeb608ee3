#!lua flags=allow-oom
--[[
  removeDead: deletes dead jobs for good, with their jobIds and unique keys.
  KEYS[1] meta (hash); the other keys are named from it (see lib/common.lua)
  ARGV[1] mode: 'ids' or 'oldest'  ARGV[2..] with 'ids': the ids (unknown ones are ignored);
  with 'oldest': how many to remove
  Returns how many jobs were removed.
]]
-- @include lib/common.lua
-- @include lib/record.lua
-- @include lib/state.lua

local seqs = {}
if ARGV[1] == 'oldest' then
  seqs = rcall('ZRANGE', K.dead_order, 0, tonumber(ARGV[2]) - 1)
else
  local seen = {}
  for i = 2, #ARGV do
    local seq = seq_of(ARGV[i])
    if seq and not seen[seq] and rcall('ZSCORE', K.dead_order, seq) then
      seen[seq] = true
      seqs[#seqs + 1] = seq
    end
  end
end
local recs = read_records(seqs)
for _, seq in ipairs(seqs) do
  local rec = recs[seq]
  local job = rec and try_decode(rec)
  if job then
    emit('removed', ext_id(job, seq), job.name, job.att)
    forget_removed(job, seq)
  elseif rec then
    rcall('HDEL', bucket(seq), seq)
  end
end
if #seqs > 0 then call_chunked('ZREM', K.dead_order, seqs) end
flush_events()
return #seqs
