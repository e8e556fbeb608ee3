/**
 * Reads the Redis store's structure with raw commands, bypassing the store, and checks it.
 * Takes the key layout from the store (`queueKeys`, `recordKey`) and mirrors the record and
 * lease formats of packages/store-redis/src/lua/lib/common.lua and lib/record.lua (see the
 * store's README); if those change, this file changes with them.
 * @module
 */
import type { JobStats } from "@jobs/core";
import { queueKeys, recordKey } from "@jobs/store-redis";
import type { Redis } from "ioredis";

/** The keys of the queue under `prefix`, derived by the store's own code. */
export const storeKeys = queueKeys;

/** Whether a record `1<fields>|…` is one this file can read: version 1, well-formed fields. */
export function isRecord(record: string): boolean {
	return /^1N\d+(?:[A-Z][0-9a-z]*)*\|/.test(record);
}

/** An active entry `<expiry>,<token>,<attempts>,<leasedAt>[,x]`. */
export function parseActive(
	value: string,
): { expiry: number; token: string; attempts: number } | undefined {
	const m = /^(\d+),([^,]+),(\d+),(\d+)(,x)?$/.exec(value);
	if (!m) return undefined;
	return { expiry: Number(m[1]), token: m[2]!, attempts: Number(m[3]) };
}

/** The fields of `active` that hold no lease, beside the pin and `:due`. */
const NOT_LEASES = new Set([":paused", ":rate", ":conc", ":block"]);

export interface Snapshot {
	/** Server time of the snapshot, epoch ms. */
	now: number;
	/** Seqs of the jobs in each place; `ready` holds every line, `ready` first, by priority. */
	ready: string[];
	/** The lines of priorities: priority → its seqs, as `prios` lists them. */
	lines: Map<string, string[]>;
	delayed: { id: string; due: number }[];
	active: { id: string; value: string; expiry?: number; token?: string; attempts?: number }[];
	/** Seqs of the completed jobs kept by retention (`done`), oldest first. */
	done: string[];
	/** `progress`: seq → the value its running attempt reported. */
	progress: Record<string, string>;
	/** The event stream's entries (`events`): id and fields. */
	events: [string, string[]][];
	/** The lease index `lease-exp`: seq and score (the lease's expiry). */
	leaseExp: { id: string; expiry: number }[];
	/** Seqs in `dead-order`. */
	deadOrder: string[];
	/** Seqs that have a record. */
	records: string[];
	dueMarker: number | undefined;
	meta: Record<string, string>;
	/** Entries and records that did not parse. */
	malformed: string[];
	/** The rate limit's starts (`starts`): time and count, oldest first. */
	starts: { at: number; count: number }[];
}

/**
 * Reads every structure of the queue in one MULTI, so the snapshot is one instant. The lines to
 * read are those `prios` listed just before: a snapshot whose `prios` moved since is read again.
 */
export async function snapshot(redis: Redis, prefix: string): Promise<Snapshot> {
	for (let attempt = 0; attempt < 100; attempt++) {
		const levels = await redis.zrange(storeKeys(prefix).prios, 0, "-1", "WITHSCORES");
		const snap = await snapshotWith(redis, prefix, levels);
		if (snap) return snap;
	}
	throw new Error("snapshot: the lines of priorities kept moving");
}

