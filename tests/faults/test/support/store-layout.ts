/**
 * Reads the Redis store's structure with raw commands, bypassing the store, and checks it.
 * Takes the key layout from the store (`queueKeys`, `recordKey`) and mirrors the record and
 * lease formats of packages/store-redis/src/lua/lib/common.lua and lib/record.lua (see the
 * store's README); if those change, this file changes with them.
 * @module
 */
import type { JobStats } from "@jobs/core";
import { groupKeys, queueKeys, recordKey } from "@jobs/store-redis";
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
const NOT_LEASES = new Set([
	":paused",
	":rate",
	":conc",
	":block",
	":glimits",
	":grouped",
	":u-rot",
]);

/** The string fields of a record, whose texts follow its `|` in the order the fields appear. */
const STRING_FIELDS = new Set(["N", "E", "I", "U", "G", "K", "R"]);

/** The group a record names (field G), or undefined; null for a record this file cannot read. */
export function recordGroup(record: string): string | undefined | null {
	const bar = record.indexOf("|");
	if (!isRecord(record)) return null;
	const bytes = Buffer.from(record.slice(bar + 1));
	let pos = 0;
	for (const [, field, value] of record.slice(1, bar).matchAll(/([A-Z])([0-9a-z]*)/g)) {
		if (!STRING_FIELDS.has(field!)) continue;
		const length = Number(value);
		if (field === "G") return bytes.subarray(pos, pos + length).toString();
		pos += length;
	}
	return undefined;
}

/** One group's keys as read (see packages/store-redis/src/lua/lib/common.lua). */
export interface GroupSnapshot {
	/** Its ready seqs: its `:r` line, then its lines of priorities. */
	ready: string[];
	/** Its `:r` line: its ready jobs of priority 0. */
	zero: string[];
	/** Its lines of priorities: priority → seqs. */
	lines: Map<string, string[]>;
	/** Its state hash `:s` (`a`, `p`, `r`). */
	state: Record<string, string>;
	/** Its rate window's starts `:t`. */
	starts: string[];
}

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
	/** The groups read: those of `groups`, `rot`, `held` and of every record. */
	groups: Map<string, GroupSnapshot>;
	/** `groups`: group → the sequence it got jobs ready at. */
	groupOrder: Map<string, number>;
	/** The rotation `rot`, head first ('' for the jobs without a group). */
	rotation: string[];
	/** The groups in `held`. */
	held: string[];
	/** The group of each job whose record names one: seq → group. */
	groupOf: Map<string, string>;
	/** The fields of `active` that are not leases: name → value. */
	activeFields: Record<string, string>;
}

/**
 * Reads every structure of the queue in one MULTI, so the snapshot is one instant. The lines to
 * read are those `prios` listed just before, and the groups those the indexes named just before
 * (with their lines), plus any a record named in an earlier try: a snapshot whose `prios` or
 * groups moved since, or that meets a group it did not read, is read again.
 */
export async function snapshot(redis: Redis, prefix: string): Promise<Snapshot> {
	const k = storeKeys(prefix);
	const seen = new Set<string>();
	for (let attempt = 0; attempt < 100; attempt++) {
		const levels = await redis.zrange(k.prios, 0, "-1", "WITHSCORES");
		const names = new Set<string>([
			...seen,
			...(await redis.zrange(k.groups, "0", "-1")),
			...(await redis.lrange(k.rotation, 0, -1)),
			...(await redis.smembers(k.held)),
		]);
		names.delete("");
		const groupLevels = new Map<string, string[]>();
		for (const g of [...names].sort())
			groupLevels.set(g, await redis.zrange(groupKeys(k, g).prios, "0", "-1"));
		const snap = await snapshotWith(redis, prefix, levels, groupLevels, seen);
		if (snap) return snap;
	}
	throw new Error("snapshot: the lines of priorities kept moving");
}

