import { type JobStore, LeaseLostError, WorkerLostError, WorkerStoppedError } from "@jobs/core";
import { describe, expect, it } from "vitest";
import { advanceUntil, deferred, setup } from "./harness.js";

describe("leases", () => {
	it("keeps the lease of a slow handler alive: one run, even with a second worker sweeping", async () => {
		const { clock, queue } = setup();
		let runs = 0;
		let finished = false;
		queue.handle("slow", async () => {
			runs++;
			await new Promise<void>((resolve) => clock.setTimeout(resolve, 10_000)); // 10 leases long
			finished = true;
		});
		await queue.add("slow", {});
		const a = queue.work({ lease: 1_000, sweepInterval: 200 });
		const b = queue.work({ lease: 1_000, sweepInterval: 200 });
		await advanceUntil(clock, () => finished, 100);
		await clock.advance(2_000);
		expect(runs).toBe(1);
		expect(await queue.stats()).toMatchObject({ ready: 0, delayed: 0, active: 0, dead: 0 });
		await Promise.all([a.stop(), b.stop()]);
	});

	it("recovers a job whose worker vanished once its lease expires, counting the attempt", async () => {
		const { clock, store, queue } = setup();
		await queue.add("orphan", { n: 1 });
		const [lost] = await store.reserve({ limit: 1, leaseMs: 5_000 }); // a worker that then crashed
		expect(lost!.attempts).toBe(1);
		const attempts: number[] = [];
		queue.handle("orphan", (job) => {
			attempts.push(job.attempts);
		});
		const worker = queue.work({ lease: 5_000, sweepInterval: 1_000 });
		await clock.advance(4_000);
		expect(attempts).toEqual([]);
		await advanceUntil(clock, () => attempts.length === 1, 100);
		expect(clock.now()).toBeGreaterThanOrEqual(5_000);
		expect(attempts).toEqual([2]);
		await worker.stop();
	});

	it("dead-letters a job whose workers kept dying once its attempts are used up, without running it again", async () => {
		const { clock, store, queue } = setup();
		await queue.add("poison", {}, { maxAttempts: 2 });
		for (let i = 0; i < 2; i++) {
			await store.reserve({ limit: 1, leaseMs: 1_000 }); // each time the worker dies
			await clock.advance(1_001);
			expect(await store.sweep({ limit: 10 })).toBe(1);
		}
		let ran = 0;
		queue.handle("poison", () => {
			ran++;
		});
		const failed: Error[] = [];
		queue.onFailed((_job, error) => failed.push(error));
		const worker = queue.work();
		await advanceUntil(clock, async () => (await queue.stats()).dead === 1);
		expect(ran).toBe(0);
		expect(failed[0]).toBeInstanceOf(WorkerLostError);
		expect(failed[0]!.message).toMatch(/used all 2 attempts/);
		expect((await queue.deadLetter())[0]!.error.message).toMatch(/lease/i);
		await worker.stop();
	});

	it("aborts job.signal when the store refuses to renew the lease, and reports it", async () => {
		const { clock, store, queue } = setup();
		store.extend = async (params) => params.leases.map(() => ({ ok: false, reason: "stale" }));
		const reasons: unknown[] = [];
		const lost: string[] = [];
		queue.on("lease-lost", (job) => lost.push(job.id));
		queue.handle("long", async (job) => {
			await new Promise<void>((resolve) => job.signal.addEventListener("abort", () => resolve()));
			reasons.push(job.signal.reason);
		});
		const id = (await queue.add("long", {})).id;
		const worker = queue.work({ lease: 900 });
		await advanceUntil(clock, () => reasons.length === 1, 50);
		expect(reasons[0]).toBeInstanceOf(LeaseLostError);
		expect(lost[0]).toBe(id);
		await worker.stop();
	});

	it("declares a lease lost at its local deadline while a renewal hangs (a dead connection)", async () => {
		const { clock, store, queue } = setup();
		let extends_ = 0;
		store.extend = () => {
			extends_++;
			return new Promise(() => {}); // never answers: a black-holed connection
		};
		const lost: number[] = [];
		queue.on("lease-lost", () => lost.push(clock.now()));
		const aborted: number[] = [];
		queue.handle("long", async (job) => {
			await new Promise<void>((resolve) => job.signal.addEventListener("abort", () => resolve()));
			aborted.push(clock.now());
			expect(job.signal.reason).toBeInstanceOf(LeaseLostError);
		});
		await queue.add("long", {});
		const worker = queue.work({ lease: 900 });
		// Leased at about 0: its deadline is 900, whatever the hung renewal does.
		await advanceUntil(clock, () => aborted.length === 1, 10);
		expect(lost).toHaveLength(1);
		expect(lost[0]).toBeGreaterThanOrEqual(900);
		expect(lost[0]).toBeLessThanOrEqual(910);
		expect(aborted[0]).toBe(lost[0]);
		// The heartbeat went on (one renewal in flight at a time, not piling up).
		expect(extends_).toBe(1);
		const stopping = worker.stop({ timeout: 100 });
		await clock.advance(2_000);
		await stopping;
	});

	it("ignores a refused renewal that arrives after its job was settled", async () => {
		const { clock, store, queue } = setup();
		const gate = deferred();
		const realExtend = store.extend.bind(store);
		// The renewal is slow: the handler finishes and the job is acked while it is in flight.
		store.extend = async (params) => {
			await gate.promise;
			return realExtend(params);
		};
		const finish = deferred();
		queue.handle("job", () => finish.promise);
		const lost: string[] = [];
		queue.on("lease-lost", (job) => lost.push(job.id));
		await queue.add("job", {});
		const worker = queue.work({ lease: 900 });
		await clock.advance(300); // the heartbeat starts its renewal
		finish.resolve();
		await clock.settle(20);
		expect((await queue.stats()).active).toBe(0); // acked
		gate.resolve(); // now the store refuses: the lease is gone because the job is done
		await clock.settle(20);
		expect(lost).toEqual([]);
		await worker.stop();
	});

	it("refuses a late settle after the lease moved to another worker: the job has one outcome", async () => {
		const { clock, store, queue } = setup();
		const realExtend = store.extend.bind(store);
		const realReserve = store.reserve.bind(store);
		const frozen = new Set<string>();
		let bStarted = false;
		store.reserve = async (params) => {
			const jobs = await realReserve(params);
			if (!bStarted) for (const job of jobs) frozen.add(job.token);
			return jobs;
		};
		// Worker a's heartbeats never reach the store (as if its process were frozen), yet it
		// believes they did, so only the store's fencing can stop its late ack.
		store.extend = async (params) => {
			const real = await realExtend({
				...params,
				leases: params.leases.filter((l) => !frozen.has(l.token)),
			});
			return params.leases.map((l) => (frozen.has(l.token) ? { ok: true } : real.shift()!));
		};
		const firstRun = deferred();
		let runs = 0;
		queue.handle("job", async () => {
			runs++;
			if (runs === 1) await firstRun.promise;
		});
		const lost: string[] = [];
		queue.on("lease-lost", (job) => lost.push(job.id));
		const id = (await queue.add("job", {})).id;
		const a = queue.work({ lease: 1_000, sweepInterval: 100 });
		await clock.settle(20);
		bStarted = true;
		const b = queue.work({ lease: 1_000, sweepInterval: 100 });
		await advanceUntil(clock, () => runs === 2, 50); // b recovered and ran it
		await advanceUntil(clock, async () => (await queue.stats()).active === 0, 50);
		firstRun.resolve(); // a's handler finishes late and tries to ack
		await clock.advance(500);
		expect(lost).toContain(id);
		expect(await queue.stats()).toMatchObject({ ready: 0, delayed: 0, active: 0, dead: 0 });
		await Promise.all([a.stop(), b.stop()]);
	});
});