async function snapshotWith(
	redis: Redis,
	prefix: string,
	levels: string[],
): Promise<Snapshot | undefined> {
	const k = storeKeys(prefix);
	// Every bucket a job of this queue can be in: seqs run from 1 to the counter.
	const lastSeq = Number((await redis.hget(k.meta, "id")) ?? 0);
	const buckets = Array.from({ length: Math.floor(lastSeq / 100) + 1 }, (_, b) =>
		recordKey(k, String(b * 100 + 99)),
	);
	let multi = redis
		.multi()
		.time()
		.lrange(k.ready, 0, -1)
		.zrange(k.delayed, 0, "-1", "WITHSCORES")
		.hgetall(k.active)
		.zrange(k.leaseExp, 0, "-1", "WITHSCORES")
		.zrange(k.deadOrder, 0, "-1")
		.hgetall(k.meta)
		.lrange(k.done, 0, -1)
		.hgetall(k.progress)
		.xrange(k.events, "-", "+")
		.zrange(k.prios, 0, "-1", "WITHSCORES")
		.lrange(k.starts, 0, -1);
	for (let i = 0; i < levels.length; i += 2) multi = multi.lrange(k.lines + levels[i], 0, -1);
	for (const bucket of buckets) multi = multi.hgetall(bucket);
	const replies = await multi.exec();
	if (!replies) throw new Error("snapshot: MULTI aborted");
	for (const [error] of replies) if (error) throw error;
	const [
		time,
		ready,
		delayed,
		active,
		leaseExp,
		deadOrder,
		meta,
		done,
		progress,
		events,
		prios,
		starts,
		...rest
	] = replies.map(([, r]) => r) as [
		[string, string],
		string[],
		string[],
		Record<string, string>,
		string[],
		string[],
		Record<string, string>,
		string[],
		Record<string, string>,
		[string, string[]][],
		string[],
		string[],
		...unknown[],
	];
	if (prios.join(",") !== levels.join(",")) return undefined;
	const lineSeqs = rest.slice(0, levels.length / 2) as string[][];
	const recordSets = rest.slice(levels.length / 2) as Record<string, string>[];
	const malformed: string[] = [];
	const lines = new Map<string, string[]>();
	for (let i = 0; i < levels.length; i += 2) {
		const level = levels[i]!;
		const seqs = lineSeqs[i / 2]!;
		lines.set(level, seqs);
		if (!/^[1-9]\d*$/.test(level) || levels[i + 1] !== level) {
			malformed.push(`prios: ${level} scored ${levels[i + 1]}`);
		}
		if (seqs.length === 0) malformed.push(`prios: ${level} lists an empty line`);
	}
	const records: string[] = [];
	for (const set of recordSets) {
		for (const [seq, record] of Object.entries(set)) {
			records.push(seq);
			if (!isRecord(record)) malformed.push(`record ${seq}: ${record.slice(0, 60)}`);
		}
	}
	const snap: Snapshot = {
		now: Number(time[0]) * 1000 + Math.floor(Number(time[1]) / 1000),
		ready: [...ready, ...[...lines.values()].flat()],
		lines,
		delayed: [],
		active: [],
		leaseExp: [],
		deadOrder,
		done,
		progress,
		events,
		records,
		dueMarker: undefined,
		meta,
		malformed,
		starts: [],
	};
	for (const entry of starts) {
		const m = /^(\d+),(\d+)$/.exec(entry);
		if (m) snap.starts.push({ at: Number(m[1]), count: Number(m[2]) });
		else malformed.push(`starts: ${entry.slice(0, 60)}`);
	}
	// Each job's priority as its record says, to check the line or member that holds it.
	const priorities = new Map<string, string>();
	for (const set of recordSets) {
		for (const [seq, record] of Object.entries(set)) {
			const p = /^1N\d+(?:A\d+)?(?:M\d+)?P(\d+)/.exec(record)?.[1];
			if (p) priorities.set(seq, p);
		}
	}
	for (const seq of snap.ready)
		if (!/^\d+$/.test(seq)) malformed.push(`ready: ${seq.slice(0, 60)}`);
	for (const seq of ready) {
		if (priorities.has(seq)) malformed.push(`ready: ${seq} has priority ${priorities.get(seq)}`);
	}
	for (const [level, seqs] of lines) {
		for (const seq of seqs) {
			const p = priorities.get(seq);
			if (p !== level) malformed.push(`line ${level}: ${seq} has priority ${p ?? "0"}`);
		}
	}
	for (let i = 0; i < delayed.length; i += 2) {
		const member = delayed[i]!;
		const [body, priority] = member.split("/");
		const seq = body!.slice(1);
		if (member.charCodeAt(0) - 64 !== seq.length || !/^\d+$/.test(seq)) {
			malformed.push(`delayed: ${member.slice(0, 60)}`);
		}
		if (priority !== priorities.get(seq)) {
			malformed.push(`delayed: ${member} for a job of priority ${priorities.get(seq) ?? "0"}`);
		}
		snap.delayed.push({ id: seq, due: Number(delayed[i + 1]) });
	}
	for (let i = 0; i < leaseExp.length; i += 2) {
		// The pin (see lib/common.lua) keeps the set a skiplist; it is no lease.
		if (isPin(leaseExp[i]!) && leaseExp[i + 1] === "inf") continue;
		snap.leaseExp.push({ id: leaseExp[i]!, expiry: Number(leaseExp[i + 1]) });
	}
	for (const [field, value] of Object.entries(active)) {
		if (isPin(field)) continue;
		if (field === ":due") {
			snap.dueMarker = Number(value);
			continue;
		}
		// The pause flag (pause.lua) and the limits (lib/limits.lua) are no leases either.
		if (NOT_LEASES.has(field)) continue;
		const lease = parseActive(value);
		snap.active.push({
			id: field,
			value,
			expiry: lease?.expiry,
			token: lease?.token,
			attempts: lease?.attempts,
		});
		if (!lease) malformed.push(`active ${field}: ${value.slice(0, 60)}`);
	}
	return snap;
}

