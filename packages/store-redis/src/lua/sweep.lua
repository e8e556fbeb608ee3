--[[
  sweep: recovers up to `limit` jobs whose lease expired: each goes back to the tail of `ready`
  with its attempts kept and lastError saying the lease expired.
  KEYS[1] ready (list)  KEYS[2] delayed (zset)  KEYS[3] active (hash)  KEYS[4] meta (hash)
  ARGV[1] limit  ARGV[2] lease-expired error (JSON text)  ARGV[3] scan budget (entries)
  ARGV[4] wake channel
  Returns how many jobs it recovered.

  Leases live in the `active` hash (value <expiry>,<token>;<record>), so settling a job costs one
  read and one delete. The price is that expired leases are found by HSCAN, which copies each
  value (payload included): each call scans at most ARGV[3] entries and about 8 MB, in pages
  sized to about 1 MB, resuming from the cursor kept in meta `sweep`, so a call never blocks
  Redis for long; a call that finds fewer than `limit` may leave expired leases in the part it
  did not reach, for the next sweep.
  It also restores the `:due` marker if it went missing while jobs are delayed (say the hash was
  deleted by hand): reserve reads only the marker, and would otherwise never promote them.
]]
-- @include lib/common.lua

local limit = tonumber(ARGV[1])
local budget = tonumber(ARGV[3])
local now = now_ms()
local cursor = rcall('HGET', KEYS[4], 'sweep') or '0'
local started = cursor
local MAX_BYTES, PAGE_BYTES = 8 * 1024 * 1024, 1024 * 1024
local scanned, bytes, count = 0, 0, 10
local ids, recs, seen = {}, {}, {}
local resume
repeat
  local page = rcall('HSCAN', KEYS[3], cursor, 'COUNT', count)
  local kv = page[2]
  for i = 1, #kv, 2 do
    if #ids >= limit then
      -- Stopped inside this page: the next call scans it again (what moved is gone from it).
      resume = cursor
      break
    end
    local field = kv[i]
    bytes = bytes + #kv[i + 1]
    if field ~= ':due' and not seen[field] then
      seen[field] = true -- HSCAN may return a field twice
      local exp, _, rec = split_lease(kv[i + 1])
      if not exp then
        -- No lease part (a partial write or a hand edit): nobody can hold it, so it is expired.
        exp, rec = 0, kv[i + 1]
      end
      if exp <= now then
        local id, att, max, name, _, payload = try_parse(rec)
        -- An unreadable entry stays where it is (stats counts it active) rather than stop
        -- every sweep from recovering the others.
        if id then
          ids[#ids + 1] = field
          recs[#recs + 1] = record(id, att, max, name, ARGV[2], payload)
        end
      end
    end
  end
  cursor = page[1]
  scanned = scanned + #kv / 2
  -- Size the next page to about PAGE_BYTES, from the average value seen so far.
  if scanned > 0 then count = math.max(5, math.min(500, math.floor(PAGE_BYTES * scanned / math.max(bytes, 1)))) end
until resume or cursor == '0' or #ids >= limit or scanned >= budget or bytes >= MAX_BYTES
resume = resume or cursor
if resume ~= started then rcall('HSET', KEYS[4], 'sweep', resume) end
if #ids > 0 then
  call_chunked('HDEL', KEYS[3], ids)
  local _, len = call_chunked('RPUSH', KEYS[1], recs)
  if len == #recs then rcall('PUBLISH', ARGV[4], '1') end
end
if rcall('HEXISTS', KEYS[3], ':due') == 0 then
  local head = rcall('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
  if head[2] then
    rcall('HSET', KEYS[3], ':due', fmt(tonumber(head[2])))
    rcall('PUBLISH', ARGV[4], '1')
  end
end
return #ids
