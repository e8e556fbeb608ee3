/**
 * Scaling out, with real processes: one producer and three worker processes on a disposable
 * Redis. Every job runs exactly once (no crash here), spread over the workers.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { RedisJobStore } from "@jobs/store-redis";
import { killAll, redisForTests, startNode } from "@jobs/test-support";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const dist = (file: string) => fileURLToPath(new URL(`../dist/${file}`, import.meta.url));
const redis = await redisForTests("examples/worker");

afterEach(killAll);

describe.skipIf(!redis)("examples/worker: one producer, three worker processes, one Redis", () => {
	let url = "";
	beforeAll(() => {
		url = redis!.url;
	});
	afterAll(async () => {
		await redis?.stop();
	});

	it("runs every job exactly once across the workers, and each worker drains and exits 0 on SIGTERM", async () => {
		const env = {
			REDIS_URL: url,
			JOBS_PREFIX: `scale-${process.pid}-${Date.now()}`,
			CONCURRENCY: "4",
		};
		const workers = [1, 2, 3].map(() => startNode(dist("worker.js"), { env }));
		await Promise.all(workers.map((w) => w.waitFor(/working, concurrency 4/)));

		const producer = await run(process.execPath, [dist("producer.js"), "300"], {
			env: { ...process.env, ...env },
			timeout: 20_000,
		});
		expect(producer.stdout).toMatch(/enqueued 300 jobs/);

		const store = await RedisJobStore.connect({ url, prefix: env.JOBS_PREFIX });
		const deadline = Date.now() + 30_000;
		const done = () =>
			workers.flatMap((w) => [...w.output.matchAll(/done [\w-]+ #(\d+)/g)].map((m) => m[1]!));
		while (done().length < 300 && Date.now() < deadline)
			await new Promise((r) => setTimeout(r, 50));

		const ids = done();
		expect(ids).toHaveLength(300);
		expect(new Set(ids).size).toBe(300);
		expect(workers.filter((w) => /done /.test(w.output)).length).toBeGreaterThan(1);
		expect(await store.stats()).toMatchObject({ ready: 0, delayed: 0, active: 0, dead: 0 });
		await store.close();

		for (const worker of workers) {
			expect(await worker.stop("SIGTERM")).toEqual({ code: 0, signal: null });
			expect(worker.output).toContain("drained; Redis connections closed");
		}
	});
});
