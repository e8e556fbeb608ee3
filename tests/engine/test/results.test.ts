import {
	FakeClock,
	InvalidJobDataError,
	InvalidOptionError,
	JobFailedError,
	JobNotFoundError,
	JobQueue,
	LeaseLostError,
	PayloadTooLargeError,
	UnsupportedError,
	WaitTimeoutError,
} from "@jobs/core";
import { MemoryJobStore } from "@jobs/store-memory";
import { describe, expect, it } from "vitest";
import { advanceUntil, deferred, setup } from "./harness.js";

describe("results and retention", () => {
	it("keeps what a handler returns as the job's result, and says so in a local completed event", async () => {
		const { clock, queue } = setup({ keep: { completed: true } });
		queue.handle("resize", (job) => ({ width: job.data.w * 2, tags: ["é"] }));
		const completed: unknown[] = [];
		queue.on("completed", (job, result) =>
			completed.push([job.id, job.name, job.attempts, result]),
		);
		const { id } = await queue.add("resize", { w: 320 });
		const worker = queue.work();
		await advanceUntil(clock, () => completed.length === 1);
		expect(completed).toEqual([[id, "resize", 1, { width: 640, tags: ["é"] }]]);
		const job = await queue.getJob(id);
		expect(job).toMatchObject({
			id,
			state: "completed",
			result: { width: 640, tags: ["é"] },
			attempts: 1,
		});
		expect(job!.finishedAt).toBeGreaterThanOrEqual(job!.addedAt);
		expect(job!.finishedAt).toBeLessThanOrEqual(clock.now());
		expect(await queue.stats()).toMatchObject({ completed: 1, ready: 0, active: 0 });
		await worker.stop();
	});

	it("lets a completed job leave by default, as before: no result is kept", async () => {
		const { clock, queue } = setup();
		let done = 0;
		queue.handle("x", () => {
			done++;
			return { big: "result" };
		});
		const { id } = await queue.add("x", {});
		const worker = queue.work();
		await advanceUntil(clock, () => done === 1);
		await worker.stop();
		expect(await queue.getJob(id)).toBeNull();
		expect(await queue.stats()).toMatchObject({ completed: 0 });
	});

	it("fails the attempt with a clear error when the result is not JSON-safe or too large", async () => {
		const { clock, queue } = setup({
			keep: { completed: true },
			maxPayloadBytes: 100,
			maxAttempts: 1,
		});
		queue.handle("bad", (job) => (job.data.kind === "big" ? "x".repeat(200) : { n: 10n }));
		const failed: Error[] = [];
		queue.onFailed((_job, error) => failed.push(error));
		await queue.add("bad", { kind: "bigint" });
		await queue.add("bad", { kind: "big" });
		const worker = queue.work();
		await advanceUntil(clock, () => failed.length === 2);
		await worker.stop();
		expect(failed[0]).toBeInstanceOf(InvalidJobDataError);
		expect(failed[0]!.message).toMatch(/result/);
		expect(failed[1]).toBeInstanceOf(PayloadTooLargeError);
		expect(await queue.stats()).toMatchObject({ dead: 2, completed: 0 });
	});

	it("keeps the newest `count` completed jobs, and lets one job override the queue's policy", async () => {
		const { clock, queue } = setup({ keep: { completed: { count: 2 } } });
		let done = 0;
		queue.handle("n", (job) => {
			done++;
			return job.data.i;
		});
		const ids: string[] = [];
		for (let i = 0; i < 5; i++) ids.push((await queue.add("n", { i })).id);
		const worker = queue.work({ concurrency: 1 });
		await advanceUntil(clock, () => done === 5);
		expect((await queue.jobs({ state: "completed" })).jobs.map((j) => j.result)).toEqual([3, 4]);
		// This one is not kept at all; the two kept stay.
		const { id: skipped } = await queue.add("n", { i: 5 }, { keep: { completed: false } });
		await advanceUntil(clock, () => done === 6);
		await worker.stop();
		expect(await queue.getJob(skipped)).toBeNull();
		expect((await queue.jobs({ state: "completed" })).jobs.map((j) => j.id)).toEqual(ids.slice(3));
	});

	it("ages completed jobs out on the worker's sweep, with nothing new finishing", async () => {
		const { clock, queue } = setup({ keep: { completed: { age: 60_000 } } });
		let done = 0;
		queue.handle("n", () => {
			done++;
		});
		const { id } = await queue.add("n", {});
		const worker = queue.work({ sweepInterval: 10_000 });
		await advanceUntil(clock, () => done === 1);
		expect((await queue.getJob(id))?.state).toBe("completed");
		await advanceUntil(clock, async () => (await queue.getJob(id)) === null, 1_000, 120_000);
		expect(clock.now()).toBeGreaterThanOrEqual(60_000);
		await worker.stop();
	});

	it("deletes a job that dies with keep dead false, and still reports it failed", async () => {
		const { clock, queue } = setup({ maxAttempts: 1, keep: { dead: false } });
		queue.handle("boom", () => {
			throw new Error("boom");
		});
		const failed: string[] = [];
		queue.onFailed((job) => failed.push(job.id));
		const { id } = await queue.add("boom", {});
		const worker = queue.work();
		await advanceUntil(clock, () => failed.length === 1);
		await worker.stop();
		expect(failed).toEqual([id]);
		expect(await queue.stats()).toMatchObject({ dead: 0 });
		expect(await queue.getJob(id)).toBeNull();
	});

	it("says retrying, with the error and the delay, for an attempt that will run again", async () => {
		const { clock, queue } = setup({ backoff: () => 5_000 });
		let runs = 0;
		queue.handle("flaky", () => {
			if (++runs === 1) throw new Error("flaky");
		});
		const retrying: unknown[] = [];
		queue.on("retrying", (job, error, delay) =>
			retrying.push([job.attempts, error.message, delay]),
		);
		await queue.add("flaky", {});
		const worker = queue.work();
		await advanceUntil(clock, () => runs === 2);
		await worker.stop();
		expect(retrying).toEqual([[1, "flaky", 5_000]]);
	});

	it("refuses bad keep options and unknown local event names with JobsErrors", async () => {
		const store = new MemoryJobStore();
		expect(() => new JobQueue({ store, keep: { completed: { count: -1 } } })).toThrow(
			InvalidOptionError,
		);
		expect(() => new JobQueue({ store, keep: { complete: true } as never })).toThrow(
			/not a keep option/,
		);
		const queue = new JobQueue({ store });
		await expect(queue.add("x", {}, { keep: { dead: { age: 1.5 } } })).rejects.toThrow(
			InvalidOptionError,
		);
		expect(() => queue.on("finished" as "error", () => {})).toThrow(/not a queue event/);
		expect(await queue.stats()).toMatchObject({ ready: 0 });
	});

	it("refuses keep on a store without retention", async () => {
		const { queue: plain } = setup();
		const store = { ...plain.store, capabilities: {} } as never;
		expect(() => new JobQueue({ store, keep: { completed: true } })).toThrow(UnsupportedError);
	});
});

