import { HandlerFailedError, type JobQueue, NoHandlerError } from "@jobs/core";
import { describe, expect, it } from "vitest";
import { advanceUntil, setup } from "./harness.js";

async function deadCount(queue: JobQueue) {
	return (await queue.stats()).dead;
}

describe("retries and the dead letter", () => {
	it("retries on the handler's backoff schedule exactly", async () => {
		const { clock, queue } = setup();
		const attemptsAt: number[] = [];
		queue.handle(
			"flaky",
			() => {
				attemptsAt.push(clock.now());
				throw new Error("nope");
			},
			{ maxAttempts: 4, backoff: (attempt) => 1_000 * attempt },
		);
		await queue.add("flaky", {});
		const worker = queue.work({ pollInterval: 600_000 });
		await advanceUntil(clock, async () => (await deadCount(queue)) === 1, 50);
		expect(attemptsAt).toEqual([0, 1_000, 3_000, 6_000]);
		await worker.stop();
	});

	it("uses the default exponential backoff from 1 s with jitter when none is given", async () => {
		const { clock, queue } = setup();
		const attemptsAt: number[] = [];
		queue.handle("flaky", () => {
			attemptsAt.push(clock.now());
			throw new Error("nope");
		});
		await queue.add("flaky", {});
		const worker = queue.work({ pollInterval: 600_000 });
		await advanceUntil(clock, async () => (await deadCount(queue)) === 1, 10);
		const [first, second] = [attemptsAt[1]! - attemptsAt[0]!, attemptsAt[2]! - attemptsAt[1]!];
		expect(first).toBeGreaterThanOrEqual(800);
		expect(first).toBeLessThanOrEqual(1_210);
		expect(second).toBeGreaterThanOrEqual(1_600);
		expect(second).toBeLessThanOrEqual(2_410);
		await worker.stop();
	});

	it("falls back to the default backoff when the queue-level backoff throws, and reports it", async () => {
		const { clock, queue } = setup({
			backoff: () => {
				throw new Error("bad schedule");
			},
		});
		const errors: Error[] = [];
		queue.on("error", (error) => errors.push(error));
		const attemptsAt: number[] = [];
		queue.handle(
			"flaky",
			() => {
				attemptsAt.push(clock.now());
				throw new Error("nope");
			},
			{ maxAttempts: 2 },
		);
		await queue.add("flaky", {});
		const worker = queue.work({ pollInterval: 600_000 });
		await advanceUntil(clock, async () => (await deadCount(queue)) === 1, 10);
		// The default exponential backoff: about 1 s before the second attempt.
		expect(attemptsAt[1]! - attemptsAt[0]!).toBeGreaterThanOrEqual(800);
		expect(attemptsAt[1]! - attemptsAt[0]!).toBeLessThanOrEqual(1_210);
		expect(errors.map((e) => e.message)).toEqual(["bad schedule"]);
		await worker.stop();
	});

	it("uses the queue's backoff when the handler's throws, and the default when both do", async () => {
		const { clock, queue } = setup({ backoff: () => 5_000 });
		const errors: string[] = [];
		queue.on("error", (error) => errors.push(error.message));
		const attemptsAt: number[] = [];
		queue.handle(
			"flaky",
			() => {
				attemptsAt.push(clock.now());
				throw new Error("nope");
			},
			{ maxAttempts: 2, backoff: () => Number.NaN },
		);
		await queue.add("flaky", {});
		const worker = queue.work({ pollInterval: 600_000 });
		await advanceUntil(clock, async () => (await deadCount(queue)) === 1, 50);
		expect(attemptsAt).toEqual([0, 5_000]);
		expect(errors).toEqual(["backoff(1) returned NaN, not a delay in ms"]);
		await worker.stop();
	});

	it("takes maxAttempts from add, then handle, then the queue default", async () => {
		const { clock, queue } = setup({ maxAttempts: 2, backoff: () => 0 });
		const runs: Record<string, number> = {};
		const fail = (job: { name: string; data: { tag: string } }) => {
			runs[job.data.tag] = (runs[job.data.tag] ?? 0) + 1;
			throw new Error("fail");
		};
		queue.handle("with-handle-option", fail, { maxAttempts: 4 });
		queue.handle("plain", fail);
		await queue.add("with-handle-option", { tag: "add-wins" }, { maxAttempts: 5 });
		await queue.add("with-handle-option", { tag: "handle-wins" });
		await queue.add("plain", { tag: "queue-default" });
		const worker = queue.work({ concurrency: 3 });
		await advanceUntil(clock, async () => (await deadCount(queue)) === 3, 10);
		expect(runs).toEqual({ "add-wins": 5, "handle-wins": 4, "queue-default": 2 });
		const dead = await queue.deadLetter();
		expect(dead.map((job) => [job.data.tag, job.attempts]).sort()).toEqual([
			["add-wins", 5],
			["handle-wins", 4],
			["queue-default", 2],
		]);
		await worker.stop();
	});

	it("dead-letters the job with the last error's message and stack, and calls onFailed once", async () => {
		const { clock, queue } = setup({ backoff: () => 10 });
		let attempt = 0;
		queue.handle("charge", () => {
			attempt++;
			throw new TypeError(`card declined #${attempt}`);
		});
		const failed: Array<[string, number, Error]> = [];
		queue.onFailed((job, error) => failed.push([job.id, job.attempts, error]));
		const id = (await queue.add("charge", { order: 7 }, { maxAttempts: 3 })).id;
		const worker = queue.work();
		await advanceUntil(clock, async () => (await deadCount(queue)) === 1, 10);
		await clock.advance(1_000); // give any duplicate notification a chance to show up
		expect(failed).toHaveLength(1);
		expect(failed[0]![0]).toBe(id);
		expect(failed[0]![1]).toBe(3);
		expect(failed[0]![2]).toBeInstanceOf(TypeError);
		expect(failed[0]![2].message).toBe("card declined #3");
		const [dead] = await queue.deadLetter();
		expect(dead).toMatchObject({ id, name: "charge", data: { order: 7 }, attempts: 3 });
		expect(dead!.error.message).toBe("card declined #3");
		expect(dead!.error.name).toBe("TypeError");
		expect(dead!.error.stack).toContain("card declined #3");
		expect(dead!.error.stack).toContain("retries.test.ts");
		await worker.stop();
	});

	it("keeps working when an onFailed listener throws", async () => {
		const { clock, queue } = setup({ maxAttempts: 1 });
		const errors: Error[] = [];
		queue.on("error", (error) => errors.push(error));
		queue.onFailed(() => {
			throw new Error("listener bug");
		});
		let secondListener = 0;
		queue.onFailed(() => {
			secondListener++;
		});
		let okRuns = 0;
		queue.handle("bad", () => {
			throw new Error("boom");
		});
		queue.handle("good", () => {
			okRuns++;
		});
		await queue.add("bad", {});
		await queue.add("good", {});
		await queue.add("bad", {});
		await queue.add("good", {});
		const worker = queue.work();
		await advanceUntil(clock, () => okRuns === 2 && secondListener === 2);
		expect(errors.map((e) => e.message)).toEqual(["listener bug", "listener bug"]);
		expect(await queue.stats()).toMatchObject({ ready: 0, delayed: 0, active: 0, dead: 2 });
		await worker.stop();
	});

	it.each([
		["undefined", undefined, "handler failed with undefined"],
		["a string", "plain string", "plain string"],
		[
			"a plain object",
			{ reason: "quota" },
			'handler failed with a non-Error value: {"reason":"quota"}',
		],
		["null", null, "handler failed with null"],
	])(
		"treats a rejection with %s as a failure with a clear message",
		async (_label, value, message) => {
			const { clock, queue } = setup({ maxAttempts: 2, backoff: () => 0 });
			let runs = 0;
			const failed: Error[] = [];
			queue.onFailed((_job, error) => failed.push(error));
			queue.handle("odd", async () => {
				runs++;
				throw value;
			});
			await queue.add("odd", {});
			const worker = queue.work();
			await advanceUntil(clock, async () => (await deadCount(queue)) === 1, 10);
			expect(runs).toBe(2);
			expect(failed[0]).toBeInstanceOf(HandlerFailedError);
			expect(failed[0]!.message).toBe(message);
			expect((failed[0] as HandlerFailedError).value).toEqual(value);
			expect((await queue.deadLetter())[0]!.error.message).toBe(message);
			await worker.stop();
		},
	);

	it("fails a job with no handler, retries it, and ends it dead with a no-handler error", async () => {
		const { clock, queue } = setup({ backoff: () => 100 });
		const failed: Error[] = [];
		queue.onFailed((_job, error) => failed.push(error));
		queue.handle("known", () => {});
		await queue.add("mystery", { x: 1 });
		const worker = queue.work();
		await advanceUntil(clock, async () => (await deadCount(queue)) === 1, 10);
		const [dead] = await queue.deadLetter();
		expect(dead).toMatchObject({ name: "mystery", data: { x: 1 }, attempts: 3 });
		expect(dead!.error.message).toBe('no handler registered for "mystery"');
		expect(failed[0]).toBeInstanceOf(NoHandlerError);
		await worker.stop();
	});

	it("retries one dead job, all of them, and removes them on request", async () => {
		const { clock, queue } = setup({ maxAttempts: 1 });
		let healthy = false;
		let succeeded = 0;
		queue.handle("fragile", () => {
			if (!healthy) throw new Error("down");
			succeeded++;
		});
		const ids = (
			await queue.addMany([1, 2, 3, 4].map((i) => ({ name: "fragile", data: { i } })))
		).map((r) => r.id);
		const worker = queue.work();
		await advanceUntil(clock, async () => (await deadCount(queue)) === 4);
		healthy = true;
		expect(await queue.retryDead(ids[0]!)).toBe(1);
		await advanceUntil(clock, () => succeeded === 1);
		expect(await queue.removeDead([ids[1]!])).toBe(1);
		expect(await queue.retryDead({ all: true })).toBe(2);
		await advanceUntil(clock, () => succeeded === 3);
		expect(await queue.stats()).toMatchObject({ ready: 0, delayed: 0, active: 0, dead: 0 });
		await worker.stop();
	});
});
