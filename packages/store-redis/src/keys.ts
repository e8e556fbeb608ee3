/**
 * Key layout of one queue. Every key shares one Redis Cluster hash slot, whatever the prefix.
 * @module
 */

import { InvalidOptionError } from "@jobs/core";

/** The Redis keys of one queue. */
export interface QueueKeys {
	/** List of the seqs of ready jobs of priority 0 (the default), head first (FIFO). */
	readonly ready: string;
	/**
	 * The prefix of the lines of priorities: list `<lines><p>` holds the seqs of the ready jobs of
	 * priority p > 0, head first, while it holds any. Not a key itself.
	 */
	readonly lines: string;
	/** Sorted set of the priorities whose line holds jobs, each scored by itself. */
	readonly prios: string;
	/**
	 * List of the starts a rate limit counts, oldest first: `<epoch ms>,<count>` per call that
	 * leased; their sum is `started` in {@link QueueKeys.meta}.
	 */
	readonly starts: string;
	/**
	 * List of the members of the groups' rotation, which take turns: group names, and `""` for the
	 * jobs without a group (see src/lua/lib/common.lua). Exists while a group has jobs ready.
	 */
	readonly rotation: string;
	/**
	 * Sorted set of the groups with jobs ready, scored by when they got them (`gseq` in
	 * {@link QueueKeys.meta}); `gjobs` there counts their ready jobs.
	 */
	readonly groups: string;
	/** Set of the groups held out of the rotation at their concurrency. */
	readonly held: string;
	/**
	 * The prefix of each group's keys: see {@link groupKeys}. Not a key itself.
	 */
	readonly groupPrefix: string;
	/**
	 * Sorted set of delayed jobs (`<L><seq>`, then `/<priority>` for a job with one and
	 * `!<group>` for a job with a group) scored by due time (epoch ms).
	 */
	readonly delayed: string;
	/**
	 * Hash of leased jobs: seq → `expiry,token,attempts,leasedAt[,x]`; field `:due` caches the next
	 * due time. Each lease is also scored by its expiry in {@link QueueKeys.leaseExp}. A field
	 * that starts with `:` is no lease: `:due`, `:paused`, the limits `:rate`, `:conc`,
	 * `:block` and `:glimits` (see src/lua/lib/limits.lua), the rotation's `:grouped` and `:u-rot`, and the pin (`:pin: …`, over 64 bytes, in this hash
	 * and in `leaseExp`), which keeps both out of Redis's slow listpack encoding.
	 */
	readonly active: string;
	/**
	 * Sorted set of the seqs of leased jobs scored by their lease expiry (epoch ms), the same
	 * expiry as in {@link QueueKeys.active}: a sweep finds the expired leases here.
	 */
	readonly leaseExp: string;
	/** List of the seqs of the completed jobs kept by retention, oldest completion first. */
	readonly done: string;
	/** Hash of the progress of running attempts that reported one: seq → JSON text. */
	readonly progress: string;
	/** Stream of job events, capped (when the store has `events` on). */
	readonly events: string;
	/** Sorted set of the seqs of dead jobs scored by death sequence (oldest death first). */
	readonly deadOrder: string;
	/**
	 * Hash of counters: `id` (last seq), `dseq` (death sequence), `sweep` (cursor of the sweep's
	 * slow scan of `active` for leases missing from `lease-exp`), `evseq` (number of the newest
	 * event), `started` (the starts in {@link QueueKeys.starts}), `gseq` and `gjobs` (see
	 * {@link QueueKeys.groups}).
	 */
	readonly meta: string;
	/** Sorted set of recent add keys scored by their first seq (dedupes resent adds). */
	readonly adds: string;
	/**
	 * The prefix of the record buckets: hash `<jobs><seq without its last two digits>` maps each
	 * seq to its job record (100 jobs per bucket). Not a key itself.
	 */
	readonly jobs: string;
	/** Hash of chosen job ids → seq, while the job exists. */
	readonly ids: string;
	/** Sorted set of the chosen ids of acked jobs, scored by completion time (`jobIdHistory`). */
	readonly doneIds: string;
	/** Hash of unique keys → hold `<seq>,<heldUntil>,<states>,<jobId>`. */
	readonly uniq: string;
	/** Sorted set of unique keys with a ttl, scored by when their hold ends. */
	readonly uniqExp: string;
	/** Hash of recent add keys → the outcomes of their jobs (adds with a jobId or unique key). */
	readonly addOutcomes: string;
	/** Hash of the records set aside because they cannot be read: `<place>:<entry>` → raw record. */
	readonly quarantine: string;
	/**
	 * List holding at most one wake-up token: an idle worker pops it (BLPOP) and looks for jobs,
	 * waking the next one if it leaves jobs ready.
	 */
	readonly wake: string;
}