describe("progress", () => {
	it("writes a running job's progress, visible in getJob until it finishes", async () => {
		const { clock, queue } = setup({ keep: { completed: true } });
		const seen = deferred();
		const finish = deferred();
		queue.handle("upload", async (job) => {
			await job.progress({ pct: 50 });
			seen.resolve();
			await finish.promise;
		});
		const { id } = await queue.add("upload", {});
		const worker = queue.work();
		await advanceUntil(clock, async () => (await queue.getJob(id))?.progress !== undefined);
		expect((await queue.getJob(id))?.progress).toEqual({ pct: 50 });
		finish.resolve();
		await advanceUntil(clock, async () => (await queue.getJob(id))?.state === "completed");
		expect((await queue.getJob(id))?.progress).toBeUndefined();
		await worker.stop();
		await seen.promise;
	});

	it("refuses progress that is not JSON or too large, writing nothing", async () => {
		const { clock, queue } = setup();
		const errors: unknown[] = [];
		const finish = deferred();
		queue.handle("p", async (job) => {
			await job.progress(1);
			errors.push(await job.progress(() => 1).catch((e: unknown) => e));
			errors.push(await job.progress("x".repeat(70_000)).catch((e: unknown) => e));
			await finish.promise;
		});
		const { id } = await queue.add("p", {});
		const worker = queue.work();
		await advanceUntil(clock, () => errors.length === 2);
		expect(errors[0]).toBeInstanceOf(InvalidJobDataError);
		expect(errors[1]).toBeInstanceOf(PayloadTooLargeError);
		expect((await queue.getJob(id))?.progress).toBe(1);
		finish.resolve();
		await worker.stop();
	});

	it("rejects progress with LeaseLostError once the lease is lost, and when the store refuses it", async () => {
		const clock = new FakeClock(0);
		// Renewals and progress are refused as stale, as for a lease another worker now holds.
		class Refusing extends MemoryJobStore {
			override async extend(params: Parameters<MemoryJobStore["extend"]>[0]) {
				return params.leases.map(() => ({ ok: false as const, reason: "stale" as const }));
			}
			refuseProgress = false;
			override async progress(params: Parameters<MemoryJobStore["progress"]>[0]) {
				return this.refuseProgress ? { ok: false } : super.progress(params);
			}
		}
		const store = new Refusing({ clock });
		const queue = new JobQueue({ store, clock });
		const lostSeen = deferred();
		const lost: string[] = [];
		queue.on("lease-lost", (job) => {
			lost.push(job.id);
			lostSeen.resolve();
		});
		const errors: unknown[] = [];
		const checked = deferred();
		queue.handle("p", async (job) => {
			if (job.data.refused) {
				store.refuseProgress = true;
				errors.push(await job.progress(2).catch((e: unknown) => e));
				return;
			}
			await job.progress(1);
			await lostSeen.promise;
			errors.push(await job.progress(2).catch((e: unknown) => e));
			await checked.promise;
		});
		const { id } = await queue.add("p", {});
		const worker = queue.work({ lease: 3_000, concurrency: 1 });
		await advanceUntil(clock, () => errors.length === 1);
		expect(errors[0]).toBeInstanceOf(LeaseLostError);
		// Nothing was written once the lease was lost.
		expect((await store.getJob(id))?.progress).toBe("1");
		checked.resolve();
		await queue.add("p", { refused: true });
		await advanceUntil(clock, () => errors.length === 2);
		expect(errors[1]).toBeInstanceOf(LeaseLostError);
		expect(lost.length).toBe(2);
		await worker.stop({ timeout: 1 });
	});
});

