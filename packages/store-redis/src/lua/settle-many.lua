--[[
  settle-many: ack, retry, fail and release of one or more leases, made by separate calls and
  sent together. Entries run in order, each fenced by its own token as if it were alone: a stale
  entry changes nothing and leases nothing, and an entry sees what the earlier ones did (the
  same id twice: the second finds the lease gone). Then one promote + take leases the next jobs
  the successful entries asked for, handed out in entry order.
  KEYS[1] ready (list)  KEYS[2] delayed (zset)  KEYS[3] active (hash)  KEYS[4] dead (hash)
  KEYS[5] dead-order (zset)  KEYS[6] meta (hash)
  ARGV[1] token base (unique per call; '' when no entry asks for next jobs)  ARGV[2] wake channel
  ARGV[3..] one entry per settle: op, id, token, next limit (0: none), lease ms of the next jobs,
            then by op: 'a' ack, 'l' release: nothing; 'r' retry: delay ms, error; 'f' fail: error
            (errors are JSON text, stored as is)
  Returns { now, nextDue or '' (only meaningful when some entry leased), one integer per entry:
            -1 stale token, -2 unreadable active record (both: nothing changed), else how many
            jobs the entry leased, then 3 strings per leased job (see lib/take.lua), the jobs of
            each entry after those of the entries before it }.
  Moves per op: ack deletes the lease; retry puts the record in `delayed`, due `delay` ms from
  now, attempts kept, error as lastError; fail moves it to `dead` (<failedAt>;<record with the
  final error>) and `dead-order`; release pushes it to the head of `ready`, attempts down by one.
]]
-- @include lib/common.lua
-- @include lib/take.lua

local STALE, CORRUPT = -1, -2
local now = now_ms()

-- Read the entries.
local ops, ids, tokens, limits, leases, delays, errors = {}, {}, {}, {}, {}, {}, {}
local n, i, argc = 0, 3, #ARGV
while i <= argc do
  n = n + 1
  local op = ARGV[i]
  ops[n], ids[n], tokens[n] = op, ARGV[i + 1], ARGV[i + 2]
  limits[n], leases[n] = tonumber(ARGV[i + 3]), ARGV[i + 4]
  if op == 'r' then
    delays[n], errors[n] = tonumber(ARGV[i + 5]), ARGV[i + 6]
    i = i + 7
  elseif op == 'f' then
    errors[n] = ARGV[i + 5]
    i = i + 6
  else
    i = i + 5
  end
end

-- One read serves the fencing checks and the promotion check (`:due`).
local fields = {}
for k = 1, n do fields[k] = ids[k] end
fields[n + 1] = ':due'
local current, marker = {}, false
for from = 1, n + 1, 1000 do
  local last = math.min(from + 999, n + 1)
  local v = rcall('HMGET', KEYS[3], unpack(fields, from, last))
  for k = from, last do
    if k > n then marker = v[k - from + 1] else current[fields[k]] = v[k - from + 1] end
  end
end

-- Settle in order. Writes are collected and made after the loop, so a raise changes nothing.
local out = { fmt(now), '' }
local gone, released, retried, dead, deaths = {}, {}, {}, {}, {}
local min_due
local want = 0
for k = 1, n do
  local id = ids[k]
  local rec = live_lease(current[id], tokens[k], now)
  local status = STALE
  if rec then
    local op = ops[k]
    local jid, att, max, name, err, payload
    if op ~= 'a' then jid, att, max, name, err, payload = try_parse(rec) end
    if op ~= 'a' and not jid then
      status = CORRUPT
    else
      status = 0
      -- Later entries for this id find the lease gone, as they would after a separate call.
      current[id] = false
      gone[#gone + 1] = id
      if op == 'r' then
        local due = now + delays[k]
        retried[#retried + 1] = fmt(due)
        retried[#retried + 1] = record(jid, att, max, name, errors[k], payload)
        if not min_due or due < min_due then min_due = due end
      elseif op == 'f' then
        dead[#dead + 1] = jid
        dead[#dead + 1] = fmt(now) .. ';' .. record(jid, att, max, name, errors[k], payload)
        deaths[#deaths + 1] = jid
      elseif op == 'l' then
        released[#released + 1] = record(jid, math.max(att - 1, 0), max, name, err, payload)
      end
      want = want + limits[k]
    end
  end
  out[2 + k] = status
end

if #gone > 0 then call_chunked('HDEL', KEYS[3], gone) end
if #released > 0 then
  -- In entry order, so the last released job ends up at the head, as with separate calls.
  local _, len = call_chunked('LPUSH', KEYS[1], released)
  if len == #released then rcall('PUBLISH', ARGV[2], '1') end
end
if min_due then
  call_pairs('ZADD', KEYS[2], retried)
  if not marker or min_due < tonumber(marker) then
    marker = fmt(min_due)
    rcall('HSET', KEYS[3], ':due', marker)
    -- Idle workers sleep until the due time they know of; this one is earlier.
    rcall('PUBLISH', ARGV[2], '1')
  end
end
if #deaths > 0 then
  -- A sequence, not the time, orders the dead letter: two deaths in one millisecond keep order.
  local first = rcall('HINCRBY', KEYS[6], 'dseq', #deaths) - #deaths
  local order = {}
  for k = 1, #deaths do
    order[2 * k - 1] = fmt(first + k)
    order[2 * k] = deaths[k]
  end
  call_pairs('HSET', KEYS[4], dead)
  call_pairs('ZADD', KEYS[5], order)
end

if want > 0 then
  marker = promote(KEYS[1], KEYS[2], KEYS[3], now, marker, ARGV[2])
  out[2] = marker or ''
  -- The next jobs go to the successful entries in order, each with its own lease duration.
  local expiries, asked = {}, {}
  for k = 1, n do
    if out[2 + k] == 0 and limits[k] > 0 then
      local expiry = fmt(now + tonumber(leases[k]))
      for _ = 1, limits[k] do expiries[#expiries + 1] = expiry end
      asked[#asked + 1] = k
    end
  end
  local left = take(KEYS[1], KEYS[3], want, expiries, ARGV[1], out)
  for _, k in ipairs(asked) do
    local got = math.min(limits[k], left)
    out[2 + k] = got
    left = left - got
  end
end
return out
