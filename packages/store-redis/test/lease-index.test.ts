/**
 * The lease index `lease-exp`: every lease is scored by its expiry there, so a sweep finds the
 * expired ones without reading the live ones, and no settled job leaves an entry behind.
 */
import type { NewJob } from "@jobs/core";
import type { Redis } from "ioredis";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { RedisJobStore, recordKey } from "../src/index.js";
import { sleep, storesCleanedUp, uniquePrefix } from "./support/harness.js";

const url = inject("redisUrl");
const LONG = 600_000;
const job = (n: number): NewJob => ({ name: "lease", payload: JSON.stringify({ n }) });
const jobs = (from: number, count: number) =>
	Array.from({ length: count }, (_, i) => job(from + i));

describe.skipIf(!url)("the lease index", () => {
	const { admin: adminClient, stores } = storesCleanedUp(url!);
	let admin: Redis;
	const open = async () => {
		const store = await RedisJobStore.connect({
			url,
			prefix: uniquePrefix("lease-index"),
			commandTimeoutMs: 30_000,
		});
		stores.push(store);
		return store;
	};
	beforeAll(() => {
		admin = adminClient();
	});

	/** How many leases `lease-exp` scores (its pin, scored +inf, is no lease). */
	const indexed = (store: RedisJobStore) => admin.zcount(store.keys.leaseExp, "-inf", "(+inf");
	/** The seqs `lease-exp` scores, lowest expiry first. */
	const indexedIds = (store: RedisJobStore) =>
		admin.zrangebyscore(store.keys.leaseExp, "-inf", "(+inf");

	/** The expiry written in the `active` entry of `id`. */
	const activeExpiry = async (store: RedisJobStore, id: string) =>
		Number((await admin.hget(store.keys.active, id))?.split(",")[0]);

	it("finds 10 expired leases among 200,000 live ones in one sweep call", async () => {
		const store = await open();
		expect(await store.add(jobs(0, 200_000))).toHaveLength(200_000);
		let live = 0;
		while (live < 200_000) {
			const batch = await store.reserve({ limit: 50_000, leaseMs: LONG });
			expect(batch.length).toBeGreaterThan(0);
			live += batch.length;
		}
		const expiring = (await store.add(jobs(200_000, 10))).map((r) => r.id);
		const leased = await store.reserve({ limit: 10, leaseMs: 1 });
		expect(leased.map((j) => j.id)).toEqual(expiring);
		await sleep(20);
		expect(await store.sweep({ limit: 100 })).toBe(10);
		expect(await store.stats()).toMatchObject({ ready: 10, delayed: 0, active: 200_000, dead: 0 });
		expect(await indexed(store)).toBe(200_000);
		const again = await store.reserve({ limit: 100, leaseMs: LONG });
		expect(again.map((j) => [j.id, j.attempts])).toEqual(expiring.map((id) => [id, 2]));
	}, 60_000);

	it("scores each lease by the expiry in its active entry, and moves it when extend renews it", async () => {
		const store = await open();
		const [id] = (await store.add([job(1)])).map((r) => r.id);
		const [leased] = await store.reserve({ limit: 1, leaseMs: 100 });
		expect(Number(await admin.zscore(store.keys.leaseExp, id!))).toBe(
			await activeExpiry(store, id!),
		);
		expect(await store.extend({ leases: [leased!], leaseMs: LONG })).toEqual([{ ok: true }]);
		const renewed = await activeExpiry(store, id!);
		expect(Number(await admin.zscore(store.keys.leaseExp, id!))).toBe(renewed);
		expect(renewed - Date.now()).toBeGreaterThan(LONG - 60_000);
		await sleep(150);
		expect(await store.sweep({ limit: 100 })).toBe(0);
		expect((await store.ack(leased!)).ok).toBe(true);
		expect(await indexed(store)).toBe(0);
	});

	it("leaves no entry for a job acked, failed, retried, released or swept", async () => {
		const store = await open();
		await store.add(jobs(0, 5));
		const [a, f, r, l] = await store.reserve({ limit: 4, leaseMs: LONG });
		const [s] = await store.reserve({ limit: 1, leaseMs: 1 });
		expect(await indexed(store)).toBe(5);
		expect((await store.ack(a!)).ok).toBe(true);
		expect((await store.fail({ ...f!, error: { message: "no" } })).ok).toBe(true);
		expect((await store.retry({ ...r!, delay: LONG, error: { message: "later" } })).ok).toBe(true);
		expect((await store.release(l!)).ok).toBe(true);
		expect(await indexedIds(store)).toEqual([s!.id]);
		await sleep(20);
		expect(await store.sweep({ limit: 10 })).toBe(1);
		expect(await indexed(store)).toBe(0);
		expect(await store.stats()).toMatchObject({ ready: 2, delayed: 1, active: 0, dead: 1 });
		// The next jobs a settle leases are indexed too, and their settles clear them.
		const [next] = await store.reserve({ limit: 1, leaseMs: LONG });
		const { next: more } = await store.ack({ ...next!, reserve: { limit: 1, leaseMs: LONG } });
		expect(await indexedIds(store)).toEqual(more!.map((j) => j.id));
		await store.ack(more![0]!);
		expect(await indexed(store)).toBe(0);
	});

	it("indexes a lease that has no entry (a hand edit, or an older version's) and recovers it once expired", async () => {
		const store = await open();
		await store.add(jobs(0, 3));
		const [live, late] = await store.reserve({ limit: 2, leaseMs: LONG });
		const [expired] = await store.reserve({ limit: 1, leaseMs: 1 });
		await admin.zrem(store.keys.leaseExp, live!.id, expired!.id);
		// An entry scored later than its live lease's expiry is corrected too.
		await admin.zadd(store.keys.leaseExp, Date.now() + 10 * LONG, late!.id);
		await sleep(20);
		expect(await store.sweep({ limit: 10 })).toBe(1);
		expect(await indexedIds(store)).toEqual([live!.id, late!.id]);
		for (const { id } of [live!, late!]) {
			expect(Number(await admin.zscore(store.keys.leaseExp, id))).toBe(
				await activeExpiry(store, id),
			);
		}
		expect((await store.reserve({ limit: 1, leaseMs: LONG }))[0]).toMatchObject({
			id: expired!.id,
			attempts: 2,
		});
	});

	it("finds a lease without an entry among 5,000 live ones within a bounded number of sweeps", async () => {
		const store = await open();
		await store.add(jobs(0, 5_000));
		expect(await store.reserve({ limit: 5_000, leaseMs: LONG })).toHaveLength(5_000);
		await store.add([job(5_000)]);
		const [lost] = await store.reserve({ limit: 1, leaseMs: 1 });
		await admin.zrem(store.keys.leaseExp, lost!.id);
		await sleep(20);
		let calls = 0;
		let recovered = 0;
		while (recovered === 0 && calls < 200) {
			recovered = await store.sweep({ limit: 100 });
			calls++;
		}
		expect(recovered).toBe(1);
		console.info(`[lease-index] a lease missing from the index found after ${calls} sweeps`);
		// Each call scans about 100 entries of `active` for leases missing from the index.
		expect(calls).toBeLessThanOrEqual(80);
		expect(await indexed(store)).toBe(5_000);
	});

	it("drops the entry of a lease that is gone, and keeps sweeping past it", async () => {
		const store = await open();
		await store.add(jobs(0, 2));
		const [gone, kept] = await store.reserve({ limit: 2, leaseMs: 1 });
		await admin.hdel(store.keys.active, gone!.id);
		await sleep(20);
		expect(await store.sweep({ limit: 1 })).toBe(1);
		expect(await indexed(store)).toBe(0);
		expect((await store.reserve({ limit: 2, leaseMs: LONG })).map((j) => j.id)).toEqual([kept!.id]);
	});

	it("does not let expired leases whose record cannot be read stop sweeps from recovering the others", async () => {
		const store = await open();
		await store.add(jobs(0, 3));
		const [bad, b, c] = await store.reserve({ limit: 3, leaseMs: 1 });
		await admin.hset(recordKey(store.keys, bad!.id), bad!.id, "not a record");
		await sleep(20);
		expect(await store.sweep({ limit: 1 })).toBe(1);
		expect(await store.sweep({ limit: 1 })).toBe(1);
		expect(await store.sweep({ limit: 1 })).toBe(0);
		expect((await store.reserve({ limit: 3, leaseMs: LONG })).map((j) => j.id)).toEqual([
			b!.id,
			c!.id,
		]);
		// The unreadable one is set aside (see quarantine.test.ts): its lease and index entry end.
		expect(await store.stats()).toMatchObject({ active: 2, ready: 0 });
		expect(await admin.zscore(store.keys.leaseExp, bad!.id)).toBeNull();
		expect(await admin.hget(store.keys.quarantine, `active:${bad!.id}`)).toBe("not a record");
	});

	it("keeps `active` a hash table and `lease-exp` a skiplist from the first lease, even made anew", async () => {
		const store = await open();
		await store.add(jobs(0, 4));
		const [first] = await store.reserve({ limit: 1, leaseMs: LONG });
		const encodings = async () => [
			await admin.object("ENCODING", store.keys.active),
			await admin.object("ENCODING", store.keys.leaseExp),
		];
		// As listpacks, a take's new leases are placed by a walk of the whole structure each.
		expect(await encodings()).toEqual(["hashtable", "skiplist"]);
		await store.ack(first!);
		expect(await encodings()).toEqual(["hashtable", "skiplist"]);
		await admin.del(store.keys.active, store.keys.leaseExp);
		const [second] = await store.reserve({ limit: 1, leaseMs: LONG });
		expect(await encodings()).toEqual(["hashtable", "skiplist"]);
		// The pins are no jobs: not counted, not listed, never swept.
		expect(await store.stats()).toMatchObject({ active: 1, ready: 2 });
		expect((await store.listJobs({ state: "active" })).jobs.map((j) => j.id)).toEqual([second!.id]);
		expect(await indexedIds(store)).toEqual([second!.id]);
		const [short] = await store.reserve({ limit: 1, leaseMs: 1 });
		await sleep(20);
		expect(await store.sweep({ limit: 100 })).toBe(1);
		expect((await store.getJob(short!.id))?.state).toBe("ready");
		expect(await store.stats()).toMatchObject({ active: 1, ready: 2 });
	});
});