describe("waitFor", () => {
	const withEvents = () => setup({ keep: { completed: true } }, { events: true });

	it("resolves the result of a job that completes later", async () => {
		const { clock, queue } = withEvents();
		const release = deferred();
		queue.handle("calc", async (job) => {
			await release.promise;
			return job.data.a + job.data.b;
		});
		const { id } = await queue.add("calc", { a: 2, b: 3 });
		const worker = queue.work();
		const waiting = queue.waitFor(id, { timeout: 60_000 });
		await clock.settle();
		release.resolve();
		await advanceUntil(clock, async () => (await queue.getJob(id))?.state === "completed");
		expect(await waiting).toBe(5);
		await worker.stop();
	});

	it("resolves at once for a job that completed before, from its kept record or the event history", async () => {
		const { clock, queue } = setup({}, { events: true });
		let done = 0;
		queue.handle("calc", (job) => {
			done++;
			return job.data.n * 10;
		});
		const { id } = await queue.add("calc", { n: 4 });
		const worker = queue.work();
		await advanceUntil(clock, () => done === 1);
		await worker.stop();
		expect(await queue.getJob(id)).toBeNull(); // not kept: only the history knows
		expect(await queue.waitFor(id, { timeout: 1_000 })).toBe(40);
	});

	it("rejects with the final error once the job is dead, and with a timeout while it runs", async () => {
		const { clock, queue } = setup({ maxAttempts: 1 }, { events: true });
		const hold = deferred();
		queue.handle("boom", async (job) => {
			if (job.data.hold) await hold.promise;
			throw new Error("kaput");
		});
		const { id: dies } = await queue.add("boom", {});
		const { id: held } = await queue.add("boom", { hold: true });
		const worker = queue.work({ concurrency: 2 });
		const dead = queue.waitFor(dies, { timeout: 60_000 }).catch((e: unknown) => e);
		const timedOut = queue.waitFor(held, { timeout: 5_000 }).catch((e: unknown) => e);
		await advanceUntil(clock, async () => (await queue.stats()).dead === 1);
		const error = await dead;
		expect(error).toBeInstanceOf(JobFailedError);
		expect(error).toMatchObject({ jobId: dies, error: { message: "kaput" } });
		await clock.advance(5_000);
		expect(await timedOut).toBeInstanceOf(WaitTimeoutError);
		hold.resolve();
		await worker.stop();
	});

	it("ends an event stream when the queue closes its store", async () => {
		const { clock, queue } = setup({}, { events: true });
		const stream = queue.events();
		const seen: string[] = [];
		const ended = (async () => {
			for await (const event of stream) seen.push(event.type);
			return "ended";
		})();
		await clock.settle();
		await queue.add("x", {});
		await clock.settle();
		await queue.close();
		await clock.settle();
		expect(await ended).toBe("ended");
		expect(seen).toEqual(["added"]);
	});

	it("rejects a wait for a job that never finishes with StoreClosedError when the store closes", async () => {
		const { clock, queue } = setup({}, { events: true });
		const { id } = await queue.add("never-handled", {});
		const waiting = queue.waitFor(id, { timeout: 600_000 }).catch((e: unknown) => e);
		await clock.settle();
		await queue.close();
		await clock.settle();
		expect(await waiting).toMatchObject({ code: "JOBS_STORE_CLOSED" });
	});

	it("rejects an unknown id with JobNotFoundError, and a store without events with UnsupportedError", async () => {
		const { queue } = setup({}, { events: true });
		await expect(queue.waitFor("nope", { timeout: 1_000 })).rejects.toBeInstanceOf(
			JobNotFoundError,
		);
		const { queue: plain } = setup();
		await expect(plain.waitFor("1", { timeout: 1_000 })).rejects.toBeInstanceOf(UnsupportedError);
		await expect(queue.waitFor("1", { timeout: -1 })).rejects.toBeInstanceOf(InvalidOptionError);
		await expect(queue.waitFor("1", {} as never)).rejects.toBeInstanceOf(InvalidOptionError);
	});
});

