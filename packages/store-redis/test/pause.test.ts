/**
 * Pause on Redis beyond the contract: one store instance (another process) pauses and resumes
 * the queue for every other, an idle worker of another instance is woken by the resume, and a
 * paused queue wakes no idle worker when jobs come.
 */
import type { Redis } from "ioredis";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { sleep, storesCleanedUp, uniquePrefix } from "./support/harness.js";

const url = inject("redisUrl");
const LONG = 600_000;
const job = (n: number) => ({ name: "pause", payload: JSON.stringify({ n }) });

describe.skipIf(!url)("pause on Redis", () => {
	const { admin: adminClient, open } = storesCleanedUp(url!);
	let admin: Redis;
	beforeAll(() => {
		admin = adminClient();
	});

	it("pauses and resumes the queue for every store instance on the prefix", async () => {
		const prefix = uniquePrefix("pause");
		const [admin1, worker] = [await open(prefix), await open(prefix)];
		await worker.add([job(1)]);
		await admin1.pause();
		expect(await worker.isPaused()).toBe(true);
		expect(await worker.reserve({ limit: 1, leaseMs: LONG })).toEqual([]);
		// The flag sits beside `:due` in `active`, which is no lease and no job.
		expect(await admin.hget(worker.keys.active, ":paused")).toBe("1");
		expect(await worker.stats()).toMatchObject({ ready: 1, active: 0 });
		const abort = new AbortController();
		const waiting = worker.waitForJob({ timeoutMs: LONG, signal: abort.signal });
		let woken = false;
		void waiting.then(() => {
			woken = true;
		});
		await worker.add([job(2)]);
		await sleep(100);
		// A job added while paused wakes no one: the worker would find nothing to lease.
		expect(woken).toBe(false);
		expect(await admin.llen(worker.keys.wake)).toBe(0);
		const started = Date.now();
		await admin1.resume();
		await waiting;
		expect(Date.now() - started).toBeLessThan(1_000);
		expect(await worker.isPaused()).toBe(false);
		expect(await worker.reserve({ limit: 5, leaseMs: LONG })).toHaveLength(2);
		abort.abort();
	});
});