describe("stop", () => {
	it("drains in-flight jobs, takes nothing new, and returns the same promise twice", async () => {
		const { clock, queue } = setup();
		const gate = deferred();
		let finished = 0;
		queue.handle("task", async () => {
			await gate.promise;
			finished++;
		});
		await queue.addMany([1, 2].map((i) => ({ name: "task", data: { i } })));
		const worker = queue.work({ concurrency: 2 });
		await clock.settle(20);
		expect(worker.running).toBe(2);
		const stopping = worker.stop();
		expect(worker.stop()).toBe(stopping);
		await queue.add("task", { i: 3 });
		let stopped = false;
		void stopping.then(() => {
			stopped = true;
		});
		await clock.advance(1_000);
		expect(stopped).toBe(false);
		gate.resolve();
		await stopping;
		expect(finished).toBe(2);
		expect(await queue.stats()).toMatchObject({ ready: 1, delayed: 0, active: 0, dead: 0 });
	});

	it("with a timeout, aborts what is left and hands those jobs back untouched", async () => {
		const { clock, queue } = setup();
		const reasons: unknown[] = [];
		queue.handle("stuck", async (job) => {
			await new Promise<void>((resolve) => job.signal.addEventListener("abort", () => resolve()));
			reasons.push(job.signal.reason);
			return new Promise(() => {}); // ignores the abort and never settles
		});
		await queue.add("stuck", {});
		const worker = queue.work();
		await clock.settle(20);
		const stopping = worker.stop({ timeout: 5_000 });
		await clock.advance(5_000);
		await stopping;
		expect(reasons[0]).toBeInstanceOf(WorkerStoppedError);
		expect(await queue.stats()).toMatchObject({ ready: 1, delayed: 0, active: 0, dead: 0 });
		const [again] = await queue.store.reserve({ limit: 1, leaseMs: 1_000 });
		expect(again!.attempts).toBe(1);
	});

	it("with a timeout, resolves even when the store hangs (the leases then expire: nothing lost)", async () => {
		const { clock, store, queue } = setup();
		queue.handle("stuck", () => new Promise(() => {})); // never settles, ignores abort
		await queue.add("stuck", {});
		const worker = queue.work();
		await clock.settle(20);
		const hang = () => new Promise<never>(() => {});
		store.release = hang; // the store stops answering
		store.reserve = hang;
		store.extend = hang;
		let stopped = false;
		void worker.stop({ timeout: 2_000 }).then(() => {
			stopped = true;
		});
		await clock.advance(2_000);
		expect(stopped).toBe(false); // now handing back, for at most a second
		await clock.advance(1_000);
		expect(stopped).toBe(true);
		expect((await queue.stats()).active).toBe(1); // still leased: a sweep recovers it later
	});

	it("queue.close() stops its workers and closes the store it owns", async () => {
		const { clock, queue } = setup();
		let ran = 0;
		queue.handle("t", () => {
			ran++;
		});
		await queue.add("t", {});
		queue.work();
		await advanceUntil(clock, () => ran === 1);
		await queue.close();
		await queue.close();
		await expect(queue.stats()).rejects.toMatchObject({ code: "JOBS_STORE_CLOSED" });
	});

	it("keeps the store open on close() when the queue does not own it", async () => {
		const { store } = setup();
		const { JobQueue } = await import("@jobs/core");
		const queue = new JobQueue({ store: store as JobStore, ownsStore: false });
		await queue.close();
		expect(await store.stats()).toMatchObject({ ready: 0, delayed: 0, active: 0, dead: 0 });
	});
});
