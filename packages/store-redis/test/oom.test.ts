/**
 * A Redis at `maxmemory` under `noeviction`: only `add` is refused (whole, with StoreFullError),
 * while reserve (with the promotion of due delayed jobs), extend, retry, fail, sweep and ack go
 * on, so workers drain the queue, which frees memory, and adds work again.
 */
import { StoreFullError } from "@jobs/core";
import { type RedisServer, startRedisServer } from "@jobs/test-support";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { RedisJobStore } from "../src/index.js";
import { sleep, uniquePrefix } from "./support/harness.js";

const LONG = 600_000;
const data = "x".repeat(1_000);
const batch = (from: number, n: number) =>
	Array.from({ length: n }, (_, i) => ({
		name: "fill",
		payload: JSON.stringify({ n: from + i, data }),
	}));
const error = { name: "Error", message: "boom" };

describe.skipIf(!inject("canSpawnRedis"))("a Redis at maxmemory (noeviction)", () => {
	let server: RedisServer;
	let admin: Redis;

	beforeAll(async () => {
		server = await startRedisServer({ args: ["--maxmemory-policy", "noeviction"] });
		admin = new Redis(server.url);
	});
	afterAll(async () => {
		admin.disconnect();
		await server.stop();
	});

	/** Adds batches of 100 until Redis refuses one; returns how many jobs went in and the refusal. */
	async function fill(store: RedisJobStore): Promise<{ added: number; refusal: unknown }> {
		const used = Number(/used_memory:(\d+)/.exec(await admin.info("memory"))![1]);
		await admin.config("SET", "maxmemory", String(used + 2_000_000));
		let added = 0;
		for (;;) {
			const refusal = await store.add(batch(added, 100)).then(
				() => undefined,
				(e: unknown) => e,
			);
			if (refusal) return { added, refusal };
			added += 100;
		}
	}

	it("refuses only add, whole, while every worker call goes on and drains the queue", async () => {
		const store = await RedisJobStore.connect({ url: server.url, prefix: uniquePrefix() });
		try {
			await admin.config("SET", "maxmemory", "0");
			await store.add(batch(-5, 5));
			const [a, b, c, d] = await store.reserve({ limit: 4, leaseMs: LONG });
			// One lease that expires while memory is full, for the sweep to recover.
			await store.reserve({ limit: 1, leaseMs: 200 });
			await store.add([{ name: "later", payload: "{}", delay: 300 }]);

			const { added, refusal } = await fill(store);
			expect(added).toBeGreaterThan(0);
			expect(refusal).toBeInstanceOf(StoreFullError);
			expect((refusal as Error).message).toMatch(/out of memory, add refused: OOM/);
			// Refused whole: nothing of the refused batch is stored.
			expect(await store.stats()).toMatchObject({ ready: added, delayed: 1, active: 5, dead: 0 });

			// Every worker call goes on at full memory.
			expect(await store.extend({ leases: [a!], leaseMs: LONG })).toEqual([{ ok: true }]);
			expect(await store.retry({ ...b!, delay: 0, error })).toMatchObject({ ok: true });
			expect(await store.fail({ ...c!, error })).toMatchObject({ ok: true });
			expect(await store.ack(d!)).toMatchObject({ ok: true });
			await sleep(350);
			expect(await store.sweep({ limit: 10 })).toBe(1);
			// The reserve promotes the due delayed job (an RPUSH, which Redis refuses to a plain
			// script at full memory) and leases.
			const taken = await store.reserve({ limit: 10, leaseMs: LONG });
			expect(taken).toHaveLength(10);
			expect(await store.stats()).toMatchObject({
				ready: added - 10 + 3,
				delayed: 0,
				active: 11,
				dead: 1,
			});
			await expect(store.add(batch(0, 1))).rejects.toBeInstanceOf(StoreFullError);

			// Draining frees memory, and adds work again.
			for (const job of [a!, ...taken]) await store.ack(job);
			for (;;) {
				const jobs = await store.reserve({ limit: 100, leaseMs: LONG });
				if (jobs.length === 0) break;
				await Promise.all(jobs.map((job) => store.ack(job)));
			}
			expect(await store.stats()).toMatchObject({ ready: 0, delayed: 0, active: 0, dead: 1 });
			expect(await store.add(batch(0, 100))).toHaveLength(100);
		} finally {
			await admin.config("SET", "maxmemory", "0");
			await store.close();
		}
	});
});
