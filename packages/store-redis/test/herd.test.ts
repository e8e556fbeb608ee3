/**
 * Wake-ups without a thundering herd: with 50 idle workers (50 stores, each with its own
 * connections, as 50 processes would have), a new job wakes one of them, not all: about two
 * reserve calls per job (the woken worker's, and its next one after the ack). A burst still
 * reaches every idle worker: each woken worker that leaves jobs ready wakes the next.
 */

import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { RedisJobStore } from "../src/index.js";
import { dropKeys, sleep, uniquePrefix } from "./support/harness.js";

const url = inject("redisUrl");
const LONG = 600_000;
const WORKERS = 50;

interface IdleWorker {
	store: RedisJobStore;
	reserves: number;
	handled: string[];
	done: Promise<void>;
}

describe("wake-ups of 50 idle workers", () => {
	let admin: Redis;
	let producer: RedisJobStore;
	let workers: IdleWorker[];
	const abort = new AbortController();
	let handleMs = 0;

	beforeAll(async () => {
		admin = new Redis(url);
		const prefix = uniquePrefix("herd");
		producer = await RedisJobStore.connect({ url, prefix });
		workers = await Promise.all(
			Array.from({ length: WORKERS }, async () => {
				const store = await RedisJobStore.connect({ url, prefix });
				const worker: IdleWorker = { store, reserves: 0, handled: [], done: Promise.resolve() };
				worker.done = (async () => {
					while (!abort.signal.aborted) {
						worker.reserves++;
						const [job] = await store.reserve({ limit: 1, leaseMs: LONG });
						if (!job) {
							await store.waitForJob({ timeoutMs: 60_000, signal: abort.signal });
							continue;
						}
						if (handleMs > 0) await sleep(handleMs);
						worker.handled.push(job.id);
						await store.ack(job);
					}
				})();
				return worker;
			}),
		);
		// All idle: each reserved once, found nothing, and waits.
		for (let i = 0; i < 200 && workers.some((w) => w.reserves === 0); i++) await sleep(10);
		await sleep(200);
	});
	afterAll(async () => {
		abort.abort();
		await Promise.all(workers.map((w) => w.done));
		await Promise.all(workers.map((w) => w.store.close()));
		await producer.close();
		await dropKeys(admin, producer);
		admin.disconnect();
	});

	const reserves = () => workers.reduce((sum, w) => sum + w.reserves, 0);
	const handled = () => workers.flatMap((w) => w.handled);

	it("costs about 2 reserve calls per job, not one per idle worker", async () => {
		const before = reserves();
		const JOBS = 20;
		for (let i = 0; i < JOBS; i++) {
			const [added] = await producer.add([{ name: "herd", payload: "{}" }]);
			const id = added!.id;
			for (let t = 0; t < 500 && !handled().includes(id); t++) await sleep(2);
			expect(handled()).toContain(id);
			await sleep(20); // let the worker reserve again and go idle
		}
		const perJob = (reserves() - before) / JOBS;
		console.info(`[herd] ${WORKERS} idle workers: ${perJob.toFixed(2)} reserve calls per job`);
		expect(perJob).toBeLessThanOrEqual(2.5);
		expect(new Set(handled()).size).toBe(JOBS);
	});

	it("wakes idle worker after idle worker for a burst, one job each while they work", async () => {
		handleMs = 300;
		const before = workers.map((w) => w.handled.length);
		const from = handled().length;
		const started = Date.now();
		await producer.add(Array.from({ length: WORKERS }, () => ({ name: "burst", payload: "{}" })));
		for (let t = 0; t < 1_000 && handled().length - from < WORKERS; t++) await sleep(10);
		const elapsed = Date.now() - started;
		expect(handled().length - from).toBe(WORKERS);
		// Each job holds a worker for 300 ms: one worker alone would take 15 s. Every idle worker
		// was woken (a chain), so the burst took about one such slot.
		const took = workers.filter((w, i) => w.handled.length > before[i]!).length;
		console.info(`[herd] a burst of ${WORKERS}: ${took} workers took part, ${elapsed} ms`);
		expect(took).toBeGreaterThanOrEqual(WORKERS - 5);
		expect(elapsed).toBeLessThan(3_000);
		handleMs = 0;
	});
});
