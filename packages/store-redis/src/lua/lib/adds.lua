--[[
  The add keys a queue remembers, so that a copy of an `add` call that arrives twice (ioredis
  resends a call whose reply a dropped connection lost) creates its jobs once.

  `adds` scores each key by the first seq its call got. A key reads `<keep until>.<random>`,
  keep until in base 36 epoch ms (server time): the call carries a deadline (`not after`) past
  which its script refuses it, so no copy can apply after it and the key is needed only until
  then, plus a grace its client chose. Keys are forgotten oldest seq first, a bounded number
  per call, by `add` and by `sweep` (so an idle queue keeps none).
]]

-- The epoch ms until which the add key `key` is kept.
local function add_key_kept_until(key)
  return tonumber(string.match(key, '^(%w+)%.'), 36)
end

-- Forgets up to `budget` add keys, oldest seq first, while their keep-until has passed. Reads
-- pages of at most 100, and stops at the first key still kept.
local function forget_old_adds(now, budget)
  local page = math.min(budget, 100)
  while budget > 0 do
    local head = rcall('ZRANGE', K.adds, 0, math.min(page, budget) - 1)
    local k = 0
    while k < #head do
      local kept = add_key_kept_until(head[k + 1])
      -- (A key of another form, from an older version of this package: forget it.)
      if kept and kept >= now then break end
      k = k + 1
    end
    if k == 0 then return end
    if rcall('HLEN', K.add_outcomes) > 0 then
      call_chunked('HDEL', K.add_outcomes, { unpack(head, 1, k) })
    end
    rcall('ZREMRANGEBYRANK', K.adds, 0, k - 1)
    if k < #head or #head < page then return end
    budget = budget - k
  end
end