describe("events()", () => {
	it("follows every job's events in order, decoded, from now on", async () => {
		const { clock, queue } = setup({}, { events: true });
		queue.handle("e", async (job) => {
			await job.progress({ step: 1 });
			return { ok: job.data.n };
		});
		const stream = queue.events();
		const seen: unknown[] = [];
		const following = (async () => {
			for await (const event of stream) {
				seen.push([event.type, event.attempt, event.result ?? event.progress ?? null]);
				if (event.type === "completed") break;
			}
		})();
		await clock.settle();
		const { id } = await queue.add("e", { n: 7 });
		const worker = queue.work();
		await advanceUntil(clock, () => seen.length === 4);
		await following;
		expect(seen).toEqual([
			["added", 0, null],
			["active", 1, null],
			["progress", 1, { step: 1 }],
			["completed", 1, { ok: 7 }],
		]);
		expect(stream.cursor).toBeDefined();
		await worker.stop();
		// Resuming after the `added` event's cursor replays the rest.
		const again = queue.events({ from: "start", types: ["completed"] });
		for await (const event of again) {
			expect([event.id, event.result]).toEqual([id, { ok: 7 }]);
			again.close();
		}
	});

	it("refuses unknown event types and options, and a store without events", () => {
		const { queue } = setup({}, { events: true });
		expect(() => queue.events({ types: ["done" as never] })).toThrow(/not an event type/);
		expect(() => queue.events({ form: "now" } as never)).toThrow(/not an events option/);
		const { queue: plain } = setup();
		expect(() => plain.events()).toThrow(UnsupportedError);
	});
});
