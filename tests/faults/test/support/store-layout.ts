/**
 * Reads the Redis store's structure with raw commands, bypassing the store, and checks it.
 * Takes the key layout from the store (`queueKeys`) and mirrors the record format of
 * packages/store-redis/src/lua/lib/common.lua (see the store's README); if those change, this file changes with them.
 * @module
 */
import type { JobStats } from "@jobs/core";
import { queueKeys } from "@jobs/store-redis";
import type { Redis } from "ioredis";

/** The keys of the queue under `prefix`, derived by the store's own code. */
export const storeKeys = queueKeys;

/** The id and attempts of a job record `<L><id>,<attempts>,<max>,<nameLen>,<errLen>|…`. */
export function parseRecord(record: string): { id: string; attempts: number } | undefined {
	const full = /^[A-Z](\d+),(\d+),(\d*),(\d+),(\d+)\|/.exec(record);
	if (full) return { id: full[1]!, attempts: Number(full[2]) };
	// The short form of a job as added: `<L><id><nameLen>|`, L = the id's digit count as a letter.
	const short = /^([A-Z])(\d+)\|/.exec(record);
	if (!short) return undefined;
	const idLength = short[1]!.charCodeAt(0) - 64;
	if (short[2]!.length <= idLength) return undefined;
	return { id: short[2]!.slice(0, idLength), attempts: 0 };
}

/** An active entry `<expiry>,<token>;<record>`. */
export function parseActive(
	value: string,
): { expiry: number; token: string; record: string } | undefined {
	const m = /^(\d+),([^;]+);/.exec(value);
	if (!m) return undefined;
	return { expiry: Number(m[1]), token: m[2]!, record: value.slice(m[0].length) };
}

export interface Snapshot {
	/** Server time of the snapshot, epoch ms. */
	now: number;
	ready: string[];
	delayed: { id: string; due: number }[];
	active: { id: string; value: string; expiry?: number; token?: string; attempts?: number }[];
	dead: string[];
	deadOrder: string[];
	dueMarker: number | undefined;
	meta: Record<string, string>;
	/** Records that did not parse. */
	malformed: string[];
}

/** Reads every structure of the queue in one MULTI, so the snapshot is one instant. */
export async function snapshot(redis: Redis, prefix: string): Promise<Snapshot> {
	const k = storeKeys(prefix);
	const replies = await redis
		.multi()
		.time()
		.lrange(k.ready, 0, -1)
		.zrange(k.delayed, 0, "-1", "WITHSCORES")
		.hgetall(k.active)
		.hkeys(k.dead)
		.zrange(k.deadOrder, 0, "-1")
		.hgetall(k.meta)
		.exec();
	if (!replies) throw new Error("snapshot: MULTI aborted");
	for (const [error] of replies) if (error) throw error;
	const [time, ready, delayed, active, dead, deadOrder, meta] = replies.map(([, r]) => r) as [
		[string, string],
		string[],
		string[],
		Record<string, string>,
		string[],
		string[],
		Record<string, string>,
	];
	const malformed: string[] = [];
	const snap: Snapshot = {
		now: Number(time[0]) * 1000 + Math.floor(Number(time[1]) / 1000),
		ready: [],
		delayed: [],
		active: [],
		dead,
		deadOrder,
		dueMarker: undefined,
		meta,
		malformed,
	};
	for (const record of ready) {
		const parsed = parseRecord(record);
		if (parsed) snap.ready.push(parsed.id);
		else malformed.push(`ready: ${record.slice(0, 60)}`);
	}
	for (let i = 0; i < delayed.length; i += 2) {
		const parsed = parseRecord(delayed[i]!);
		if (parsed) snap.delayed.push({ id: parsed.id, due: Number(delayed[i + 1]) });
		else malformed.push(`delayed: ${delayed[i]!.slice(0, 60)}`);
	}
	for (const [field, value] of Object.entries(active)) {
		if (field === ":due") {
			snap.dueMarker = Number(value);
			continue;
		}
		const lease = parseActive(value);
		const record = lease ? parseRecord(lease.record) : undefined;
		snap.active.push({
			id: field,
			value,
			expiry: lease?.expiry,
			token: lease?.token,
			attempts: record?.attempts,
		});
		if (!lease || !record || record.id !== field)
			malformed.push(`active ${field}: ${value.slice(0, 60)}`);
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
	for (const id of snap.dead) put(id, "dead");
	return places;
}

/**
 * The store's own invariants: no job in two places (or twice in one), every active job has a
 * well-formed lease, the dead hash and its order index agree, the `:due` marker is a lower bound
 * of the earliest delayed job, and — when `stats` is given (read while nothing moved) — the
 * counts balance with `stats()`.
 */
export function structureViolations(snap: Snapshot, stats?: JobStats): string[] {
	const violations: string[] = [];
	for (const m of snap.malformed) violations.push(`malformed entry (no lease or bad record): ${m}`);
	for (const [id, where] of placesOf(snap)) {
		if (where.length > 1)
			violations.push(`job ${id} is in ${where.length} places: ${where.join(", ")}`);
	}
	const deadSet = new Set(snap.dead);
	const orderSet = new Set(snap.deadOrder);
	for (const id of deadSet)
		if (!orderSet.has(id)) violations.push(`dead job ${id} missing from dead-order`);
	for (const id of orderSet)
		if (!deadSet.has(id)) violations.push(`dead-order lists ${id}, not in dead`);
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
		};
		// A delayed job can fall due between the snapshot and stats(): compare the sums there.
		if (
			stats.ready + stats.delayed !== expected.ready + expected.delayed ||
			stats.active !== expected.active ||
			stats.dead !== expected.dead
		) {
			violations.push(
				`stats() ${JSON.stringify(stats)} does not balance with the keys ${JSON.stringify(expected)}`,
			);
		}
	}
	return violations;
}
