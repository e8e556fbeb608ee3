/**
 * The lease index `lease-exp`: every lease is scored by its expiry there, and no settled job
 * leaves an entry behind.
 */
import type { NewJob } from "@jobs/core";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { RedisJobStore } from "../src/index.js";
import { dropKeys, sleep, uniquePrefix } from "./support/harness.js";

const url = inject("redisUrl");
const LONG = 600_000;
const job = (n: number): NewJob => ({ name: "lease", payload: JSON.stringify({ n }) });
const jobs = (from: number, count: number) =>
	Array.from({ length: count }, (_, i) => job(from + i));

describe.skipIf(!url)("the lease index", () => {
	let admin: Redis;
	const stores: RedisJobStore[] = [];
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
		admin = new Redis(url!);
	});
	afterEach(async () => {
		for (const store of stores.splice(0)) {
			await store.close();
			await dropKeys(admin, store);
		}
	});
	afterAll(() => admin.quit());

	/** The expiry written in the `active` entry of `id`. */
	const activeExpiry = async (store: RedisJobStore, id: string) =>
		Number((await admin.hget(store.keys.active, id))?.split(",")[0]);

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
		expect(await admin.zcard(store.keys.leaseExp)).toBe(0);
	});

	it("leaves no entry for a job acked, failed, retried, released or swept", async () => {
		const store = await open();
		await store.add(jobs(0, 5));
		const [a, f, r, l] = await store.reserve({ limit: 4, leaseMs: LONG });
		const [s] = await store.reserve({ limit: 1, leaseMs: 1 });
		expect(await admin.zcard(store.keys.leaseExp)).toBe(5);
		expect((await store.ack(a!)).ok).toBe(true);
		expect((await store.fail({ ...f!, error: { message: "no" } })).ok).toBe(true);
		expect((await store.retry({ ...r!, delay: LONG, error: { message: "later" } })).ok).toBe(true);
		expect((await store.release(l!)).ok).toBe(true);
		expect(await admin.zrange(store.keys.leaseExp, "0", "-1")).toEqual([s!.id]);
		await sleep(20);
		expect(await store.sweep({ limit: 10 })).toBe(1);
		expect(await admin.zcard(store.keys.leaseExp)).toBe(0);
		expect(await store.stats()).toEqual({ ready: 2, delayed: 1, active: 0, dead: 1 });
		// The next jobs a settle leases are indexed too, and their settles clear them.
		const [next] = await store.reserve({ limit: 1, leaseMs: LONG });
		const { next: more } = await store.ack({ ...next!, reserve: { limit: 1, leaseMs: LONG } });
		expect(await admin.zrange(store.keys.leaseExp, "0", "-1")).toEqual(more!.map((j) => j.id));
		await store.ack(more![0]!);
		expect(await admin.zcard(store.keys.leaseExp)).toBe(0);
	});
});
