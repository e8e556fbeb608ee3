/**
 * What crosses the script boundary: record fields built for `add`, errors as JSON text, and the
 * flat string arrays scripts return, turned back into `AddResult`s, `LeasedJob`s,
 * `DeadJobRecord`s and `JobRecord`s.
 * @module
 */

import { randomBytes } from "node:crypto";
import { StoreError } from "@jobs/core";
import {
	type AddResult,
	checkKeepPolicy,
	type DeadJobRecord,
	type JobErrorInfo,
	type JobEventType,
	type JobKeep,
	type JobRecord,
	type JobState,
	type KeepPolicy,
	type LeasedJob,
	type NewJob,
	type StoredEvent,
} from "@jobs/core/store";

/** The `lastError` a sweep records; the same words as the memory store. */
export const LEASE_EXPIRED: JobErrorInfo = {
	message: "lease expired before the job was settled (worker crashed or stalled)",
};

/** Strings per leased job in a script reply (see src/lua/lib/take.lua). */
const LEASED_FIELDS = 1;
/** Strings per dead job in a dead-letter reply (see src/lua/dead-letter.lua). */
const DEAD_FIELDS = 7;

/** The letters a unique spec's states go by in add.lua. */
const STATE_LETTERS = { ready: "r", delayed: "d", active: "a" } as const;

/**
 * A new job's record fields for `add.lua`, which adds the version and the add time (see
 * src/lua/lib/record.lua): `head`, the fields `N<nameLen>` and any of `M<maxAttempts>`, `P<priority>`,
 * `I<jobIdLen>`, `U<uniqueKeyLen>`, `G<groupLen>`, `K<keepLen>`; `body`, the name, jobId, unique
 * key, group and retention, then the payload.
 * Lengths count UTF-8 bytes, as Lua's `#` does.
 */
export function recordFields(job: NewJob): { head: string; body: string } {
	let head = `N${Buffer.byteLength(job.name)}`;
	let body = job.name;
	if (job.maxAttempts !== undefined) head += `M${plain(job.maxAttempts)}`;
	if (job.priority !== undefined && job.priority > 0) head += `P${plain(job.priority)}`;
	if (job.jobId !== undefined) {
		head += `I${Buffer.byteLength(job.jobId)}`;
		body += job.jobId;
	}
	if (job.unique !== undefined) {
		head += `U${Buffer.byteLength(job.unique.key)}`;
		body += job.unique.key;
	}
	if (job.group !== undefined) {
		head += `G${Buffer.byteLength(job.group)}`;
		body += job.group;
	}
	if (job.retention !== undefined) {
		const keep = encodeJobKeep(job.retention);
		head += `K${keep.length}`;
		body += keep;
	}
	return { head, body: body + job.payload };
}

/**
 * A job's own retention as the record keeps it (field K): `<completed>/<dead>`, each empty (not
 * given), `n` (keep none) or `<count>.<age>` (either may be empty: no limit). Digits, `.`, `/`
 * and `n` only: no comma, so it travels inside the lease head of a take reply.
 */
export function encodeJobKeep(keep: JobKeep): string {
	const one = (policy: KeepPolicy | false | undefined) => {
		if (policy === undefined) return "";
		if (policy === false) return "n";
		return `${policy.count === undefined ? "" : plain(policy.count)}.${policy.age === undefined ? "" : plain(policy.age)}`;
	};
	return `${one(keep.completed)}/${one(keep.dead)}`;
}

/** The inverse of {@link encodeJobKeep}. */
export function decodeJobKeep(text: string): JobKeep {
	const one = (part: string): KeepPolicy | false | undefined => {
		if (part === "") return undefined;
		if (part === "n") return false;
		const [count = "", age = ""] = part.split(".");
		const policy: KeepPolicy = {};
		if (count !== "") policy.count = Number(count);
		if (age !== "") policy.age = Number(age);
		return policy;
	};
	const [completed = "", dead = ""] = text.split("/");
	const keep: JobKeep = {};
	const c = one(completed);
	const d = one(dead);
	if (c !== undefined) keep.completed = c;
	if (d !== undefined) keep.dead = d;
	return keep;
}

