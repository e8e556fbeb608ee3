/**
 * Groups on Redis beyond the contract: each group's keys, named so that no group's are
 * another's whatever its name, gone once it holds nothing; what a group costs in memory; and a
 * queue without groups that never makes one of their keys.
 */
import type { Redis } from "ioredis";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { groupKeys, type RedisJobStore } from "../src/index.js";
import { storesCleanedUp, uniquePrefix } from "./support/harness.js";

const url = inject("redisUrl");
const LONG = 600_000;
const job = (n: number, options: { group?: string; priority?: number; delay?: number } = {}) => ({
	name: "groups",
	payload: JSON.stringify({ n }),
	...options,
});

describe.skipIf(!url)("groups on Redis", () => {
	const { admin: adminClient, open } = storesCleanedUp(url!);
	let admin: Redis;
	beforeAll(() => {
		admin = adminClient();
	});
	/** The keys of the queue's groups, by SCAN. */
	const groupKeysOf = async (store: RedisJobStore) => {
		const found: string[] = [];
		let cursor = "0";
		do {
			const [next, keys] = await admin.scan(
				cursor,
				"MATCH",
				`${store.keys.groupPrefix}*`,
				"COUNT",
				1000,
			);
			cursor = next;
			found.push(...keys);
		} while (cursor !== "0");
		return found.sort();
	};

	it("keeps groups whose names look like each other's keys apart, through priorities, delays and a sweep", async () => {
		const store = await open(uniquePrefix("groups"));
		const names = ["a", "a:r", "1:a", "x!y/2", "{b}", "ü ✓"];
		const added = await store.add(
			names.flatMap((group, i) => [
				job(i, { group }),
				job(i, { group, priority: 3 }),
				job(i, { group, delay: 1 }),
			]),
		);
		await new Promise((resolve) => setTimeout(resolve, 5));
		const leased = await store.reserve({ limit: 100, leaseMs: 1 });
		expect(leased).toHaveLength(3 * names.length);
		expect(new Set(leased.map((l) => l.id))).toEqual(new Set(added.map((a) => a.id)));
		for (const lease of leased) {
			const record = await store.getJob(lease.id);
			expect(lease.group).toBe(record?.group);
		}
		// Three jobs per group, whatever the name: the keys of one never held another's.
		const perGroup = new Map<string, number>();
		for (const lease of leased) perGroup.set(lease.group!, (perGroup.get(lease.group!) ?? 0) + 1);
		expect([...perGroup.values()]).toEqual(names.map(() => 3));
		await new Promise((resolve) => setTimeout(resolve, 5));
		expect(await store.sweep({ limit: 100 })).toBe(leased.length);
		const again = await store.reserve({ limit: 100, leaseMs: LONG });
		expect(again.map((l) => l.group).sort()).toEqual(leased.map((l) => l.group).sort());
		for (const lease of again) expect((await store.ack(lease)).ok).toBe(true);
		expect(await groupKeysOf(store)).toEqual([]);
	});

	it("leaves no key of a group that holds nothing, keeps only a paused group's state, and none of the rotation's once drained", async () => {
		const store = await open(uniquePrefix("groups"));
		await store.setGroupLimits({ concurrency: 1, rate: { max: 100, duration: 200 } });
		await store.add([
			job(1, { group: "a" }),
			job(2, { group: "a" }),
			job(3),
			job(4, { group: "b" }),
		]);
		await store.pauseGroup("b");
		expect(await groupKeysOf(store)).toEqual(
			[
				groupKeys(store.keys, "a").ready,
				groupKeys(store.keys, "a").state,
				groupKeys(store.keys, "b").ready,
				groupKeys(store.keys, "b").state,
			].sort(),
		);
		const first = await store.reserve({ limit: 10, leaseMs: LONG });
		expect(first.map((l) => l.group)).toEqual(["a", undefined]);
		// a: at its concurrency, held out; b: paused, out.
		expect(await admin.smembers(store.keys.held)).toEqual(["a"]);
		expect(await admin.hget(groupKeys(store.keys, "b").state, "r")).toBe("p");
		for (const lease of first) {
			const settled = await store.ack({ ...lease, reserve: { limit: 10, leaseMs: LONG } });
			for (const next of settled.next ?? []) expect((await store.ack(next)).ok).toBe(true);
		}
		expect(await store.stats()).toMatchObject({ ready: 1, active: 0 });
		// Only b's job, its state and a's rate window (which expires with the window) are left.
		const a = groupKeys(store.keys, "a");
		const b = groupKeys(store.keys, "b");
		expect(await groupKeysOf(store)).toEqual([a.starts, b.ready, b.state].sort());
		expect(await admin.pttl(a.starts)).toBeLessThanOrEqual(200);
		await store.resumeGroup("b");
		const [last] = await store.reserve({ limit: 10, leaseMs: LONG });
		expect((await store.ack(last!)).ok).toBe(true);
		await store.setGroupLimits(null);
		const left = (await groupKeysOf(store)).filter((key) => !key.endsWith(":t"));
		expect(left).toEqual([]);
		for (const key of [store.keys.rotation, store.keys.groups, store.keys.held]) {
			expect(await admin.exists(key), key).toBe(0);
		}
		expect(await admin.hmget(store.keys.active, ":grouped", ":u-rot")).toEqual([null, null]);
		expect(await admin.hget(store.keys.meta, "gjobs")).toBe("0");
	});

	it("writes none of the groups' keys for a queue that never uses them", async () => {
		const store = await open(uniquePrefix("groups"));
		await store.add([job(1), job(2, { priority: 2 }), job(3, { delay: 1 })]);
		await new Promise((resolve) => setTimeout(resolve, 5));
		for (const lease of await store.reserve({ limit: 10, leaseMs: LONG })) await store.ack(lease);
		for (const key of [store.keys.rotation, store.keys.groups, store.keys.held]) {
			expect(await admin.exists(key), key).toBe(0);
		}
		expect(await admin.hmget(store.keys.active, ":grouped", ":u-rot", ":glimits")).toEqual([
			null,
			null,
			null,
		]);
		expect(await admin.hmget(store.keys.meta, "gjobs", "gseq")).toEqual([null, null]);
		expect(await groupKeysOf(store)).toEqual([]);
	});

	it("costs under 600 bytes per group with a job waiting", async () => {
		const store = await open(uniquePrefix("groups"));
		const groups = 1_000;
		const keysOf = async () => {
			const all = await groupKeysOf(store);
			return [...all, store.keys.rotation, store.keys.groups];
		};
		await store.add(Array.from({ length: groups }, (_, i) => job(i)));
		const plain = await usage(admin, [...(await keysOf())]);
		const grouped = await open(uniquePrefix("groups"));
		await grouped.add(Array.from({ length: groups }, (_, i) => job(i, { group: `tenant-${i}` })));
		const all = [...(await groupKeysOf(grouped)), grouped.keys.rotation, grouped.keys.groups];
		const perGroup = (await usage(admin, all)) / groups;
		console.info(
			`[groups] ${perGroup.toFixed(0)} bytes of Redis memory per group with one job waiting (its lines, state, rotation and listing entries; the job's own record aside)`,
		);
		expect(plain).toBe(0);
		expect(perGroup).toBeLessThan(600);
	});
});

/** The bytes `MEMORY USAGE` gives for `keys` (0 for a missing one). */
async function usage(admin: Redis, keys: readonly string[]): Promise<number> {
	let total = 0;
	for (const key of keys)
		total += Number((await admin.call("MEMORY", "USAGE", key, "SAMPLES", "0")) ?? 0);
	return total;
}
