--[[
  Promotes due delayed jobs (a bounded number), then pops and leases up to `limit` ready jobs,
  by priority (lib/common.lua's lines).
  Spliced into reserve, the settle scripts (their optional reserve-next) and the lookups.

  `marker` is the value of the `:due` field of `active`: a lower bound on the earliest due time
  in `delayed` (absent when `delayed` is empty). Reading it instead of `delayed` keeps the hot
  path at one command; it is recomputed whenever a promotion runs.
  promote returns the marker after promotion (false when nothing is delayed).
  take writes each lease to `active` and scores it by its expiry in `lease-exp`; it appends
  one string per leased job to `out`, and returns how many jobs it leased and, when groups held
  back by their rate limit kept it from leasing all it was asked, when the first may start again:
    '<idLen>:<id><token>,<attempts>,<maxAttempts>,<keep>,<groupLen>,<nameLen>,<errLen>:<err>
    <group><name><payload>'
    (a chosen id, the group, the name and err, the JSON of the last error or '', may hold any
    character, so they go length-prefixed, in bytes, groupLen '' for none; token, attempts,
    maxAttempts and keep, the job's own retention or '', hold no comma; the payload is the rest).
  With groups (lib/common.lua), the members of the rotation take turns, one job each.
  One string per job costs the client less to decode than one per field.
]]
local PROMOTE_MAX = 1000

local function promote(now, marker)
  if not marker or tonumber(marker) > now then return marker end
  local due = rcall('ZRANGEBYSCORE', K.delayed, '-inf', fmt(now), 'LIMIT', 0, PROMOTE_MAX)
  if #due > 0 then
    local seqs, pris, groups = {}, {}, {}
    for i = 1, #due do
      local seq, pri, group = split_dkey(due[i])
      seqs[i] = seq
      if pri then pris[seq] = pri end
      if group then groups[seq] = group end
    end
    push_ready('RPUSH', seqs, pris, groups)
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
-- in pop order (settle-many leases for several callers with their own lease durations). `lim`
-- holds the fields of `active` lib/limits.lua reads (nil: the caller leases no group's jobs).
local function take(limit, expiry, token_base, now, out, lim)
  if limit < 1 then return 0 end
  local seqs, groups, reopen
  if lim and rotation.grouped then
    seqs, groups, reopen = groups_lib().take_turns(limit, lim, now)
  else
    seqs = pop_lines(UNGROUPED, limit)
  end
  if #seqs == 0 then return 0, reopen end
  -- An entry that is not a seq, or whose record cannot be read, is set aside (lib/quarantine.lua)
  -- and noted in `set_aside`, so the jobs behind it keep flowing. A seq whose record is gone
  -- (deleted by hand) names no job and is dropped.
  local valid = {}
  for i = 1, #seqs do
    if string.find(seqs[i], '^%d+$') then
      valid[#valid + 1] = seqs[i]
    else
      quarantine('ready', seqs[i], nil, 'not a seq')
      if groups and groups[seqs[i]] then groups_lib().free_slots({ [groups[seqs[i]]] = 1 }) end
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
    local name, payload, att, max, keep, err, id, flagged, group
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
          keep, id, group = job.keep or '', ext_id(job, seq), job.group
          flagged = job.job_id or job.ukey or group
        else
          quarantine('ready', seq, rec, why)
        end
      end
    end
    -- A job popped from a group but not leased gives its slot back.
    if not name and groups and groups[seq] then groups_lib().free_slots({ [groups[seq]] = 1 }) end
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
      if group then
        out[n] = #id .. ':' .. id .. token .. ',' .. att_text .. ',' .. max .. ',' .. keep .. ','
          .. #group .. ',' .. #name .. ',' .. #err .. ':' .. err .. group .. name .. payload
      else
        out[n] = #id .. ':' .. id .. token .. ',' .. att_text .. ',' .. max .. ',' .. keep .. ',,'
          .. #name .. ',' .. #err .. ':' .. err .. name .. payload
      end
    end
  end
  if count > 0 then
    write_leases(fields, scores)
  end
  return count, reopen
end
