--[[
  Promotes due delayed jobs (a bounded number), then pops and leases up to `limit` ready jobs.
  Spliced into reserve and the settle scripts (their optional reserve-next) by @include.

  `marker` is the value of the `:due` field of `active`: a lower bound on the earliest due time
  in `delayed` (absent when `delayed` is empty). Reading it instead of `delayed` keeps the hot
  path at one command; it is recomputed whenever a promotion runs.
  promote returns the marker after promotion (false when nothing is delayed).
  take appends 3 strings per leased job to `out`, and returns how many jobs it leased:
    '<id>,<token>,<attempts>,<maxAttempts>,<err>' (none of the first four holds a comma; err, the
    JSON of the last error or '', is the rest), then the name, then the payload.
  Fewer, longer strings cost the client less to decode than one per field.
]]
local PROMOTE_MAX = 1000

local function promote(k_ready, k_delayed, k_active, now, marker, channel)
  if not marker or tonumber(marker) > now then return marker end
  local due = rcall('ZRANGEBYSCORE', k_delayed, '-inf', fmt(now), 'LIMIT', 0, PROMOTE_MAX)
  if #due > 0 then
    call_chunked('RPUSH', k_ready, due)
    -- The due records are exactly the lowest ranks, so drop them by rank.
    rcall('ZREMRANGEBYRANK', k_delayed, 0, #due - 1)
    -- Other idle workers may take what this caller leaves.
    rcall('PUBLISH', channel, '1')
  end
  local head = rcall('ZRANGE', k_delayed, 0, 0, 'WITHSCORES')
  if head[2] then
    marker = fmt(tonumber(head[2]))
    rcall('HSET', k_active, ':due', marker)
  else
    marker = false
    rcall('HDEL', k_active, ':due')
  end
  return marker
end

-- `expiry` is the lease expiry (epoch ms, formatted) of every job, or a table of one per job
-- in pop order (settle-many leases for several callers with their own lease durations).
local function take(k_ready, k_active, limit, expiry, token_base, out)
  if limit < 1 then return 0 end
  local recs = rcall('LPOP', k_ready, limit)
  if not recs then return 0 end
  -- Parse all before writing: a corrupt record goes back where it was, with the rest, so a
  -- failing reserve loses nothing (a script that raises keeps the writes it already made).
  local parsed = {}
  for i = 1, #recs do
    parsed[i] = { try_parse(recs[i]) }
    if not parsed[i][1] then
      for j = #recs, 1, -1 do rcall('LPUSH', k_ready, recs[j]) end
      corrupt(recs[i])
    end
  end
  local per_job = type(expiry) == 'table'
  local fields = {}
  local n = #out
  for i = 1, #recs do
    local id, att, max, name, err, payload = unpack(parsed[i])
    att = att + 1
    local token = token_base .. '.' .. i
    local exp = expiry
    if per_job then exp = expiry[i] end
    fields[2 * i - 1] = id
    fields[2 * i] = exp .. ',' .. token .. ';' .. record(id, att, max, name, err, payload)
    out[n + 1] = id .. ',' .. token .. ',' .. fmt(att) .. ',' .. max .. ',' .. err
    out[n + 2] = name
    out[n + 3] = payload
    n = n + 3
  end
  call_pairs('HSET', k_active, fields)
  return #recs
end