/** The modes of add.lua, in order: each takes the jobs of the ones before it. */
export type AddMode = "p" | "q" | "g" | "x";

/**
 * The mode an add call needs once `job` joins it, `mode` being its mode so far (see
 * src/lua/add.lua): `x` for a jobId or a unique key, `g` for a group or the job's own retention,
 * `q` for a priority, else `p`.
 */
export function addMode(mode: AddMode, job: NewJob): AddMode {
	if (mode === "x" || job.jobId !== undefined || job.unique !== undefined) return "x";
	if (mode === "g" || job.group !== undefined || job.retention !== undefined) return "g";
	return job.priority !== undefined ? "q" : mode;
}

/**
 * When the job is due: `""` ready now, `+ms` after a delay, `@epochMs` at a time; then, for a
 * unique job, `!<ttl>,<state letters>,<k|r>`.
 */
export function dueSpec(job: NewJob): string {
	let spec = "";
	if (job.delay !== undefined && job.delay > 0) spec = `+${plain(job.delay)}`;
	else if (job.runAt !== undefined) spec = `@${plain(Math.floor(job.runAt))}`;
	const unique = job.unique;
	if (unique === undefined) return spec;
	const ttl = unique.ttl === undefined ? "" : plain(Math.ceil(unique.ttl));
	const states = (unique.states ?? []).map((state) => STATE_LETTERS[state]).join("");
	return `${spec}!${ttl},${states},${unique.onConflict === "replace" ? "r" : "k"}`;
}

/** A number as plain decimal digits (never `1e+21`), which Lua's tonumber reads back exactly. */
export function plain(n: number): string {
	// String() of a safe integer is plain digits; larger ones would print an exponent from 1e21.
	if (Number.isSafeInteger(n)) return String(n);
	return Number.isInteger(n) ? BigInt(n).toString() : n.toFixed(3);
}

/** Policy texts of frozen policies, already checked: the queue's own are, and are sent per settle. */
const policyTexts = new WeakMap<object, string>();
// Starts as no policy at all (the map itself).
let lastPolicy: unknown = policyTexts;
let lastPolicyText = "";

/**
 * A keep policy as settle-many reads it, `<count>,<age>` (each empty for no limit), checked:
 * `InvalidOptionError` for a bad one. A frozen policy is checked and formatted once.
 */
