--[[
  What getJob and listJobs return per job, 18 strings (empty: absent): id, state, name, payload,
  attempts, maxAttempts, lastError, addedAt, dueAt, leasedAt, leaseExpiresAt, failedAt,
  uniqueKey, finishedAt, then the result and the progress of the running attempt, each with a
  leading '=' ('' for none: either may be any JSON text, never empty), then the priority and the
  group. Spliced after lib/common.lua and lib/record.lua.
]]
local function describe(out, seq, job, state, due, lease, progress)
  local att, leased_at, expiry = job.att, '', ''
  if lease then
    local exp, _, a, at = split_lease(lease)
    if exp then att, leased_at, expiry = a, at, fmt(exp) end
  end
  local n = #out
  out[n + 1] = ext_id(job, seq)
  out[n + 2] = state
  out[n + 3] = job.name
  out[n + 4] = job.payload
  out[n + 5] = fmt(att)
  out[n + 6] = job.max
  out[n + 7] = job.err
  out[n + 8] = job.added and fmt(job.added) or ''
  out[n + 9] = due or ''
  out[n + 10] = leased_at
  out[n + 11] = expiry
  out[n + 12] = job.failed and state == 'dead' and fmt(job.failed) or ''
  out[n + 13] = job.ukey or ''
  out[n + 14] = job.done and state == 'completed' and fmt(job.done) or ''
  out[n + 15] = job.result and state == 'completed' and ('=' .. job.result) or ''
  out[n + 16] = progress and ('=' .. progress) or ''
  out[n + 17] = job.pri or ''
  out[n + 18] = job.group or ''
end
