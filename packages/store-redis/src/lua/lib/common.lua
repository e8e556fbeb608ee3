--[[
  Shared helpers, spliced into every script by `-- @include lib/common.lua`.

  Layout (see the README's "Key layout"): a job is one record string, kept by its sequence number
  `seq` in the bucket hash `<jobs><seq without its last two digits>` (100 jobs per bucket, so a
  bucket stays a compact listpack). `ready` lists seqs, `delayed` scores `<L><seq>` (L is
  string.char(64 + #seq), so equal due times sort in add order), `active` maps seq to the lease
  `<expiry>,<token>,<attempts>,<leasedAt>[,x]` (x: the job has a jobId or a unique key, or its
  attempt reported progress: its settle has more to clean up), `lease-exp` scores each leased seq by its lease's expiry (so a sweep
  finds the expired ones without reading the live ones; written and removed with the `active`
  entry, and never scored later than the expiry in it, except an entry the sweep set aside, see
  sweep.lua), and `dead-order` scores seqs by death order. `active` and `lease-exp` also hold a
  pin (PIN below).
  A job's id is its seq, or the jobId its caller chose (the `ids` hash maps it to the seq).
  Numbers are always written with string.format('%.0f'): tostring() gives 1e+15 past 14 digits.
]]
local rcall = redis.call
-- Every script receives one key, the queue's `meta` hash (for routing: every key of the queue
-- shares its hash slot), and names the others from it (the names of src/keys.ts).
local base = string.sub(KEYS[1], 1, -6)
local K = {
  ready = base .. ':ready', delayed = base .. ':delayed', active = base .. ':active',
  dead_order = base .. ':dead-order', meta = KEYS[1], adds = base .. ':adds', jobs = base .. ':j:',
  ids = base .. ':ids', done_ids = base .. ':done-ids', uniq = base .. ':uniq',
  uniq_exp = base .. ':uniq-exp', add_outcomes = base .. ':add-outcomes', wake = base .. ':wake',
  quarantine = base .. ':quarantine', lease_exp = base .. ':lease-exp', done = base .. ':done',
  progress = base .. ':progress', events = base .. ':events', prios = base .. ':prios',
  lines = base .. ':p:', starts = base .. ':starts', rotation = base .. ':rot',
  groups = base .. ':groups', held = base .. ':held', group_prefix = base .. ':g:',
}

-- The cap of the event stream, compiled in by the store that loads the scripts (src/scripts.ts
-- rewrites this line); 0: events are off, and `emit` returns at once.
local EVENTS_MAX = 0

-- The texts of small numbers (attempts, mostly) this call formatted: a lookup costs less than
-- string.format.
local small_texts = {}

local function fmt(n)
  local text = small_texts[n]
  if text then return text end
  text = string.format('%.0f', n)
  if n >= 0 and n < 1000 then small_texts[n] = text end
  return text
end

-- Job events, collected while a script runs and written when it ends (flush_events), to the
-- capped stream `events` in entries of up to EVENTS_PER_ENTRY: a stream command per event would
-- cost more than the change it tells of, and a script that raises before its end writes none.
-- Each event has a number, one more than the one before it in the queue (`evseq` in `meta` holds
-- the newest); that number is its cursor. An entry's stream id is `<number of its last event>-0`,
-- and its fields are
--   T <time, epoch ms>  c <how many events>  then per event: <type> <attempt>,<idLen>:<id><name>
--   and that event's extras, single-letter fields: r result, p progress, e error, d due time.
-- A type is written as a code of two letters (EVENT_CODES; src/codec.ts reads them back), an
-- extra's field is one letter, so a reader tells where the next event begins.
-- The trim (MINID ~) drops the entries whose events are all older than the newest EVENTS_MAX.
local EVENTS_PER_ENTRY = 100
local EVENT_CODES = {
  added = 'ad', active = 'ac', progress = 'pr', completed = 'co', retrying = 'rt', failed = 'fa',
  stalled = 'st', waiting = 'wa', removed = 'rm',
}
-- The fields of the events emitted so far, and where each event's fields begin.
local pending_events, event_starts = {}, {}
-- The first time this call read (now_ms): its events carry it, the time its decisions used (a
-- lease counted against a rate window at that time is told of with that time).
local call_now

-- Writes the events emitted so far. Every script that emits calls it before it returns.
local function flush_events()
  local count = #event_starts
  if count == 0 then return end
  local last = rcall('HINCRBY', K.meta, 'evseq', count)
  local first = last - count + 1
  local at
  if call_now then
    at = fmt(call_now)
  else
    local t = rcall('TIME')
    at = t[1] .. string.format('%03d', math.floor(tonumber(t[2]) / 1000))
  end
  event_starts[count + 1] = #pending_events + 1
  for from = 1, count, EVENTS_PER_ENTRY do
    local to = math.min(from + EVENTS_PER_ENTRY - 1, count)
    local id = fmt(first + to - 1) .. '-0'
    local oldest = first + to - EVENTS_MAX
    local i, j = event_starts[from], event_starts[to + 1] - 1
    local added = redis.pcall('XADD', K.events, 'MINID', '~', fmt(oldest > 0 and oldest or 0), id,
      'T', at, 'c', fmt(to - from + 1), unpack(pending_events, i, j))
    if type(added) == 'table' and added.err then
      -- The stream is ahead of `evseq` (meta lost while the stream stayed): go on after its
      -- newest entry, and number the rest of this call's events from there.
      local newest = rcall('XREVRANGE', K.events, '+', '-', 'COUNT', 1)[1]
      first = tonumber(string.match(newest[1], '^(%d+)')) + 1 - (from - 1)
      rcall('HSET', K.meta, 'evseq', fmt(first + count - 1))
      rcall('XADD', K.events, fmt(first + to - 1) .. '-0', 'T', at, 'c', fmt(to - from + 1),
        unpack(pending_events, i, j))
    end
  end
  pending_events, event_starts = {}, {}
end

-- Emits a job event: type `kind`, job id `id`, name `name`, attempt `attempt` (a number, or its
-- text), then
-- `...` as its extras (field, value pairs). Callers pass what they have at hand and format
-- nothing: with events off it costs a call.
local function emit(kind, id, name, attempt, ...)
  if EVENTS_MAX == 0 then return end
  local e = pending_events
  local n = #e
  event_starts[#event_starts + 1] = n + 1
  e[n + 1] = EVENT_CODES[kind]
  if type(attempt) == 'number' then attempt = fmt(attempt) end
  e[n + 2] = attempt .. ',' .. #id .. ':' .. id .. name
  for i = 1, select('#', ...) do e[n + 2 + i] = (select(i, ...)) end
end

-- Wakes one idle worker: it pops the token with BLPOP (see src/waker.ts), and its reserve wakes
-- the next one if it leaves jobs ready. At most one token waits, so nothing piles up while no
-- worker idles, and a new job costs one idle worker a reserve, not every idle worker one. A
-- paused queue (pause.lua) wakes no one: a woken worker would find nothing to lease.
local function wake_one()
  if rcall('LLEN', K.wake) == 0 and rcall('HEXISTS', K.active, ':paused') == 0 then
    rcall('RPUSH', K.wake, '1')
  end
end

-- `active` and `lease-exp` each hold a pin: an entry named by a text over 64 bytes (Redis's
-- hash-max-listpack-value and zset-max-listpack-value), so Redis keeps them a hash table and a
-- skiplist. As listpacks (up to 128 entries) every lease written is placed by a walk of the whole
-- structure, and a take's new leases go past all the others: at concurrency 100 those writes
-- cost more than the rest of the take. The pin goes first in every write of leases, so a
-- structure made anew (deleted, or loaded from disk) takes its fast encoding at once. It is
-- scored +inf in `lease-exp`, where no sweep range reaches. A field of `active` that starts
-- with ':' (the pin, `:due`, `:paused`) is not a lease.
local PIN = ':pin: an entry over 64 bytes keeps this a hash table or skiplist, where leases are cheap to write'

-- Writes leases: `fields` holds seq, lease pairs for `active`; `scores` expiry, seq pairs for
-- `lease-exp`.
local function write_leases(fields, scores)
  for i = 1, #fields, 1000 do
    if i == 1 then
      rcall('HSET', K.active, PIN, '1', unpack(fields, 1, math.min(1000, #fields)))
      rcall('ZADD', K.lease_exp, '+inf', PIN, unpack(scores, 1, math.min(1000, #scores)))
    else
      rcall('HSET', K.active, unpack(fields, i, math.min(i + 999, #fields)))
      rcall('ZADD', K.lease_exp, unpack(scores, i, math.min(i + 999, #scores)))
    end
  end
end

-- Whether a field of `active` names a lease (not the pin or `:due`).
local function is_lease_field(field)
  return string.byte(field, 1) ~= 58 -- ':'
end

-- Epoch milliseconds from the server clock: the one clock all clients share.
local function now_ms()
  local t = rcall('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  call_now = call_now or now
  return now
end

-- The bucket hash that holds the record of `seq`.
local function bucket(seq)
  return K.jobs .. string.sub(seq, 1, -3)
end

-- The member of `seq` in `delayed`: `<L><seq>`, then `/<priority>` for a job with one (see
-- lines below) and `!<group>` for a job with a group, so a promotion knows each job's line
-- without reading its record.
local function dkey(seq, pri, group)
  local member = string.char(64 + #seq) .. seq
  if pri then member = member .. '/' .. pri end
  if group then member = member .. '!' .. group end
  return member
end

-- The seq, the priority (nil for none) and the group (nil for none) of a member of `delayed`.
local function split_dkey(member)
  local seq, pri, bang = string.match(member, '^.(%d+)/?(%d*)()')
  -- (Not one this package wrote: the take that meets it sets it aside.)
  if not seq then return string.sub(member, 2), nil, nil end
  local group
  if bang <= #member then group = string.sub(member, bang + 1) end
  return seq, pri ~= '' and pri or nil, group
end

-- The seq of the job with id `id` (a seq itself, or a chosen jobId), or nil.
local function seq_of(id)
  if string.find(id, '^%d+$') then return id end
  return rcall('HGET', K.ids, id) or nil
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

-- Reads the records of `seqs` (HMGET per bucket run): a table seq → record (absent: none).
local function read_records(seqs)
  local out = {}
  local i, n = 1, #seqs
  while i <= n do
    local b = bucket(seqs[i])
    local j = i
    while j < n and j - i < 999 and bucket(seqs[j + 1]) == b do j = j + 1 end
    local values = rcall('HMGET', b, unpack(seqs, i, j))
    for k = i, j do
      local v = values[k - i + 1]
      if v then out[seqs[k]] = v end
    end
    i = j + 1
  end
  return out
end

-- Groups seqs by bucket: bucket → list of seqs, each followed by `value(seq)` when given.
local function by_bucket(seqs, value)
  local by = {}
  for _, seq in ipairs(seqs) do
    local b = bucket(seq)
    local list = by[b]
    if not list then list = {}; by[b] = list end
    list[#list + 1] = seq
    if value then list[#list + 1] = value(seq) end
  end
  return by
end

-- Writes seq → record pairs (HSET per bucket).
local function write_records(records)
  local seqs = {}
  for seq in pairs(records) do seqs[#seqs + 1] = seq end
  for b, list in pairs(by_bucket(seqs, function(seq) return records[seq] end)) do
    call_pairs('HSET', b, list)
  end
end

-- Deletes the records of `seqs` (HDEL per bucket).
local function delete_records(seqs)
  for b, list in pairs(by_bucket(seqs)) do call_chunked('HDEL', b, list) end
end

-- Active value: <expiry>,<token>,<attempts>,<leasedAt>[,x]. Returns expiry, token, attempts,
-- leasedAt, flagged (nil if malformed).
local function split_lease(v)
  local exp, tok, att, at, x = string.match(v, '^(%d+),([^,]*),(%d+),(%d+)(,?x?)$')
  if not exp then return nil end
  return tonumber(exp), tok, tonumber(att), at, x == ',x'
end

-- `att` is the attempts, a number or its text.
local function lease_value(expiry, token, att, leased_at, flagged)
  if type(att) == 'number' then att = fmt(att) end
  local v = expiry .. ',' .. token .. ',' .. att .. ',' .. leased_at
  if flagged then return v .. ',x' end
  return v
end

-- The lease of `token`, if it is current and unexpired: attempts, leasedAt, flagged; else nil.
local function live_lease(v, token, now)
  if not v then return nil end
  local exp, tok, att, at, flagged = split_lease(v)
  if tok == token and exp > now then return att, at, flagged end
  return nil
end

--[[
  Ready lines (priorities). A job of priority 0, the default, waits in `ready`; one of priority
  p > 0 in the list `<lines><p>`, and `prios` scores each p whose list is not empty by p. Lower
  runs first, `ready` before every other line. A priority travels as its text (the record's
  field P), nil for 0. A queue that never uses priorities has neither key, and pays one command
  on an empty key when a take finds `ready` short.
  Every group (capability `groups`, below) has lines of its own of the same shape: a namespace
  `ns` names the three keys, UNGROUPED the queue's own (the jobs without a group).
]]
local UNGROUPED = { ready = K.ready, prios = K.prios, lines = K.lines }

-- The list of priority `pri` in `ns`.
local function line_key(ns, pri)
  if pri then return ns.lines .. pri end
  return ns.ready
end

-- Pushes `seqs` (in order, with `cmd`: RPUSH to the tail, LPUSH to the head) to the line of
-- `pri` in `ns`; returns whether the line was empty before.
local function push_line(ns, cmd, pri, seqs)
  local _, len = call_chunked(cmd, line_key(ns, pri), seqs)
  if pri and len == #seqs then rcall('ZADD', ns.prios, pri, pri) end
  return len == #seqs
end

-- Splits `seqs` by `of[seq]` ('' for absent), keeping their order: part → seqs, and the parts
-- in the order they first appear.
local function split_by(seqs, of)
  local by, order = {}, {}
  for _, seq in ipairs(seqs) do
    local part = of[seq] or ''
    local list = by[part]
    if not list then
      list = {}
      by[part] = list
      order[#order + 1] = part
    end
    list[#list + 1] = seq
  end
  return by, order
end

-- Pushes `seqs` with `cmd` to the lines of `ns`, each to its priority's (`pris[seq]`, absent
-- for none); returns whether a line was empty before.
local function push_lines(ns, cmd, seqs, pris)
  if next(pris) == nil then return push_line(ns, cmd, nil, seqs) end
  local by, order = split_by(seqs, pris)
  local was_empty = false
  for _, p in ipairs(order) do
    if push_line(ns, cmd, p ~= '' and p or nil, by[p]) then was_empty = true end
  end
  return was_empty
end

-- Pops up to `limit` seqs of `ns`: its `ready` first, then its lines by priority.
local function pop_lines(ns, limit)
  local seqs = rcall('LPOP', ns.ready, limit) or {}
  if #seqs >= limit then return seqs end
  -- Each line gives at least one job (an empty one is dropped): no more lines than jobs wanted.
  for _, p in ipairs(rcall('ZRANGE', ns.prios, 0, limit - #seqs - 1)) do
    local want = limit - #seqs
    local key = ns.lines .. p
    local more = rcall('LPOP', key, want)
    if more then
      for i = 1, #more do seqs[#seqs + 1] = more[i] end
    end
    if not more or #more < want or rcall('LLEN', key) == 0 then rcall('ZREM', ns.prios, p) end
    if #seqs >= limit then break end
  end
  return seqs
end

-- Whether any job waits in the lines of `ns`.
local function lines_have_jobs(ns)
  return rcall('LLEN', ns.ready) > 0 or rcall('EXISTS', ns.prios) == 1
end

--[[
  Groups (capability `groups`). The group g has the base `<base>:g:<#g>:<g>` (its byte length
  first, so no group's keys are another's): its lines `:r`, `:q`, `:p:<p>` (as the queue's
  `ready`, `prios`, `lines`), the list `:t` of its starts while a group rate limit counts them
  (epoch ms, oldest first, expiring with the window), and the hash `:s` of its state:
    a  its leases (absent: none)     p  '1' while it is paused
    r  while it has jobs ready: '1' in the rotation, 'h' held out of it at its concurrency (and
       in `held`), 'p' out of it while paused
  A group with no job ready, no lease, no pause and no start in its window has no key at all.
  The members with jobs ready take turns in the list `rot`, one job each (take_turns): group
  names, and '' for the jobs without a group, which join it at a take that finds them waiting
  (`:u-rot` in `active` says they are in it), or ahead of a group that joins it empty. `groups`
  scores the groups with jobs ready by when they got them (meta `gseq`), the order listJobs
  walks; meta `gjobs` counts their ready jobs. `:grouped` in `active` is set while `rot` exists:
  without it a take is the plain one, so a queue without groups pays nothing.
]]
-- The rotation's fields of `active` as this call last read (lib/limits.lua's limits_of) or
-- wrote them: `grouped`, `urot` (false: absent).
local rotation = { grouped = false, urot = false }

-- The groups' helpers, made at a call's first use of groups (`groups_lib()`): a call without
-- groups makes none of them, since each function a script defines costs every call that runs
-- its definition (about half a microsecond each).
local groups_made
local function groups_lib()
  if groups_made then return groups_made end
  local spaces = {}

  -- The namespace of group `g`: its lines, `state` and `starts`.
  local function group_ns(g)
    local ns = spaces[g]
    if ns then return ns end
    local gb = K.group_prefix .. #g .. ':' .. g
    ns = { name = g, ready = gb .. ':r', prios = gb .. ':q', lines = gb .. ':p:',
      state = gb .. ':s', starts = gb .. ':t' }
    spaces[g] = ns
    return ns
  end

  -- Puts the group `g` at the tail of the rotation. Into an empty rotation, the jobs without a
  -- group that wait go first: they were served alone until then.
  local function join_rotation(g)
    if rcall('EXISTS', K.rotation) == 0 then
      rcall('HSET', K.active, ':grouped', '1')
      rotation.grouped = '1'
      if lines_have_jobs(UNGROUPED) then
        rcall('RPUSH', K.rotation, '')
        rcall('HSET', K.active, ':u-rot', '1')
        rotation.urot = '1'
      end
    end
    rcall('RPUSH', K.rotation, g)
  end

  -- `count` jobs joined the lines of the group `ns`; returns whether it joined the rotation.
  local function group_got_jobs(ns, count)
    rcall('HINCRBY', K.meta, 'gjobs', count)
    local state = rcall('HMGET', ns.state, 'r', 'p')
    if state[1] then return false end
    rcall('ZADD', K.groups, rcall('HINCRBY', K.meta, 'gseq', 1), ns.name)
    if state[2] then
      rcall('HSET', ns.state, 'r', 'p')
      return false
    end
    rcall('HSET', ns.state, 'r', '1')
    join_rotation(ns.name)
    return true
  end

  -- The group `ns` has no job ready any more (`r`: its state's r).
  local function group_emptied(ns, r)
    rcall('HDEL', ns.state, 'r')
    rcall('ZREM', K.groups, ns.name)
    if r == 'h' then rcall('SREM', K.held, ns.name) end
  end

  -- Puts a group held out of the rotation (at its concurrency) back at its tail.
  local function unhold(g)
    rcall('SREM', K.held, g)
    rcall('HSET', group_ns(g).state, 'r', '1')
    join_rotation(g)
  end

  -- Frees the slots of leases that ended: `freed` maps each group to how many; a group held at its
  -- concurrency rejoins the rotation, and wakes an idle worker.
  local function free_group_slots(freed)
    local woke = false
    for g, count in pairs(freed) do
      local ns = group_ns(g)
      if rcall('HINCRBY', ns.state, 'a', -count) <= 0 then rcall('HDEL', ns.state, 'a') end
      if rcall('HGET', ns.state, 'r') == 'h' then
        unhold(g)
        woke = true
      end
    end
    return woke
  end

  -- The group rate limit's hold on the group `ns`: nil when it may start a job now, else when the
  -- oldest start of its window leaves it. Drops the starts that left the window.
  local function rate_hold(ns, now, max, duration)
    while true do
      local head = rcall('LINDEX', ns.starts, 0)
      if not head then return nil end
      if tonumber(head) > now - duration then break end
      rcall('LPOP', ns.starts)
    end
    if rcall('LLEN', ns.starts) < max then return nil end
    return tonumber(rcall('LINDEX', ns.starts, 0)) + duration
  end

  -- Pops up to `limit` seqs by turns of the rotation (above): each turn pops its member's
  -- head, one job, and puts the member back at the tail while it has more. A paused group leaves
  -- the rotation (resume puts it back), as does one at its concurrency (a freed slot does); one
  -- held by its rate limit keeps its place, and a whole round of those ends the take. `lim` holds
  -- the fields of `active` lib/limits.lua reads. Returns the seqs, their groups (seq → group),
  -- and the earliest time a group held by its rate may start again (nil: none was).
  local function take_turns(limit, lim, now)
    local seqs, groups = {}, {}
    local conc, max, duration
    if lim.glimits then
      conc, max, duration = string.match(lim.glimits, '^(%d*),(%d*),(%d*)$')
      conc, max, duration = tonumber(conc), tonumber(max), tonumber(duration)
    end
    if not rotation.urot and lines_have_jobs(UNGROUPED) then
      rcall('RPUSH', K.rotation, '')
      rcall('HSET', K.active, ':u-rot', '1')
      rotation.urot = '1'
    end
    local size = rcall('LLEN', K.rotation)
    local held, reopen = 0, nil
    while #seqs < limit and size > 0 do
      local g = rcall('LPOP', K.rotation)
      if g == '' then
        local got = pop_lines(UNGROUPED, 1)[1]
        if got then
          seqs[#seqs + 1] = got
          held = 0
        end
        if got and lines_have_jobs(UNGROUPED) then
          rcall('RPUSH', K.rotation, '')
        else
          rcall('HDEL', K.active, ':u-rot')
          rotation.urot = false
          size = size - 1
        end
      else
        local ns = group_ns(g)
        local state = rcall('HMGET', ns.state, 'a', 'p')
        local full = conc and (tonumber(state[1]) or 0) >= conc
        local until_ = max and not state[2] and not full and rate_hold(ns, now, max, duration)
        if state[2] then
          rcall('HSET', ns.state, 'r', 'p')
          size = size - 1
        elseif full then
          rcall('HSET', ns.state, 'r', 'h')
          rcall('SADD', K.held, g)
          size = size - 1
        elseif until_ then
          rcall('RPUSH', K.rotation, g)
          if not reopen or until_ < reopen then reopen = until_ end
          held = held + 1
          if held >= size then break end
        else
          local got = pop_lines(ns, 1)[1]
          if got then
            seqs[#seqs + 1] = got
            groups[got] = g
            held = 0
            rcall('HINCRBY', ns.state, 'a', 1)
            rcall('HINCRBY', K.meta, 'gjobs', -1)
            if max then
              rcall('RPUSH', ns.starts, fmt(now))
              rcall('PEXPIRE', ns.starts, duration)
            end
          end
          if got and lines_have_jobs(ns) then
            rcall('RPUSH', K.rotation, g)
          else
            group_emptied(ns, '1')
            size = size - 1
          end
        end
      end
    end
    if size == 0 then
      rcall('HDEL', K.active, ':grouped', ':u-rot')
      rotation.grouped, rotation.urot = false, false
    end
    return seqs, groups, reopen
  end
  groups_made = {
    ns = group_ns, join = join_rotation, got_jobs = group_got_jobs, emptied = group_emptied,
    unhold = unhold, free_slots = free_group_slots, take_turns = take_turns,
  }
  return groups_made
end

-- Pushes `seqs` with `cmd`, each to its line (`pris[seq]`: its priority, absent for none;
-- `groups[seq]`: its group, absent for none; `groups` may be nil), and wakes an idle worker when
-- a line was empty or a group joined the rotation: a worker idles only then.
local function push_ready(cmd, seqs, pris, groups)
  if #seqs == 0 then return end
  local woke
  if not groups or next(groups) == nil then
    woke = push_lines(UNGROUPED, cmd, seqs, pris)
  else
    local by, order = split_by(seqs, groups)
    for _, g in ipairs(order) do
      if g == '' then
        if push_lines(UNGROUPED, cmd, by[g], pris) then woke = true end
      else
        local lib = groups_lib()
        local ns = lib.ns(g)
        push_lines(ns, cmd, by[g], pris)
        if lib.got_jobs(ns, #by[g]) then woke = true end
      end
    end
  end
  if woke then wake_one() end
end

-- Takes `seq` out of the line of `pri` of its group (nil: none). O(jobs in the line).
local function remove_from_line(seq, pri, group)
  -- Takes it out of the line in `ns`; returns whether it was in it.
  local function remove_from(ns)
    local key = line_key(ns, pri)
    local removed = rcall('LREM', key, 1, seq) == 1
    if pri and rcall('EXISTS', key) == 0 then rcall('ZREM', ns.prios, pri) end
    return removed
  end
  if not group then
    remove_from(UNGROUPED)
    return
  end
  local lib = groups_lib()
  local ns = lib.ns(group)
  if not remove_from(ns) then return end
  rcall('HINCRBY', K.meta, 'gjobs', -1)
  if lines_have_jobs(ns) then return end
  -- Out of the rotation it leaves now; in it, at its turn (take_turns).
  local r = rcall('HGET', ns.state, 'r')
  if r and r ~= '1' then lib.emptied(ns, r) end
end

-- Whether any job waits in a line (or a member of the rotation may have one).
local function has_ready()
  return lines_have_jobs(UNGROUPED) or rcall('EXISTS', K.rotation) == 1
end

-- How many jobs wait in the lines, of every group. O(lines without a group).
local function ready_count()
  local n = rcall('LLEN', K.ready) + (tonumber(rcall('HGET', K.meta, 'gjobs') or '0') or 0)
  for _, p in ipairs(rcall('ZRANGE', K.prios, 0, -1)) do n = n + rcall('LLEN', K.lines .. p) end
  return n
end