/** Where each job id is: a map id → list of places (more than one is a violation). */
export function placesOf(snap: Snapshot): Map<string, string[]> {
	const places = new Map<string, string[]>();
	const put = (id: string, place: string) => {
		const list = places.get(id);
		if (list) list.push(place);
		else places.set(id, [place]);
	};
	for (const id of snap.ready) put(id, "ready");
	for (const { id } of snap.delayed) put(id, "delayed");
	for (const { id } of snap.active) put(id, "active");
	for (const id of snap.deadOrder) put(id, "dead");
	for (const id of snap.done) put(id, "completed");
	return places;
}

/**
 * The store's own invariants: no job in two places (or twice in one), every job in a place has
 * a record and every record a place, every active job has a well-formed lease, every lease is in
 * the index `lease-exp` scored by its expiry and every entry there is a lease, the `:due`
 * marker is a lower bound of the earliest delayed job, and — when `stats` is given (read while
 * nothing moved) — the counts balance with `stats()`.
 */
export function structureViolations(snap: Snapshot, stats?: JobStats): string[] {
	const violations: string[] = [];
	const started = snap.starts.reduce((sum, e) => sum + e.count, 0);
	if (snap.starts.length > 0 && started !== Number(snap.meta.started ?? 0)) {
		violations.push(`the rate window holds ${started} starts, meta says ${snap.meta.started}`);
	}
	for (let i = 1; i < snap.starts.length; i++) {
		if (snap.starts[i]!.at < snap.starts[i - 1]!.at) {
			violations.push(`the rate window's starts are out of order at ${i}`);
		}
	}
	for (const m of snap.malformed) violations.push(`malformed entry (no lease or bad record): ${m}`);
	for (const [id, where] of placesOf(snap)) {
		if (where.length > 1)
			violations.push(`job ${id} is in ${where.length} places: ${where.join(", ")}`);
	}
	const places = placesOf(snap);
	const recorded = new Set(snap.records);
	for (const [id, where] of places) {
		if (!recorded.has(id)) violations.push(`job ${id} is ${where.join(", ")} but has no record`);
	}
	for (const id of recorded) {
		if (!places.has(id)) violations.push(`job ${id} has a record but is in no place (lost)`);
	}
	const indexed = new Map(snap.leaseExp.map((e) => [e.id, e.expiry]));
	for (const lease of snap.active) {
		const score = indexed.get(lease.id);
		if (score === undefined) {
			violations.push(`job ${lease.id} is active but not in lease-exp (no sweep would find it)`);
		} else if (lease.expiry !== undefined && score !== lease.expiry) {
			violations.push(
				`lease-exp scores job ${lease.id} at ${score}, its lease expires at ${lease.expiry}`,
			);
		}
	}
	const leased = new Set(snap.active.map((lease) => lease.id));
	for (const { id } of snap.leaseExp) {
		if (!leased.has(id)) violations.push(`lease-exp holds job ${id}, which has no lease`);
	}
	if (snap.delayed.length > 0) {
		const earliest = Math.min(...snap.delayed.map((d) => d.due));
		if (snap.dueMarker === undefined) {
			violations.push(
				`${snap.delayed.length} delayed jobs but no :due marker (they would never be promoted)`,
			);
		} else if (snap.dueMarker > earliest) {
			violations.push(
				`:due marker ${snap.dueMarker} is later than the earliest delayed job (${earliest})`,
			);
		}
	}
	violations.push(...progressViolations(snap), ...eventViolations(snap));
	const lastId = Number(snap.meta.id ?? 0);
	for (const [id] of placesOf(snap)) {
		if (Number(id) > lastId) violations.push(`job ${id} is above the id counter ${lastId}`);
	}
	if (stats) {
		const due = snap.delayed.filter((d) => d.due <= snap.now).length;
		const expected = {
			ready: snap.ready.length + due,
			delayed: snap.delayed.length - due,
			active: snap.active.length,
			dead: snap.deadOrder.length,
			completed: snap.done.length,
		};
		// A delayed job can fall due between the snapshot and stats(): compare the sums there.
		if (
			stats.ready + stats.delayed !== expected.ready + expected.delayed ||
			stats.active !== expected.active ||
			stats.dead !== expected.dead ||
			(stats.completed ?? 0) !== expected.completed
		) {
			violations.push(
				`stats() ${JSON.stringify(stats)} does not balance with the keys ${JSON.stringify(expected)}`,
			);
		}
	}
	return violations;
}

