/**
 * Progress on Redis beyond the contract: a value lives in `progress` only while its attempt runs
 * (no field is left behind by an ack, a retry, a fail or a sweep), and a job that reports none
 * leaves no trace of it (its lease unflagged, so its ack reads no record).
 */
import type { Redis } from "ioredis";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { RedisJobStore } from "../src/index.js";
import { sleep, storesCleanedUp, uniquePrefix } from "./support/harness.js";

const url = inject("redisUrl");
const LONG = 600_000;
const job = (n: number) => ({ name: "progress", payload: JSON.stringify({ n }) });
const failure = { message: "no" };

describe.skipIf(!url)("progress on Redis", () => {
	const { admin: adminClient, stores } = storesCleanedUp(url!);
	let admin: Redis;
	const open = async () => {
		const store = await RedisJobStore.connect({ url, prefix: uniquePrefix("progress") });
		stores.push(store);
		return store;
	};
	beforeAll(() => {
		admin = adminClient();
	});

	it("leaves no progress behind when the attempt ends by ack, retry, fail or sweep", async () => {
		const store = await open();
		await store.add([job(1), job(2), job(3), job(4)]);
		const [a, r, f] = await store.reserve({ limit: 3, leaseMs: LONG });
		const [s] = await store.reserve({ limit: 1, leaseMs: 300 });
		for (const lease of [a!, r!, f!]) {
			expect(await store.progress({ ...lease, progress: '{"pct":1}' })).toEqual({ ok: true });
		}
		expect(await store.progress({ ...s!, progress: "1" })).toEqual({ ok: true });
		expect(await admin.hlen(store.keys.progress)).toBe(4);
		await store.ack(a!);
		await store.retry({ ...r!, delay: LONG, error: failure });
		await store.fail({ ...f!, error: failure });
		await sleep(350);
		expect(await store.sweep({ limit: 10 })).toBe(1);
		expect(await admin.hlen(store.keys.progress)).toBe(0);
	});

	it("flags only the leases of attempts that reported progress", async () => {
		const store = await open();
		await store.add([job(1), job(2)]);
		const [quiet, loud] = await store.reserve({ limit: 2, leaseMs: LONG });
		await store.progress({ ...loud!, progress: "5" });
		expect(await admin.hget(store.keys.active, quiet!.id)).not.toMatch(/,x$/);
		expect(await admin.hget(store.keys.active, loud!.id)).toMatch(/,x$/);
		// A renewal keeps the flag, so the settle still cleans up.
		await store.extend({ leases: [loud!], leaseMs: LONG });
		expect(await admin.hget(store.keys.active, loud!.id)).toMatch(/,x$/);
		expect(await admin.exists(store.keys.progress)).toBe(1);
		await store.ack(loud!);
		expect(await admin.exists(store.keys.progress)).toBe(0);
	});
});
