/**
 * The limits on Redis beyond the contract: set by one store instance (another process), obeyed
 * by another, kept as fields of `active` that are no leases, and gone once removed or past.
 */
import type { Redis } from "ioredis";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { sleep, storesCleanedUp, uniquePrefix } from "./support/harness.js";

const url = inject("redisUrl");
const LONG = 600_000;
const job = (n: number) => ({ name: "limits", payload: JSON.stringify({ n }) });

describe.skipIf(!url)("limits on Redis", () => {
	const { admin: adminClient, open } = storesCleanedUp(url!);
	let admin: Redis;
	beforeAll(() => {
		admin = adminClient();
	});

	it("keeps the limits one instance set for another, and leaves nothing once they are removed", async () => {
		const prefix = uniquePrefix("limits");
		const [setter, worker] = [await open(prefix), await open(prefix)];
		await setter.setRateLimit({ max: 2, duration: LONG });
		await setter.setGlobalConcurrency(5);
		expect(await worker.getRateLimit()).toEqual({ max: 2, duration: LONG });
		expect(await worker.getGlobalConcurrency()).toBe(5);
		await worker.add([job(1), job(2), job(3)]);
		expect(await worker.reserve({ limit: 3, leaseMs: LONG })).toHaveLength(2);
		// Fields of `active` that are no leases, and a window of one entry for the one call.
		expect(await worker.stats()).toMatchObject({ active: 2, ready: 1 });
		expect(await admin.lrange(worker.keys.starts, 0, -1)).toHaveLength(1);
		expect(await admin.hget(worker.keys.meta, "started")).toBe("2");
		await setter.setRateLimit(null);
		await setter.setGlobalConcurrency(null);
		expect(await admin.hmget(worker.keys.active, ":rate", ":conc")).toEqual([null, null]);
		expect(await admin.exists(worker.keys.starts)).toBe(0);
		expect(await admin.hexists(worker.keys.meta, "started")).toBe(0);
		expect(await worker.reserve({ limit: 3, leaseMs: LONG })).toHaveLength(1);
	});

	it("drops a release's hold once it has passed", async () => {
		const prefix = uniquePrefix("limits");
		const store = await open(prefix);
		await store.add([job(1)]);
		const [leased] = await store.reserve({ limit: 1, leaseMs: LONG });
		expect((await store.release({ ...leased!, limitFor: 100 })).ok).toBe(true);
		expect(await admin.hexists(store.keys.active, ":block")).toBe(1);
		expect(await store.reserve({ limit: 1, leaseMs: LONG })).toEqual([]);
		await sleep(150);
		expect(await store.reserve({ limit: 1, leaseMs: LONG })).toHaveLength(1);
		expect(await admin.hexists(store.keys.active, ":block")).toBe(0);
	});
});