/** A progress value belongs to a running attempt: its job is active, its lease flagged `,x`. */
function progressViolations(snap: Snapshot): string[] {
	const leases = new Map(snap.active.map((lease) => [lease.id, lease.value]));
	const violations: string[] = [];
	for (const seq of Object.keys(snap.progress)) {
		const lease = leases.get(seq);
		if (lease === undefined)
			violations.push(`progress of job ${seq}, which is not active (left behind)`);
		else if (!lease.endsWith(",x"))
			violations.push(`progress of job ${seq}, whose lease is not flagged: ${lease}`);
	}
	return violations;
}

/**
 * The event stream (lib/common.lua): each entry `<n>-0` holds `T` time, `c` count and that many
 * events, numbered without a gap from one entry to the next, the newest numbered `evseq`.
 */
function eventViolations(snap: Snapshot): string[] {
	const violations: string[] = [];
	let previous: number | undefined;
	for (const [id, fields] of snap.events) {
		const last = Number(/^(\d+)-0$/.exec(id)?.[1] ?? Number.NaN);
		const count = Number(fields[3]);
		const types = fields.filter((field, i) => i >= 4 && i % 2 === 0 && field.length > 1).length;
		if (fields[0] !== "T" || fields[2] !== "c" || !(count >= 1) || Number.isNaN(last)) {
			violations.push(`malformed event entry ${id}: ${fields.slice(0, 6).join(" ")}`);
			continue;
		}
		if (types !== count)
			violations.push(`event entry ${id} says ${count} events and holds ${types}`);
		if (previous !== undefined && last - count !== previous) {
			violations.push(`events ${previous + 1}..${last - count} are missing before entry ${id}`);
		}
		previous = last;
	}
	if (previous !== undefined && String(previous) !== snap.meta.evseq) {
		violations.push(`the newest event is ${previous}, meta evseq says ${snap.meta.evseq}`);
	}
	return violations;
}

/** The pin entry of `active` and `lease-exp` (lib/common.lua): over 64 bytes, it keeps each in its fast encoding. */
function isPin(entry: string): boolean {
	return entry.startsWith(":pin:");
}