export function policyText(option: string, keep: unknown): string {
	// The queue's one policy comes with every settle: the last one is at hand without a lookup.
	if (keep === lastPolicy) return lastPolicyText;
	const known = typeof keep === "object" && keep !== null ? policyTexts.get(keep) : undefined;
	if (known !== undefined) {
		lastPolicy = keep;
		lastPolicyText = known;
		return known;
	}
	const policy = checkKeepPolicy(option, keep);
	const text = `${policy.count === undefined ? "" : plain(policy.count)},${policy.age === undefined ? "" : plain(policy.age)}`;
	if (Object.isFrozen(keep)) policyTexts.set(keep as object, text);
	return text;
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

/**
 * Where a text of `bytes` UTF-8 bytes that starts at `start` of `text` ends: Lua measures in bytes,
 * a JS string in UTF-16 units (an ASCII text, the usual id, takes one step per byte).
 */
export function afterBytes(text: string, start: number, bytes: number): number {
	let i = start;
	let left = bytes;
	while (left > 0 && i < text.length) {
		const c = text.charCodeAt(i);
		if (c < 0x80) left -= 1;
		else if (c < 0x800) left -= 2;
		else if (c >= 0xd800 && c < 0xdc00 && i + 1 < text.length) {
			// A surrogate pair: one code point of 4 bytes.
			left -= 4;
			i++;
		} else left -= 3;
		i++;
	}
	return i;
}

/** `count` leased jobs of a reply whose shape was checked, starting at index `at`. */
function readLeased(r: readonly string[], at: number, count: number): LeasedJob[] {
	const jobs: LeasedJob[] = new Array(count);
	for (let k = 0, i = at; k < count; k++, i += LEASED_FIELDS) {
		// `<idLen>:<id><token>,<attempts>,<maxAttempts>,<keep>,<groupLen>,<nameLen>,<errLen>:<err>
		// <group><name><payload>`: id, err, group and name may hold anything, so they are
		// length-prefixed (in bytes; groupLen is empty for no group).
		const head = r[i]!;
		const colon = head.indexOf(":");
		const idEnd = afterBytes(head, colon + 1, Number(head.slice(0, colon)));
		const a = head.indexOf(",", idEnd);
		const b = head.indexOf(",", a + 1);
		const kp = head.indexOf(",", b + 1);
		const g = head.indexOf(",", kp + 1);
		const c = head.indexOf(",", g + 1);
		const d = head.indexOf(",", c + 1);
		const e = head.indexOf(":", d + 1);
		if (colon < 1 || e < 0) throw unexpected(r);
		const errEnd = afterBytes(head, e + 1, Number(head.slice(d + 1, e)));
		const groupEnd = c > g + 1 ? afterBytes(head, errEnd, Number(head.slice(g + 1, c))) : errEnd;
		const nameEnd = afterBytes(head, groupEnd, Number(head.slice(c + 1, d)));
		const job: LeasedJob = {
			id: head.slice(colon + 1, idEnd),
			name: head.slice(groupEnd, nameEnd),
			payload: head.slice(nameEnd),
			attempts: Number(head.slice(a + 1, b)),
			token: head.slice(idEnd, a),
		};
		if (kp > b + 1) job.maxAttempts = Number(head.slice(b + 1, kp));
		if (g > kp + 1) job.retention = decodeJobKeep(head.slice(kp + 1, g));
		if (errEnd > e + 1) job.lastError = decodeError(head.slice(e + 1, errEnd));
		if (groupEnd > errEnd) job.group = head.slice(errEnd, groupEnd);
		jobs[k] = job;
	}
	return jobs;
}

/**
 * A settle-many reply, `{ now, nextDue, notes, one status per entry, one string per leased job }`: the
 * statuses (see {@link SETTLE_STALE}, {@link SETTLE_CORRUPT}; otherwise how many jobs the entry
 * leased) and a reader of each entry's jobs, which follow in entry order.
 */
export function settleReply(
	reply: unknown,
	entries: number,
): { statuses: number[]; jobsOf(entry: number): LeasedJob[] } {
	const from = 3 + entries;
	const r = strings(reply, from, LEASED_FIELDS) as unknown as (string | number)[];
	const statuses = new Array<number>(entries);
	const offsets = new Array<number>(entries);
	let at = from;
	for (let k = 0; k < entries; k++) {
		const status = r[3 + k];
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
export function deadJobs(reply: unknown, from: number): DeadJobRecord[] {
	const r = strings(reply, from, DEAD_FIELDS);
	const jobs: DeadJobRecord[] = [];
	for (let i = from; i < r.length; i += DEAD_FIELDS) {
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

/** Strings per job in a getJob or listJobs reply (see src/lua/lib/describe.lua). */
const JOB_FIELDS = 18;

/** The jobs of a getJob or listJobs reply, from index `from` to the end. */
export function jobRecords(reply: unknown, from: number): JobRecord[] {
	const r = strings(reply, from, JOB_FIELDS);
	const jobs: JobRecord[] = [];
	for (let i = from; i < r.length; i += JOB_FIELDS) {
		const job: JobRecord = {
			id: r[i]!,
			state: r[i + 1] as JobState,
			name: r[i + 2]!,
			payload: r[i + 3]!,
			attempts: Number(r[i + 4]),
			addedAt: Number(r[i + 7]),
		};
		if (r[i + 5] !== "") job.maxAttempts = Number(r[i + 5]);
		if (r[i + 6] !== "") job.lastError = decodeError(r[i + 6]!);
		if (r[i + 8] !== "") job.dueAt = Number(r[i + 8]);
		if (r[i + 9] !== "") job.leasedAt = Number(r[i + 9]);
		if (r[i + 10] !== "") job.leaseExpiresAt = Number(r[i + 10]);
		if (r[i + 11] !== "") job.failedAt = Number(r[i + 11]);
		if (r[i + 12] !== "") job.uniqueKey = r[i + 12];
		if (r[i + 13] !== "") job.finishedAt = Number(r[i + 13]);
		if (r[i + 14] !== "") job.result = r[i + 14]!.slice(1);
		if (r[i + 15] !== "") job.progress = r[i + 15]!.slice(1);
		if (r[i + 16] !== "") job.priority = Number(r[i + 16]);
		if (r[i + 17] !== "") job.group = r[i + 17];
		jobs.push(job);
	}
	return jobs;
}

/**
 * The results of an add call: `reply` is the first seq (no job had a jobId or unique key) or
 * `[first, one outcome per job]` (see src/lua/add.lua).
 */
export function addResults(reply: unknown, jobs: readonly NewJob[]): AddResult[] {
	const first = Number(Array.isArray(reply) ? reply[0] : reply);
	if (!Number.isSafeInteger(first)) throw unexpected(reply);
	if (!Array.isArray(reply)) return jobs.map((_, i) => ({ id: String(first + i), created: true }));
	if (reply.length !== jobs.length + 1) throw unexpected(reply);
	return jobs.map((job, i): AddResult => {
		const outcome = String(reply[i + 1]);
		if (outcome === "") return { id: job.jobId ?? String(first + i), created: true };
		const id = outcome.slice(1);
		if (outcome[0] === "j") return { id, created: false, existing: "jobId" };
		return { id, created: false, existing: "unique", replaced: outcome[0] === "r" };
	});
}

/** A cursor of the event stream: an event's number (see `emit` in src/lua/lib/common.lua). */
export const EVENT_CURSOR = /^\d+$/;

/**
 * The events of stream entries (see `emit` in src/lua/lib/common.lua) as {@link StoredEvent}s:
 * those numbered after `after` (a cursor; absent: all), at most `limit`. An entry's id is the
 * number of its last event, and its fields are `T` time, `c` count, then per event its type's
 * code and `<attempt>,<idLen>:<id><name>`, then its extras: r result, p progress, e error, d due
 * time.
 */
export function storedEvents(
	entries: readonly [string, string[]][],
	after: number | undefined,
	limit: number,
): StoredEvent[] {
	const events: StoredEvent[] = [];
	for (const [id, fields] of entries) {
		const at = Number(fields[1]);
		let number = Number(id.slice(0, id.indexOf("-"))) - Number(fields[3]);
		let event: StoredEvent | undefined;
		for (let i = 4; i + 1 < fields.length; i += 2) {
			const field = fields[i]!;
			const value = fields[i + 1]!;
			if (field.length > 1) {
				number++;
				event = undefined;
				if (after !== undefined && number <= after) continue;
				if (events.length === limit) return events;
				event = eventHead(String(number), EVENT_TYPES[field] ?? (field as JobEventType), value, at);
				events.push(event);
			} else if (event !== undefined) {
				if (field === "r") event.result = value;
				else if (field === "p") event.progress = value;
				else if (field === "e") event.error = decodeError(value);
				else if (field === "d") event.dueAt = Number(value);
			}
		}
	}
	return events;
}

/** The types of events by their codes in the stream (EVENT_CODES in src/lua/lib/common.lua). */
export const EVENT_TYPES: Readonly<Record<string, JobEventType>> = {
	ad: "added",
	ac: "active",
	pr: "progress",
	co: "completed",
	rt: "retrying",
	fa: "failed",
	st: "stalled",
	wa: "waiting",
	rm: "removed",
};

/** An event from its number, type, `<attempt>,<idLen>:<id><name>` and time. */
function eventHead(id: string, type: JobEventType, head: string, at: number): StoredEvent {
	const comma = head.indexOf(",");
	const colon = head.indexOf(":", comma);
	const idEnd = afterBytes(head, colon + 1, Number(head.slice(comma + 1, colon)));
	return {
		id,
		type,
		jobId: head.slice(colon + 1, idEnd),
		name: head.slice(idEnd),
		attempt: Number(head.slice(0, comma)),
		at,
	};
}
