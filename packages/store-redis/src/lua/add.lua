--[[
  add: persists jobs atomically and assigns them consecutive ids.
  KEYS[1] ready (list)  KEYS[2] delayed (zset)  KEYS[3] active (hash)  KEYS[4] meta (hash)
  KEYS[5] adds (zset)
  ARGV[1] add key (random, unique per call)  ARGV[2] wake channel  ARGV[3] add keys to remember
  ARGV[4..] two per job: due spec ('' ready now, '+<ms>' delay, '@<epoch ms>' run at),
            record tail (the record after <L><id>, see lib/common.lua): '<nameLen>|<name><payload>',
            or ',0,<maxAttempts>,<nameLen>,0|<name><payload>' when the job has a maxAttempts
  Returns the first id (a decimal string); the jobs got first .. first + n - 1 in input order.
  A call resent with the same add key (its reply was lost) changes nothing and returns the ids
  of the first execution.
]]
-- @include lib/common.lua

local n = (#ARGV - 3) / 2
local last = rcall('HINCRBY', KEYS[4], 'id', n)
local first = last - n + 1
if rcall('ZADD', KEYS[5], 'NX', fmt(first), ARGV[1]) == 0 then
  return fmt(tonumber(rcall('ZSCORE', KEYS[5], ARGV[1])))
end
-- Forget old add keys now and then (once per 1024 ids), keeping the newest ARGV[3].
if math.floor(first / 1024) ~= math.floor((last + 1) / 1024) then
  rcall('ZREMRANGEBYRANK', KEYS[5], 0, -tonumber(ARGV[3]) - 1)
end

local now
local ready, delayed = {}, {}
local min_due
for i = 1, n do
  local id = fmt(first + i - 1)
  local spec = ARGV[2 + 2 * i]
  local rec = string.char(64 + #id) .. id .. ARGV[3 + 2 * i]
  local due
  if spec ~= '' then
    now = now or now_ms()
    local kind, value = string.sub(spec, 1, 1), tonumber(string.sub(spec, 2))
    if kind == '+' then due = now + value else due = value end
    if due <= now then due = nil end
  end
  if due then
    delayed[#delayed + 1] = fmt(due)
    delayed[#delayed + 1] = rec
    if not min_due or due < min_due then min_due = due end
  else
    ready[#ready + 1] = rec
  end
end

if #ready > 0 then
  -- Wake idle workers only when `ready` was empty: otherwise none of them is waiting for it.
  local _, len = call_chunked('RPUSH', KEYS[1], ready)
  if len == #ready then
    rcall('PUBLISH', ARGV[2], '1')
  end
end
if min_due then
  call_pairs('ZADD', KEYS[2], delayed)
  local marker = rcall('HGET', KEYS[3], ':due')
  if not marker or min_due < tonumber(marker) then
    rcall('HSET', KEYS[3], ':due', fmt(min_due))
    rcall('PUBLISH', ARGV[2], '1')
  end
end
return fmt(first)
