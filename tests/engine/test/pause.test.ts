import { JobQueue, UnsupportedError } from "@jobs/core";
import { describe, expect, it } from "vitest";
import { advanceUntil, setup } from "./harness.js";

describe("pause and resume", () => {
	it("stops workers leasing new jobs while paused, lets running ones finish, and goes on after resume", async () => {
		const { clock, queue } = setup();
		const ran: number[] = [];
		queue.handle("x", (job) => {
			ran.push(job.data.n);
		});
		await queue.add("x", { n: 1 });
		const worker = queue.work({ concurrency: 2 });
		await advanceUntil(clock, () => ran.length === 1);
		await queue.pause();
		expect(await queue.isPaused()).toBe(true);
		// add goes on; nothing runs, however long the workers wait.
		for (let n = 2; n <= 4; n++) await queue.add("x", { n });
		for (let i = 0; i < 20; i++) await clock.advance(1_000);
		expect(ran).toEqual([1]);
		expect(await queue.stats()).toMatchObject({ ready: 3, active: 0 });
		await queue.resume();
		expect(await queue.isPaused()).toBe(false);
		await advanceUntil(clock, () => ran.length === 4);
		expect(ran).toEqual([1, 2, 3, 4]);
		await worker.stop();
	});

	it("refuses pause, resume and isPaused on a store without the pause capability", async () => {
		const { queue: plain } = setup();
		const store = { ...plain.store, capabilities: {} } as never;
		const queue = new JobQueue({ store });
		for (const call of [() => queue.pause(), () => queue.resume(), () => queue.isPaused()]) {
			await expect(call()).rejects.toBeInstanceOf(UnsupportedError);
		}
	});
});
