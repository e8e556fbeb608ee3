/**
 * What crosses the script boundary: record tails built for `add`, errors as JSON text, and the
 * flat string arrays scripts return, turned back into `LeasedJob`s and `DeadJobRecord`s.
 * @module
 */

import { randomBytes } from "node:crypto";
import {
	type DeadJobRecord,
	type JobErrorInfo,
	type LeasedJob,
	type NewJob,
	StoreError,
} from "@jobs/core";

/** The `lastError` a sweep records; the same words as the memory store. */
export const LEASE_EXPIRED: JobErrorInfo = {
	message: "lease expired before the job was settled (worker crashed or stalled)",
};

/** Strings per leased job in a script reply (see src/lua/lib/take.lua). */
const LEASED_FIELDS = 3;
/** Strings per dead job in a dead-letter reply (see src/lua/dead-letter.lua). */
const DEAD_FIELDS = 7;

/**
 * A new job's record without its id, which the script puts in front: the short form
 * `<nameLen>|<name><payload>` (attempts 0, no maxAttempts, no error), or the full form
 * `,0,<maxAttempts>,<nameLen>,0|<name><payload>` when `add` gave a maxAttempts (see
 * src/lua/lib/common.lua). Lengths count UTF-8 bytes, as Lua's `#` does.
 */
export function recordTail(job: NewJob): string {
	const nameLen = Buffer.byteLength(job.name);
	if (job.maxAttempts === undefined) return `${nameLen}|${job.name}${job.payload}`;
	return `,0,${plain(job.maxAttempts)},${nameLen},0|${job.name}${job.payload}`;
}

/** When the job is due: `""` ready now, `+ms` after a delay, `@epochMs` at a time. */
export function dueSpec(job: NewJob): string {
	if (job.delay !== undefined && job.delay > 0) return `+${plain(job.delay)}`;
	if (job.runAt !== undefined) return `@${plain(Math.floor(job.runAt))}`;
	return "";
}

/** A number as plain decimal digits (never `1e+21`), which Lua's tonumber reads back exactly. */
export function plain(n: number): string {
	// String() of a safe integer is plain digits; larger ones would print an exponent from 1e21.
	if (Number.isSafeInteger(n)) return String(n);
	return Number.isInteger(n) ? BigInt(n).toString() : n.toFixed(3);
}

/** An error as stored: JSON text of its documented fields only. Lua never decodes it. */
export function encodeError(error: JobErrorInfo): string {
	const info: JobErrorInfo = { message: String(error.message) };
	if (typeof error.name === "string") info.name = error.name;
	if (typeof error.stack === "string") info.stack = error.stack;
	return JSON.stringify(info);
}

function decodeError(text: string): JobErrorInfo {
	try {
		const info = JSON.parse(text) as JobErrorInfo;
		if (typeof info?.message === "string") return info;
	} catch {
		// fall through: keep what is there rather than lose it
	}
	return { message: text };
}

/**
 * Lease token bases: a random prefix (96 bits, 16 characters) drawn once, plus a counter. The
 * scripts append `.1`, `.2`, … per job, so every token is unique, which is all fencing needs,
 * and no other process can predict this one's tokens. Drawing 12 random bytes per call instead
 * cost a tenth of a busy worker's CPU. A fresh prefix is drawn after `maxCount` bases, so the
 * counter never loses precision.
 */
export class TokenSource {
	readonly #maxCount: number;
	#prefix = "";
	#count: number;

	constructor(maxCount = 2 ** 48) {
		this.#maxCount = maxCount;
		this.#count = maxCount;
	}

	/** A base no earlier call of any `TokenSource` returned (with overwhelming probability). */
	next(): string {
		if (++this.#count >= this.#maxCount) {
			this.#prefix = randomBytes(12).toString("base64url");
			this.#count = 0;
		}
		// The prefix has a fixed length and the counter has no `.`: prefix + counter + `.i` is
		// read back one way only.
		return this.#prefix + this.#count.toString(36);
	}
}

