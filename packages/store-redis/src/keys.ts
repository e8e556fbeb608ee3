/**
 * Key layout of one queue. Every key shares one Redis Cluster hash slot, whatever the prefix.
 * @module
 */

import { InvalidOptionError } from "@jobs/core";

/** The Redis keys (and the pub/sub channel) of one queue. */
export interface QueueKeys {
	/** List of ready job records, head first (FIFO). */
	readonly ready: string;
	/** Sorted set of delayed job records scored by due time (epoch ms). */
	readonly delayed: string;
	/** Hash of leased jobs: id → `expiry,token;record`; field `:due` caches the next due time. */
	readonly active: string;
	/** Hash of dead jobs: id → `failedAt;record`. */
	readonly dead: string;
	/** Sorted set of dead job ids scored by death sequence (oldest death first). */
	readonly deadOrder: string;
	/** Hash of counters: `id` (last job id), `dseq` (death sequence), `sweep` (scan cursor). */
	readonly meta: string;
	/** Sorted set of recent add keys scored by their first job id (dedupes resent adds). */
	readonly adds: string;
	/** Pub/sub channel that wakes idle workers (not a key). */
	readonly wake: string;
}

/** The name of each key of {@link QueueKeys} that scripts may receive in KEYS. */
export type KeyName = Exclude<keyof QueueKeys, "wake">;

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
		delayed: `${base}:delayed`,
		active: `${base}:active`,
		dead: `${base}:dead`,
		deadOrder: `${base}:dead-order`,
		meta: `${base}:meta`,
		adds: `${base}:adds`,
		wake: `${base}:wake`,
	};
}
