import { InvalidOptionError, JobQueue, UnsupportedError } from "@jobs/core";
import { describe, expect, it } from "vitest";
import { advanceUntil, setup } from "./harness.js";

describe("rate limit, global concurrency and job.rateLimit", () => {
	it("starts at most max jobs in any window across workers, waiting (not polling) for the window", async () => {
		const { clock, queue, store } = setup();
		const starts: number[] = [];
		queue.handle("x", () => {
			starts.push(clock.now());
		});
		await queue.setRateLimit({ max: 5, duration: 1_000 });
		expect(await queue.getRateLimit()).toEqual({ max: 5, duration: 1_000 });
		for (let i = 0; i < 20; i++) await queue.add("x", { i });
		let reserves = 0;
		const reserve = store.reserve.bind(store);
		store.reserve = (params) => {
			reserves++;
			return reserve(params);
		};
		const workers = [queue.work({ concurrency: 4 }), queue.work({ concurrency: 4 })];
		await advanceUntil(clock, () => starts.length === 20, 50);
		for (const t of starts)
			expect(starts.filter((s) => s >= t && s < t + 1_000).length).toBeLessThanOrEqual(5);
		// Four windows for 20 jobs, and workers that slept through each: a handful of reserves, not a spin.
		expect(Math.max(...starts) - Math.min(...starts)).toBeGreaterThanOrEqual(3_000);
		expect(reserves).toBeLessThan(40);
		await Promise.all(workers.map((w) => w.stop()));
	});

	it("runs at most max jobs at once across workers with a global concurrency", async () => {
		const { clock, queue } = setup();
		let running = 0;
		let most = 0;
		let done = 0;
		queue.handle("x", async () => {
			running++;
			most = Math.max(most, running);
			await new Promise<void>((resolve) => clock.setTimeout(resolve, 100));
			running--;
			done++;
		});
		await queue.setGlobalConcurrency(3);
		expect(await queue.getGlobalConcurrency()).toBe(3);
		for (let i = 0; i < 30; i++) await queue.add("x", { i });
		const workers = [queue.work({ concurrency: 5 }), queue.work({ concurrency: 5 })];
		await advanceUntil(clock, () => done === 30, 20);
		expect(most).toBe(3);
		await Promise.all(workers.map((w) => w.stop()));
	});

	it("job.rateLimit(ms) hands the job back uncounted, holds the whole queue for ms, and emits no failure", async () => {
		const { clock, queue } = setup();
		const seen: { n: number; attempts: number; at: number }[] = [];
		let limited = false;
		const failures: unknown[] = [];
		queue.on("retrying", (job) => failures.push(job));
		queue.on("failed", (job) => failures.push(job));
		queue.handle("x", (job) => {
			seen.push({ n: job.data.n, attempts: job.attempts, at: clock.now() });
			if (job.data.n === 1 && !limited) {
				limited = true;
				job.rateLimit(5_000);
			}
		});
		await queue.add("x", { n: 1 });
		await queue.add("x", { n: 2 });
		const worker = queue.work({ concurrency: 1 });
		await advanceUntil(clock, () => seen.length === 3, 100);
		expect(seen.map((s) => [s.n, s.attempts])).toEqual([
			[1, 1],
			[1, 1],
			[2, 1],
		]);
		expect(seen[1]!.at - seen[0]!.at).toBeGreaterThanOrEqual(5_000);
		expect(failures).toEqual([]);
		await worker.stop();
	});

	it("refuses a bad job.rateLimit(ms): the attempt fails with the error saying why", async () => {
		const { clock, queue } = setup();
		const errors: unknown[] = [];
		queue.on("retrying", (_job, error) => errors.push(error));
		queue.handle("x", (job) => job.rateLimit(-1));
		await queue.add("x", {});
		const worker = queue.work();
		await advanceUntil(clock, () => errors.length === 1);
		expect(errors[0]).toBeInstanceOf(InvalidOptionError);
		await worker.stop();
	});

	it("refuses bad limits naming the option, and the calls on a store without the capabilities", async () => {
		const { queue: plain } = setup();
		await expect(plain.setRateLimit({ max: 0, duration: 1_000 })).rejects.toThrow(/limit\.max/);
		await expect(plain.setRateLimit({ max: 1, duration: 0 })).rejects.toThrow(/limit\.duration/);
		await expect(plain.setGlobalConcurrency(0)).rejects.toBeInstanceOf(InvalidOptionError);
		const store = { ...plain.store, capabilities: {} } as never;
		const queue = new JobQueue({ store });
		for (const call of [
			() => queue.setRateLimit({ max: 1, duration: 1 }),
			() => queue.getRateLimit(),
			() => queue.setGlobalConcurrency(1),
			() => queue.getGlobalConcurrency(),
		]) {
			await expect(call()).rejects.toBeInstanceOf(UnsupportedError);
		}
	});
});
