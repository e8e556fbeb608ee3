import { describe, expect, it } from "vitest";
import { advanceUntil, deferred, setup } from "./harness.js";

/**
 * Lease-ahead: after a fast handler the worker leases one job beyond its free slots and starts it
 * the moment a handler finishes. These tests pin down that it never breaks the rules.
 */
describe("leasing ahead (prefetch)", () => {
	/** Concurrency 1: job "fast" finishes at once, job "slow" blocks, job "waiting" is leased ahead. */
	async function bufferedBehindSlowJob(options: { lease?: number } = {}) {
		const env = setup();
		const { clock, queue } = env;
		const gate = deferred();
		const started: string[] = [];
		const attempts: Array<[string, number]> = [];
		queue.handle("job", async (job) => {
			started.push(job.data.tag);
			attempts.push([job.data.tag, job.attempts]);
			if (job.data.tag === "slow") await gate.promise;
		});
		await queue.addMany(["fast", "slow", "waiting"].map((tag) => ({ name: "job", data: { tag } })));
		const worker = queue.work({ concurrency: 1, lease: options.lease ?? 30_000 });
		await clock.settle(20);
		return { ...env, gate, started, attempts, worker };
	}

	it("leases one job ahead after a fast handler, but never runs more handlers than concurrency", async () => {
		const { clock, queue, gate, started, worker } = await bufferedBehindSlowJob();
		expect(started).toEqual(["fast", "slow"]);
		expect(worker.running).toBe(1);
		expect(await queue.stats()).toMatchObject({ ready: 0, active: 2 }); // slow + leased ahead
		gate.resolve();
		await clock.settle(20);
		expect(started).toEqual(["fast", "slow", "waiting"]);
		await worker.stop();
	});

	it("hands a job leased ahead back untouched when it waited 100 ms behind a slow handler", async () => {
		const { clock, queue, store, gate, started, worker } = await bufferedBehindSlowJob();
		await clock.advance(99);
		expect((await queue.stats()).active).toBe(2);
		await clock.advance(1);
		expect(await queue.stats()).toMatchObject({ ready: 1, active: 1 });
		const [handedBack] = await store.reserve({ limit: 1, leaseMs: 1_000 });
		expect(JSON.parse(handedBack!.payload)).toEqual({ tag: "waiting" });
		expect(handedBack!.attempts).toBe(1); // the lease ahead did not count as an attempt
		expect(started).toEqual(["fast", "slow"]);
		gate.resolve();
		await worker.stop();
	});

	it("stop() hands jobs leased ahead back at once, without running them", async () => {
		const { queue, store, gate, started, worker } = await bufferedBehindSlowJob();
		const stopping = worker.stop();
		gate.resolve();
		await stopping;
		expect(started).toEqual(["fast", "slow"]);
		expect(await queue.stats()).toMatchObject({ ready: 1, delayed: 0, active: 0, dead: 0 });
		expect((await store.reserve({ limit: 1, leaseMs: 1_000 }))[0]!.attempts).toBe(1);
	});

	it("renews jobs leased ahead, and never starts one whose lease was lost", async () => {
		const env = await bufferedBehindSlowJob({ lease: 30 });
		const { clock, store, gate, started, attempts, worker, queue } = env;
		const realExtend = store.extend.bind(store);
		const renewed: string[] = [];
		store.extend = async (params) => {
			const results = await realExtend(params);
			for (const lease of params.leases) renewed.push(lease.id);
			// The store refuses the lease of the job waiting ahead (id 3).
			return params.leases.map((lease, i) =>
				lease.id === "3" ? { ok: false, reason: "stale" } : results[i]!,
			);
		};
		const lost: string[] = [];
		queue.on("lease-lost", (job) => lost.push(job.id));
		await clock.advance(15);
		expect(renewed).toContain("3");
		expect(lost).toEqual(["3"]);
		gate.resolve();
		await clock.settle(20);
		expect(started).toEqual(["fast", "slow"]); // the lost lease ahead was not started
		// The store still counts that lease until it expires; then a sweep recovers the job and
		// it runs as a second attempt.
		await advanceUntil(clock, () => started.length === 3, 5);
		expect(attempts.at(-1)).toEqual(["waiting", 2]);
		await worker.stop();
	});

	it("with prefetch 0 leases nothing beyond its free slots", async () => {
		const { clock, queue } = setup();
		const gate = deferred();
		queue.handle("job", async (job) => {
			if (job.data.tag === "slow") await gate.promise;
		});
		await queue.addMany(["fast", "slow", "waiting"].map((tag) => ({ name: "job", data: { tag } })));
		const worker = queue.work({ concurrency: 1, prefetch: 0 });
		await clock.settle(20);
		expect(await queue.stats()).toMatchObject({ ready: 1, active: 1 });
		gate.resolve();
		await worker.stop();
	});
});
