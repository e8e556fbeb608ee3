--[[
  Promotes due delayed jobs (a bounded number), then pops and leases up to `limit` ready jobs,
  by priority (lib/common.lua's lines).
  Spliced into reserve, the settle scripts (their optional reserve-next) and the lookups.

  `marker` is the value of the `:due` field of `active`: a lower bound on the earliest due time
  in `delayed` (absent when `delayed` is empty). Reading it instead of `delayed` keeps the hot
  path at one command; it is recomputed whenever a promotion runs.
  promote returns the marker after promotion (false when nothing is delayed).
  take writes each lease to `active` and scores it by its expiry in `lease-exp`; it appends
  one string per leased job to `out`, and returns how many jobs it leased:
    '<idLen>:<id><token>,<attempts>,<maxAttempts>,<keep>,<nameLen>,<errLen>:<err><name><payload>'
    (a chosen id, the name and err, the JSON of the last error or '', may hold any character, so
    they go length-prefixed, in bytes; token, attempts, maxAttempts and keep, the job's own
    retention or '', hold no comma; the payload is the rest).
  One string per job costs the client less to decode than one per field.
]]
local PROMOTE_MAX = 1000

local function promote(now, marker)
  if not marker or tonumber(marker) > now then return marker end
  local due = rcall('ZRANGEBYSCORE', K.delayed, '-inf', fmt(now), 'LIMIT', 0, PROMOTE_MAX)
  if #due > 0 then
    local seqs, pris = {}, {}
    for i = 1, #due do
      local seq, pri = split_dkey(due[i])
      seqs[i] = seq
      if pri then pris[seq] = pri end
    end
    push_ready('RPUSH', seqs, pris)
    -- The due members are exactly the lowest ranks, so drop them by rank.
    rcall('ZREMRANGEBYRANK', K.delayed, 0, #due - 1)
    -- An idle worker may take what this caller leaves.
    wake_one()
  end
  local head = rcall('ZRANGE', K.delayed, 0, 0, 'WITHSCORES')
  if head[2] then
    marker = fmt(tonumber(head[2]))
    rcall('HSET', K.active, ':due', marker)
  else
    marker = false
    rcall('HDEL', K.active, ':due')
  end
  return marker
end

-- Promotes with the marker as stored (for the scripts that do not read it themselves).
local function promote_now(now)
  return promote(now, rcall('HGET', K.active, ':due'))
end

-- `expiry` is the lease expiry (epoch ms, formatted) of every job, or a table of one per job
-- in pop order (settle-many leases for several callers with their own lease durations).
local function take(limit, expiry, token_base, now, out)
  if limit < 1 then return 0 end
  local seqs = pop_ready(limit)
  if #seqs == 0 then return 0 end
  -- An entry that is not a seq, or whose record cannot be read, is set aside (lib/quarantine.lua)
  -- and noted in `set_aside`, so the jobs behind it keep flowing. A seq whose record is gone
  -- (deleted by hand) names no job and is dropped.
  local valid = {}
  for i = 1, #seqs do
    if string.find(seqs[i], '^%d+$') then
      valid[#valid + 1] = seqs[i]
    else
      quarantine('ready', seqs[i], nil, 'not a seq')
    end
  end
  local recs = read_records(valid)
  local per_job = type(expiry) == 'table'
  local fields, scores = {}, {}
  local n = #out
  local at = fmt(now)
  local count = 0
  for _, seq in ipairs(valid) do
    local rec = recs[seq]
    local name, payload, att, max, keep, err, id, flagged
    if rec then
      -- A job never tried before, with no option beyond its name and a priority (the common
      -- shape), is read without decoding its record.
      local nlen, bar = string.match(rec, '^1N(%d+)P?%d*T[%l%d]+()|')
      if bar then
        local name_end = bar + tonumber(nlen)
        name, payload = string.sub(rec, bar + 1, name_end), string.sub(rec, name_end + 1)
        att, max, keep, err, id, flagged = 1, '', '', '', seq, false
      else
        local job, why = try_decode(rec)
        if job then
          name, payload, att, max, err = job.name, job.payload, job.att + 1, job.max, job.err
          keep, id, flagged = job.keep or '', ext_id(job, seq), job.job_id or job.ukey
        else
          quarantine('ready', seq, rec, why)
        end
      end
    end
    if name then
      count = count + 1
      local token = token_base .. '.' .. count
      local exp = expiry
      if per_job then exp = expiry[count] end
      local att_text = fmt(att)
      fields[2 * count - 1] = seq
      fields[2 * count] = lease_value(exp, token, att_text, at, flagged)
      scores[2 * count - 1] = exp
      scores[2 * count] = seq
      emit('active', id, name, att_text)
      n = n + 1
      out[n] = #id .. ':' .. id .. token .. ',' .. att_text .. ',' .. max .. ',' .. keep .. ','
        .. #name .. ',' .. #err .. ':' .. err .. name .. payload
    end
  end
  if count > 0 then
    write_leases(fields, scores)
  end
  return count
end