async function snapshotWith(
	redis: Redis,
	prefix: string,
	levels: string[],
	groupLevels: Map<string, string[]>,
	seen: Set<string>,
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
		.lrange(k.starts, 0, -1)
		.zrange(k.groups, 0, "-1", "WITHSCORES")
		.lrange(k.rotation, 0, -1)
		.smembers(k.held);
	for (let i = 0; i < levels.length; i += 2) multi = multi.lrange(k.lines + levels[i], 0, -1);
	for (const [g, lines] of groupLevels) {
		const gk = groupKeys(k, g);
		multi = multi
			.zrange(gk.prios, "0", "-1")
			.hgetall(gk.state)
			.lrange(gk.starts, 0, -1)
			.lrange(gk.ready, 0, -1);
		for (const p of lines) multi = multi.lrange(gk.lines + p, 0, -1);
	}
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
		groupOrder,
		rotation,
		held,
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
		string[],
		string[],
		string[],
		...unknown[],
	];
	if (prios.join(",") !== levels.join(",")) return undefined;
	const lineSeqs = rest.slice(0, levels.length / 2) as string[][];
	let at = levels.length / 2;
	const groups = new Map<string, GroupSnapshot>();
	for (const [g, lines] of groupLevels) {
		const [gprios, state, gstarts, ready, ...gline] = rest.slice(at, at + 4 + lines.length) as [
			string[],
			Record<string, string>,
			string[],
			string[],
			...string[][],
		];
		at += 4 + lines.length;
		if (gprios.join(",") !== lines.join(",")) return undefined;
		const byLine = new Map(lines.map((p, i) => [p, gline[i]!]));
		groups.set(g, {
			ready: [...ready, ...gline.flat()],
			zero: ready,
			lines: byLine,
			state,
			starts: gstarts,
		});
	}
	const recordSets = rest.slice(at) as Record<string, string>[];
	const groupOf = new Map<string, string>();
	for (const set of recordSets) {
		for (const [seq, record] of Object.entries(set)) {
			const group = recordGroup(record);
			if (group) groupOf.set(seq, group);
		}
	}
	// A group named now that was not read: read again, with it.
	let unread = false;
	for (const name of [...groupOf.values(), ...rotation, ...held]) {
		if (name === "" || groups.has(name)) continue;
		seen.add(name);
		unread = true;
	}
	if (unread) return undefined;
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
		groups,
		groupOrder: new Map(),
		rotation,
		held,
		groupOf,
		activeFields: {},
	};
	for (let i = 0; i < groupOrder.length; i += 2) {
		snap.groupOrder.set(groupOrder[i]!, Number(groupOrder[i + 1]));
	}
	for (const group of groups.values()) snap.ready.push(...group.ready);
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
	// Each line holds the jobs of its group (none for the queue's own) and priority.
	const checkLine = (where: string, seqs: string[], group: string | undefined, level?: string) => {
		for (const seq of seqs) {
			const p = priorities.get(seq);
			if (p !== level) malformed.push(`${where}: ${seq} has priority ${p ?? "0"}`);
			const g = snap.groupOf.get(seq);
			if (g !== group) malformed.push(`${where}: ${seq} is of group ${g ?? "(none)"}`);
		}
	};
	checkLine("ready", ready, undefined);
	for (const [level, seqs] of lines) checkLine(`line ${level}`, seqs, undefined, level);
	for (const [g, group] of groups) {
		checkLine(`group ${g} ready`, group.zero, g);
		for (const [level, seqs] of group.lines) checkLine(`group ${g} line ${level}`, seqs, g, level);
	}
	for (let i = 0; i < delayed.length; i += 2) {
		const member = delayed[i]!;
		const m = /^(.)(\d+)(?:\/(\d+))?(?:!(.+))?$/s.exec(member);
		const seq = m?.[2] ?? member.slice(1);
		if (!m || member.charCodeAt(0) - 64 !== seq.length) {
			malformed.push(`delayed: ${member.slice(0, 60)}`);
		}
		if (m?.[3] !== priorities.get(seq)) {
			malformed.push(`delayed: ${member} for a job of priority ${priorities.get(seq) ?? "0"}`);
		}
		if (m?.[4] !== snap.groupOf.get(seq)) {
			malformed.push(`delayed: ${member} for a job of group ${snap.groupOf.get(seq) ?? "(none)"}`);
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
		// The pause flag (pause.lua), the limits (lib/limits.lua) and the rotation's fields are no
		// leases either.
		if (NOT_LEASES.has(field)) {
			snap.activeFields[field] = value;
			continue;
		}
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
	violations.push(...progressViolations(snap), ...eventViolations(snap), ...groupViolations(snap));
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

/**
 * The groups (lib/common.lua): `gjobs` counts their ready jobs; a group has `r` exactly while it
 * has jobs ready (or sits in the rotation, which drops it at its turn), `1` in the rotation
 * (once), `h` in `held`, `p` while paused; `groups` lists exactly the groups with `r`; the jobs
 * without a group are in the rotation exactly when `:u-rot` says so, and `:grouped` is set
 * exactly while the rotation exists; each group's `a` counts its leases, which are flagged.
 */
function groupViolations(snap: Snapshot): string[] {
	const violations: string[] = [];
	let grouped = 0;
	const inRotation = new Map<string, number>();
	for (const member of snap.rotation) inRotation.set(member, (inRotation.get(member) ?? 0) + 1);
	for (const [member, times] of inRotation) {
		if (times > 1)
			violations.push(`the rotation holds ${member || "the jobs without a group"} ${times} times`);
	}
	if (inRotation.has("") !== (snap.activeFields[":u-rot"] !== undefined)) {
		violations.push(
			`:u-rot is ${snap.activeFields[":u-rot"] ?? "absent"}, the rotation ${inRotation.has("") ? "holds" : "lacks"} ''`,
		);
	}
	if (snap.rotation.length > 0 !== (snap.activeFields[":grouped"] !== undefined)) {
		violations.push(
			`:grouped is ${snap.activeFields[":grouped"] ?? "absent"} with ${snap.rotation.length} in the rotation`,
		);
	}
	const leases = new Map<string, number>();
	for (const lease of snap.active) {
		const g = snap.groupOf.get(lease.id);
		if (g === undefined) continue;
		leases.set(g, (leases.get(g) ?? 0) + 1);
		if (!lease.value.endsWith(",x"))
			violations.push(`lease of job ${lease.id} of group ${g} is not flagged`);
	}
	const held = new Set(snap.held);
	for (const [g, group] of snap.groups) {
		grouped += group.ready.length;
		const r = group.state.r;
		if (group.ready.length > 0 && r === undefined)
			violations.push(`group ${g} has jobs ready and no r`);
		if (group.ready.length === 0 && r !== undefined && r !== "1") {
			violations.push(`group ${g} has no job ready and r ${r}`);
		}
		if ((r === "1") !== inRotation.has(g))
			violations.push(`group ${g} has r ${r ?? "absent"}, in the rotation: ${inRotation.has(g)}`);
		if ((r === "h") !== held.has(g))
			violations.push(`group ${g} has r ${r ?? "absent"}, held: ${held.has(g)}`);
		if (r === "p" && group.state.p !== "1")
			violations.push(`group ${g} is out while paused, and not paused`);
		if ((r !== undefined) !== snap.groupOrder.has(g))
			violations.push(`group ${g} has r ${r ?? "absent"}, in groups: ${snap.groupOrder.has(g)}`);
		const a = Number(group.state.a ?? 0);
		if (a !== (leases.get(g) ?? 0))
			violations.push(`group ${g} counts ${a} leases, holds ${leases.get(g) ?? 0}`);
	}
	for (const g of snap.groupOrder.keys()) {
		if (!snap.groups.has(g)) violations.push(`groups lists ${g}, which was not read`);
	}
	if (grouped !== Number(snap.meta.gjobs ?? 0)) {
		violations.push(`the groups hold ${grouped} ready jobs, meta gjobs says ${snap.meta.gjobs}`);
	}
	return violations;
}

/**
 * The keys of groups that have no reason to exist (no job ready, no lease, no pause, no start in
 * a window): after a drain, only paused groups and rate windows not yet expired may be left.
 */
export async function strayGroupKeys(redis: Redis, prefix: string): Promise<string[]> {
	const k = storeKeys(prefix);
	const stray: string[] = [];
	let cursor = "0";
	do {
		const [next, keys] = await redis.scan(
			cursor,
			"MATCH",
			`${k.groupPrefix.replace(/[*?[\]\\]/g, "\\$&")}*`,
			"COUNT",
			1000,
		);
		cursor = next;
		for (const key of keys) {
			if (key.endsWith(":t")) continue; // a rate window's starts: expires with the window
			if (key.endsWith(":s") && (await redis.hget(key, "p")) === "1") continue;
			stray.push(key);
		}
	} while (cursor !== "0");
	return stray;
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
