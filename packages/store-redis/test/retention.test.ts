/**
 * Retention on Redis beyond the contract: trimming is incremental (a bounded number of jobs per
 * call, so no script runs long) and leaves nothing behind; what a kept completed job costs in
 * Redis memory; and the queue end to end with results.
 */
import { JobQueue, type NewJob } from "@jobs/core";
import type { Redis } from "ioredis";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { RedisJobStore } from "../src/index.js";
import { bucketKeys, storesCleanedUp, uniquePrefix } from "./support/harness.js";

const url = inject("redisUrl");
const LONG = 600_000;
/** The benchmark's job data: `{ i, email }`, about 40 bytes of JSON. */
const benchJob = (i: number, extra: Partial<NewJob> = {}): NewJob => ({
	name: "bench",
	payload: JSON.stringify({ i, email: `user-${i}@example.com` }),
	...extra,
});

describe.skipIf(!url)("retention on Redis", () => {
	const { admin: adminClient, stores } = storesCleanedUp(url!);
	let admin: Redis;
	const open = async () => {
		const store = await RedisJobStore.connect({ url, prefix: uniquePrefix("retention") });
		stores.push(store);
		return store;
	};
	beforeAll(() => {
		admin = adminClient();
	});

	/** Adds `count` jobs and acks each with `keep` (a result of 7 bytes), in batches. */
	async function completeAll(store: RedisJobStore, count: number, keep: object, from = 0) {
		for (let done = 0; done < count; ) {
			const n = Math.min(1_000, count - done);
			await store.add(Array.from({ length: n }, (_, i) => benchJob(from + done + i)));
			const leased = await store.reserve({ limit: n, leaseMs: LONG });
			const acks = await Promise.all(
				leased.map((job) => store.ack({ ...job, keep, result: '{"ok":1}' })),
			);
			expect(acks.every((a) => a.ok)).toBe(true);
			done += n;
		}
	}

	it("trims a large excess a bounded number of jobs per call, records and all", async () => {
		const store = await open();
		await completeAll(store, 3_000, {});
		expect((await store.stats()).completed).toBe(3_000);
		// The policy drops to 10: one more ack trims at most 100, one sweep at most 1,000.
		await completeAll(store, 1, { count: 10 }, 3_000);
		expect((await store.stats()).completed).toBe(3_001 - 100);
		await store.sweep({ limit: 10, keep: { completed: { count: 10 } } });
		expect((await store.stats()).completed).toBe(3_001 - 100 - 1_000);
		await store.sweep({ limit: 10, keep: { completed: { count: 10 } } });
		await store.sweep({ limit: 10, keep: { completed: { count: 10 } } });
		expect((await store.stats()).completed).toBe(10);
		// The trimmed jobs' records are gone: only the 10 kept are left in the buckets.
		let records = 0;
		for (const key of await bucketKeys(admin, store)) records += await admin.hlen(key);
		expect(records).toBe(10);
		const page = await store.listJobs({ state: "completed", limit: 100 });
		expect(page.jobs.map((j) => j.id)).toEqual(
			Array.from({ length: 10 }, (_, i) => String(2_992 + i)),
		);
	}, 60_000);

	it("remembers the jobId of a trimmed job and frees its unique key", async () => {
		const store = await open();
		await store.add([
			benchJob(1, { jobId: "order-1" }),
			benchJob(2, {
				unique: { key: "u", states: ["ready", "delayed", "active"], onConflict: "keep" },
			}),
		]);
		for (const job of await store.reserve({ limit: 2, leaseMs: LONG })) {
			await store.ack({ ...job, keep: { count: 0 } });
		}
		expect((await store.stats()).completed).toBe(0);
		expect(await store.getJob("order-1")).toBeNull();
		expect(await store.add([benchJob(3, { jobId: "order-1" })])).toEqual([
			{ id: "order-1", created: false, existing: "jobId" },
		]);
		const [again] = await store.add([
			benchJob(4, { unique: { key: "u", states: ["ready"], onConflict: "keep" } }),
		]);
		expect(again!.created).toBe(true);
	});

	it("keeps a completed job with a small result in under 160 bytes of Redis memory", async () => {
		const store = await open();
		const N = 10_000;
		await completeAll(store, N, {});
		const keys = [store.keys.done, ...(await bucketKeys(admin, store))];
		let bytes = 0;
		for (const key of keys)
			bytes += Number(await admin.call("MEMORY", "USAGE", key, "SAMPLES", "0"));
		const perJob = bytes / N;
		console.info(`[retention] ${perJob.toFixed(1)} bytes of Redis memory per kept completed job`);
		expect(perJob).toBeLessThan(160);
	}, 60_000);

	it("runs a queue that keeps the last results and shows them in getJob", async () => {
		const store = await open();
		const queue = new JobQueue<{ double: { n: number } }>({
			store,
			ownsStore: false,
			keep: { completed: { count: 2 } },
		});
		queue.handle("double", (job) => job.data.n * 2);
		const ids: string[] = [];
		for (let n = 1; n <= 3; n++) ids.push((await queue.add("double", { n })).id);
		const worker = queue.work();
		for (let i = 0; i < 200 && (await store.stats()).completed !== 2; i++) {
			await new Promise((resolve) => setTimeout(resolve, 10));
		}
		await worker.stop();
		expect(await queue.getJob(ids[0]!)).toBeNull();
		expect((await queue.getJob(ids[2]!))?.result).toBe(6);
		expect((await queue.jobs({ state: "completed" })).jobs.map((j) => j.result)).toEqual([4, 6]);
		await queue.close();
	});
});