/** The name of each key of {@link QueueKeys}. */
export type KeyName = keyof QueueKeys;

/**
 * The hash tag Redis Cluster hashes for `key`: the text between the first `{` and the first `}`
 * after it, when that text is not empty; otherwise the whole key.
 */
export function hashTagOf(key: string): string {
	const open = key.indexOf("{");
	if (open === -1) return key;
	const close = key.indexOf("}", open + 1);
	if (close === -1 || close === open + 1) return key;
	return key.slice(open + 1, close);
}

/**
 * The base every key of the queue starts with: the prefix as a hash tag, `{<prefix>}`, with `%`
 * and `}` percent-encoded inside the braces (`"x{y}"` → `"{x{y%7D}"`). The tag is then never
 * empty and never cut short, whatever the prefix, and two prefixes never share keys.
 */
export function keyBase(prefix: string): string {
	if (typeof prefix !== "string" || prefix.length === 0) {
		throw new InvalidOptionError("prefix", "must be a non-empty string");
	}
	return `{${prefix.replaceAll("%", "%25").replaceAll("}", "%7D")}}`;
}

/** Every key of the queue stored under `prefix`. */
export function queueKeys(prefix: string): QueueKeys {
	const base = keyBase(prefix);
	return {
		ready: `${base}:ready`,
		lines: `${base}:p:`,
		prios: `${base}:prios`,
		starts: `${base}:starts`,
		rotation: `${base}:rot`,
		groups: `${base}:groups`,
		held: `${base}:held`,
		groupPrefix: `${base}:g:`,
		delayed: `${base}:delayed`,
		active: `${base}:active`,
		leaseExp: `${base}:lease-exp`,
		done: `${base}:done`,
		progress: `${base}:progress`,
		events: `${base}:events`,
		deadOrder: `${base}:dead-order`,
		meta: `${base}:meta`,
		adds: `${base}:adds`,
		jobs: `${base}:j:`,
		ids: `${base}:ids`,
		doneIds: `${base}:done-ids`,
		uniq: `${base}:uniq`,
		uniqExp: `${base}:uniq-exp`,
		addOutcomes: `${base}:add-outcomes`,
		quarantine: `${base}:quarantine`,
		wake: `${base}:wake`,
	};
}

/** The bucket hash that holds the record of the job with seq `seq` (see {@link QueueKeys.jobs}). */
export function recordKey(keys: QueueKeys, seq: string): string {
	return keys.jobs + seq.slice(0, -2);
}

/** The Redis keys of one group of a queue (see src/lua/lib/common.lua). */
export interface GroupKeys {
	/** List of the seqs of the group's ready jobs of priority 0, head first. */
	readonly ready: string;
	/** The prefix of the group's lines of priorities (`<lines><p>`). Not a key itself. */
	readonly lines: string;
	/** Sorted set of the priorities whose line in the group holds jobs. */
	readonly prios: string;
	/**
	 * Hash of the group's state: `a` its leases, `p` paused, `r` while it has jobs ready (`1` in
	 * the rotation, `h` held out at its concurrency, `p` out while paused).
	 */
	readonly state: string;
	/** List of the group's starts a group rate limit counts (epoch ms), expiring with the window. */
	readonly starts: string;
}

/**
 * The keys of group `group`: `<groupPrefix><byte length>:<group>` then a suffix, so no group's
 * keys are another's.
 */
export function groupKeys(keys: QueueKeys, group: string): GroupKeys {
	const base = `${keys.groupPrefix}${Buffer.byteLength(group)}:${group}`;
	return {
		ready: `${base}:r`,
		lines: `${base}:p:`,
		prios: `${base}:q`,
		state: `${base}:s`,
		starts: `${base}:t`,
	};
}
