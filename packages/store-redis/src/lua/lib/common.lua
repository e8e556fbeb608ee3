--[[
  Shared helpers, spliced into every script by `-- @include lib/common.lua`.

  Job record (one string per job, in `ready`, `delayed`, `active` and `dead`), in one of two forms:
    short: <L><id><nameLen>|<name><payload>                                   (attempts 0, no
           maxAttempts, no error: every job as added, and one released back to attempts 0)
    full:  <L><id>,<attempts>,<maxAttempts>,<nameLen>,<errLen>|<name><err><payload>
  L is string.char(64 + #id): it says where the id ends in the short form, and makes records of
  equal due time sort by id (add order) in `delayed` whatever their form. maxAttempts may be
  empty; nameLen and errLen count bytes; err is the caller's JSON, never decoded. `record`
  writes the short form whenever it can.
  Numbers are always written with string.format('%.0f'): tostring() gives 1e+15 past 14 digits.
]]
local rcall = redis.call

local function fmt(n)
  return string.format('%.0f', n)
end

-- Epoch milliseconds from the server clock: the one clock all clients share.
local function now_ms()
  local t = rcall('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local function corrupt(rec)
  error({ err = 'JOBS_BAD_RECORD malformed job record: ' .. string.sub(rec, 1, 40) })
end

-- Splits a record, or returns nil when it is malformed.
local function try_parse(rec)
  local bar = string.find(rec, '|', 1, true)
  if not bar then return nil end
  local head = string.sub(rec, 1, bar - 1)
  local id, att, max, nlen, elen = string.match(head, '^%u(%d+),(%d+),(%d*),(%d+),(%d+)$')
  if id then
    att, elen = tonumber(att), tonumber(elen)
  else
    -- Short form: the id is the L - 64 digits after L, the name length the digits after it.
    if not string.find(head, '^%u%d%d+$') then return nil end
    local stop = string.byte(head, 1) - 63
    if stop >= #head then return nil end
    id, nlen = string.sub(head, 2, stop), string.sub(head, stop + 1)
    att, max, elen = 0, '', 0
  end
  nlen = tonumber(nlen)
  return id, att, max,
    string.sub(rec, bar + 1, bar + nlen),
    string.sub(rec, bar + nlen + 1, bar + nlen + elen),
    string.sub(rec, bar + nlen + elen + 1)
end

-- Splits a record: id, attempts, maxAttempts, name, err, payload. Raises JOBS_BAD_RECORD when
-- it is malformed; callers parse before they write, so a raise changes nothing.
local function parse(rec)
  local id, att, max, name, err, payload = try_parse(rec)
  if not id then corrupt(rec) end
  return id, att, max, name, err, payload
end

local function record(id, att, max, name, err, payload)
  if att == 0 and max == '' and err == '' then
    return string.char(64 + #id) .. id .. #name .. '|' .. name .. payload
  end
  return string.char(64 + #id) .. id .. ',' .. fmt(att) .. ',' .. max .. ',' .. #name .. ',' .. #err
    .. '|' .. name .. err .. payload
end

-- Calls `cmd key ...items` in slices, so no call unpacks more than Lua's C stack allows.
-- Returns the sum of the integer replies and the last reply.
local function call_chunked(cmd, key, items)
  local n = #items
  local total, reply = 0, 0
  for i = 1, n, 1000 do
    reply = rcall(cmd, key, unpack(items, i, math.min(i + 999, n)))
    total = total + reply
  end
  return total, reply
end

-- Same, for commands whose arguments come in pairs (HSET field value, ZADD score member).
local function call_pairs(cmd, key, items)
  local n = #items
  for i = 1, n, 1000 do
    rcall(cmd, key, unpack(items, i, math.min(i + 999, n)))
  end
end

-- Active value: <expiry>,<token>;<record>. Returns expiry, token, record (nil if malformed).
local function split_lease(v)
  local exp, tok, semi = string.match(v, '^(%d+),([^;]*)();')
  if not exp then return nil end
  return tonumber(exp), tok, string.sub(v, semi + 1)
end

-- The record leased to `token`, if that lease is current and unexpired, else nil.
local function live_lease(v, token, now)
  if not v then return nil end
  local exp, tok, rec = split_lease(v)
  if tok == token and exp > now then return rec end
  return nil
end