function unexpected(reply: unknown): StoreError {
	return new StoreError(`unexpected reply from Redis: ${JSON.stringify(reply)?.slice(0, 200)}`);
}

function strings(reply: unknown, from: number, fields: number): string[] {
	if (!Array.isArray(reply) || (reply.length - from) % fields !== 0) throw unexpected(reply);
	return reply as string[];
}

/** The leased jobs in a script reply, from index `from` to the end. */
export function leasedJobs(reply: unknown, from: number): LeasedJob[] {
	const r = strings(reply, from, LEASED_FIELDS);
	return readLeased(r, from, (r.length - from) / LEASED_FIELDS);
}

/** `count` leased jobs of a reply whose shape was checked, starting at index `at`. */
function readLeased(r: readonly string[], at: number, count: number): LeasedJob[] {
	const jobs: LeasedJob[] = new Array(count);
	for (let k = 0, i = at; k < count; k++, i += LEASED_FIELDS) {
		// `<id>,<token>,<attempts>,<maxAttempts>,<err>`: err, the rest, may hold commas.
		const head = r[i]!;
		const a = head.indexOf(",");
		const b = head.indexOf(",", a + 1);
		const c = head.indexOf(",", b + 1);
		const d = head.indexOf(",", c + 1);
		if (d < 0) throw unexpected(r);
		const job: LeasedJob = {
			id: head.slice(0, a),
			name: r[i + 1]!,
			payload: r[i + 2]!,
			attempts: Number(head.slice(b + 1, c)),
			token: head.slice(a + 1, b),
		};
		if (d > c + 1) job.maxAttempts = Number(head.slice(c + 1, d));
		if (d + 1 < head.length) job.lastError = decodeError(head.slice(d + 1));
		jobs[k] = job;
	}
	return jobs;
}

/**
 * A settle-many reply, `{ now, nextDue, one status per entry, 3 strings per leased job }`: the
 * statuses (see {@link SETTLE_STALE}, {@link SETTLE_CORRUPT}; otherwise how many jobs the entry
 * leased) and a reader of each entry's jobs, which follow in entry order.
 */
export function settleReply(
	reply: unknown,
	entries: number,
): { statuses: number[]; jobsOf(entry: number): LeasedJob[] } {
	const from = 2 + entries;
	const r = strings(reply, from, LEASED_FIELDS) as unknown as (string | number)[];
	const statuses = new Array<number>(entries);
	const offsets = new Array<number>(entries);
	let at = from;
	for (let k = 0; k < entries; k++) {
		const status = r[2 + k];
		if (typeof status !== "number") throw unexpected(reply);
		statuses[k] = status;
		offsets[k] = at;
		if (status > 0) at += status * LEASED_FIELDS;
	}
	if (at !== r.length) throw unexpected(reply);
	return {
		statuses,
		jobsOf: (k) => {
			const count = statuses[k]!;
			return count > 0 ? readLeased(r as string[], offsets[k]!, count) : [];
		},
	};
}

/** Settle-many status of an entry whose token was stale: nothing changed, nothing leased. */
export const SETTLE_STALE = -1;
/** Settle-many status of an entry whose active record could not be read: nothing changed. */
export const SETTLE_CORRUPT = -2;

/** The dead jobs in a dead-letter reply. */
export function deadJobs(reply: unknown): DeadJobRecord[] {
	const r = strings(reply, 0, DEAD_FIELDS);
	const jobs: DeadJobRecord[] = [];
	for (let i = 0; i < r.length; i += DEAD_FIELDS) {
		const job: DeadJobRecord = {
			id: r[i]!,
			name: r[i + 4]!,
			payload: r[i + 6]!,
			attempts: Number(r[i + 2]),
			error: decodeError(r[i + 5]!),
			failedAt: Number(r[i + 1]),
		};
		const max = r[i + 3]!;
		if (max !== "") job.maxAttempts = Number(max);
		jobs.push(job);
	}
	return jobs;
}
