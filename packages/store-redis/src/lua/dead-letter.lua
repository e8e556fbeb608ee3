#!lua flags=no-writes
--[[
  deadLetter: lists dead jobs, oldest death first.
  KEYS[1] meta (hash); the other keys are named from it (see lib/common.lua)
  ARGV[1] offset  ARGV[2] limit (-1: all)
  Returns 7 strings per dead job: id, failedAt, attempts, maxAttempts, name, error, payload.
]]
-- @include lib/common.lua
-- @include lib/record.lua

local offset = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local stop = -1
if limit >= 0 then stop = offset + limit - 1 end
local out = {}
if limit == 0 then return out end
local seqs = rcall('ZRANGE', K.dead_order, offset, stop)
for i = 1, #seqs, 1000 do
  local slice = { unpack(seqs, i, math.min(i + 999, #seqs)) }
  local recs = read_records(slice)
  for _, seq in ipairs(slice) do
    local rec = recs[seq]
    if rec then
      local job = decode(rec)
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
return out
