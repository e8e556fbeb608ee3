--[[
  The job record, version 1: the one encoder/decoder pair of the scripts (the store's codec.ts
  builds the fields of a new job and reads what scripts return).

    1<fields>|<strings><payload>

  The leading `1` is the version: a record of another version fails with JOBS_BAD_RECORD naming
  it, never mis-parsed. Each field is an upper-case letter and a value of digits and lower-case
  letters; a field absent has its default. String fields give a byte length, and their text
  follows the `|` in the order the fields appear; the payload is the rest.
    N name length (always)   E last error length (JSON text, never decoded)
    I chosen jobId length    U unique key length    G group length
    K retention length (the job's own keep policies, see lib/retention.lua)
    R result length (JSON text, never decoded; completed jobs kept by retention)
    A attempts (default 0)   M maxAttempts (default none)
    P priority (default 0: the field is never written for 0)
    T added at, F failed at, C completed at (epoch ms in base 36)
  A new field is one entry in FIELDS, one line in encode: scripts that only move a job keep
  every field it has.
]]
local STRING_FIELDS = {
  N = 'name', E = 'err', I = 'job_id', U = 'ukey', G = 'group', K = 'keep', R = 'result',
}
local INT_FIELDS = { A = 'att', M = 'max', P = 'pri' }
local TIME_FIELDS = { T = 'added', F = 'failed', C = 'done' }

-- The last value b36 formatted, and its text: a script stamps many records with one `now`.
local b36_last, b36_text

local function b36(n)
  n = math.floor(n)
  if n == b36_last then return b36_text end
  local digits = '0123456789abcdefghijklmnopqrstuvwxyz'
  local s = ''
  local m = n
  if m <= 0 then s = '0' end
  while m > 0 do
    local d = m % 36
    s = string.sub(digits, d + 1, d + 1) .. s
    m = (m - d) / 36
  end
  b36_last, b36_text = n, s
  return s
end

local function bad_record(detail, rec)
  error({ err = 'JOBS_BAD_RECORD ' .. detail .. ': ' .. string.sub(rec or '', 1, 40) })
end

-- The text of length `len` (digits, or '' for a field absent: nil) at `pos` of `rec`, and the
-- position after it.
local function cut(rec, pos, len)
  if len == '' then return nil, pos end
  len = tonumber(len)
  return string.sub(rec, pos, pos + len - 1), pos + len
end

-- A record's fields as a table, or nil and why it cannot be read.
local function try_decode(rec)
  -- Every record the scripts write has its fields in encode's order: one match reads it. The
  -- common shape (no result, completion time or own retention) is tried first: the pattern with
  -- fewer optional parts is the cheaper one, and it runs for every job a take leases.
  local nlen, att, max, pri, added, failed, done, elen, ilen, ulen, glen, klen, rlen, bar
  nlen, att, max, pri, added, failed, elen, ilen, ulen, glen, bar = string.match(rec,
    '^1N(%d+)A?(%d*)M?(%d*)P?(%d*)T([%l%d]+)F?([%l%d]*)E?(%d*)I?(%d*)U?(%d*)G?(%d*)()|')
  done, klen, rlen = '', '', ''
  if not bar then
    nlen, att, max, pri, added, failed, done, elen, ilen, ulen, glen, klen, rlen, bar = string.match(
      rec, '^1N(%d+)A?(%d*)M?(%d*)P?(%d*)T([%l%d]+)F?([%l%d]*)C?([%l%d]*)E?(%d*)I?(%d*)U?(%d*)'
        .. 'G?(%d*)K?(%d*)R?(%d*)()|')
  end
  if bar then
    -- t36 keeps the added time's text, so encode need not format it again.
    local job = { att = tonumber(att) or 0, max = max, added = tonumber(added, 36), t36 = added }
    if pri ~= '' then job.pri = pri end
    if failed ~= '' then job.failed = tonumber(failed, 36) end
    if done ~= '' then job.done = tonumber(done, 36) end
    local pos, err
    job.name, pos = cut(rec, bar + 1, nlen)
    err, pos = cut(rec, pos, elen)
    job.err = err or ''
    job.job_id, pos = cut(rec, pos, ilen)
    job.ukey, pos = cut(rec, pos, ulen)
    job.group, pos = cut(rec, pos, glen)
    job.keep, pos = cut(rec, pos, klen)
    job.result, pos = cut(rec, pos, rlen)
    if pos <= #rec + 1 then
      job.payload = string.sub(rec, pos)
      return job
    end
    return nil, 'malformed job record'
  end
  local version = string.sub(rec, 1, 1)
  if version ~= '1' then
    return nil, 'unknown job record version ' .. string.format('%q', version)
  end
  local bar = string.find(rec, '|', 2, true)
  if not bar then return nil, 'malformed job record' end
  local head = string.sub(rec, 2, bar - 1)
  if not string.find(head, '^%u[%u%l%d]*$') then return nil, 'malformed job record' end
  local job = { att = 0, max = '', err = '', name = '' }
  local pos = bar + 1
  for key, value in string.gmatch(head, '(%u)([%l%d]*)') do
    local name = STRING_FIELDS[key]
    if name then
      local len = tonumber(value)
      if not len then return nil, 'malformed job record' end
      job[name] = string.sub(rec, pos, pos + len - 1)
      pos = pos + len
    elseif INT_FIELDS[key] then
      if not string.find(value, '^%d+$') then return nil, 'malformed job record' end
      job[INT_FIELDS[key]] = key == 'A' and tonumber(value) or value
    elseif TIME_FIELDS[key] then
      job[TIME_FIELDS[key]] = tonumber(value, 36)
      if not job[TIME_FIELDS[key]] then return nil, 'malformed job record' end
    else
      return nil, 'unknown field ' .. key .. ' in job record version 1'
    end
  end
  if pos > #rec + 1 then return nil, 'malformed job record' end
  job.payload = string.sub(rec, pos)
  return job
end

-- The name in a record, read without decoding the rest ('' for a record it cannot read).
local function name_of(rec)
  local nlen, bar = string.match(rec, '^1N(%d+)[^|]*()|')
  if not bar then return '' end
  return string.sub(rec, bar + 1, bar + tonumber(nlen))
end

-- The priority in a record (its text; nil for 0), read without decoding the rest: P follows N,
-- A and M in every record (encode's order, and add's).
local function pri_of(rec)
  return string.match(rec, '^1N%d+A?%d*M?%d*P(%d+)')
end

-- The member of the job `seq` (record `rec`) in `delayed`: only a record with a group is decoded.
local function dkey_of(seq, rec)
  if not string.find(rec, '^1[^|]*G') then return dkey(seq, pri_of(rec)) end
  local job = try_decode(rec)
  return dkey(seq, pri_of(rec), job and job.group)
end

-- Whether a record holds a jobId or a unique key (fields I, U), read without decoding it.
local function has_identity(rec)
  return string.find(rec, '^1[^|]*[IU]') ~= nil
end

-- Same, raising JOBS_BAD_RECORD; callers decode before they write, so a raise changes nothing.
local function decode(rec)
  local job, why = try_decode(rec)
  if not job then bad_record(why, rec) end
  return job
end

local function encode(job)
  local head = { '1N', #job.name }
  local body = { job.name }
  if job.att > 0 then head[#head + 1] = 'A' .. fmt(job.att) end
  if job.max ~= '' then head[#head + 1] = 'M' .. job.max end
  if job.pri then head[#head + 1] = 'P' .. job.pri end
  if job.added then head[#head + 1] = 'T' .. (job.t36 or b36(job.added)) end
  if job.failed then head[#head + 1] = 'F' .. b36(job.failed) end
  if job.done then head[#head + 1] = 'C' .. b36(job.done) end
  if job.err ~= '' then head[#head + 1] = 'E' .. #job.err; body[#body + 1] = job.err end
  if job.job_id then head[#head + 1] = 'I' .. #job.job_id; body[#body + 1] = job.job_id end
  if job.ukey then head[#head + 1] = 'U' .. #job.ukey; body[#body + 1] = job.ukey end
  if job.group then head[#head + 1] = 'G' .. #job.group; body[#body + 1] = job.group end
  if job.keep then head[#head + 1] = 'K' .. #job.keep; body[#body + 1] = job.keep end
  if job.result then head[#head + 1] = 'R' .. #job.result; body[#body + 1] = job.result end
  body[#body + 1] = job.payload
  return table.concat(head) .. '|' .. table.concat(body)
end

-- The record of a job completed at `done` (attempts `att`, result `result` or ''), made from
-- `rec` without decoding it when rec has the common shape (no field after T: no error, jobId,
-- unique key or own retention); nil otherwise, and the caller decodes and encodes. The same
-- record as encode's, for a fraction of its cost on the hot path of kept jobs.
local function completed_record(rec, att, done, result)
  local nlen, max, added, bar = string.match(rec, '^1N(%d+)A?%d*(M?%d*P?%d*)T([%l%d]+)()|')
  if not bar then return nil end
  local head = '1N' .. nlen .. 'A' .. fmt(att) .. max .. 'T' .. added .. 'C' .. b36(done)
  if result == '' then return head .. string.sub(rec, bar) end
  local name_end = bar + tonumber(nlen)
  return head .. 'R' .. #result .. '|' .. string.sub(rec, bar + 1, name_end) .. result
    .. string.sub(rec, name_end + 1)
end

-- The id callers know the job by.
local function ext_id(job, seq)
  return job.job_id or seq
end
