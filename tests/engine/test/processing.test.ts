import { describe, expect, it } from "vitest";
import { advanceUntil, deferred, setup } from "./harness.js";

describe("processing", () => {
	it("runs each job once with its data, id, name and attempt", async () => {
		const { clock, queue } = setup();
		const seen: unknown[] = [];
		queue.handle("greet", (job) => {
			seen.push({
				id: job.id,
				name: job.name,
				data: job.data,
				attempts: job.attempts,
				max: job.maxAttempts,
			});
		});
		const id = (await queue.add("greet", { who: "ada" })).id;
		const worker = queue.work();
		await advanceUntil(clock, () => seen.length === 1);
		expect(seen).toEqual([{ id, name: "greet", data: { who: "ada" }, attempts: 1, max: 3 }]);
		await worker.stop();
		expect(await queue.stats()).toMatchObject({ ready: 0, delayed: 0, active: 0, dead: 0 });
	});

	it("wakes an idle worker as soon as a job is added, without waiting for pollInterval", async () => {
		const { clock, queue } = setup();
		let ran = 0;
		queue.handle("now", () => {
			ran++;
		});
		const worker = queue.work({ pollInterval: 60_000 });
		await clock.settle();
		await queue.add("now", {});
		await clock.settle(20); // no fake time passes at all
		expect(ran).toBe(1);
		await worker.stop();
	});

	it("never runs more than `concurrency` handlers at once, and fills every slot", async () => {
		const { clock, queue } = setup();
		let active = 0;
		let peak = 0;
		let done = 0;
		queue.handle("work", async () => {
			active++;
			peak = Math.max(peak, active);
			await new Promise<void>((resolve) => clock.setTimeout(resolve, 10));
			active--;
			done++;
		});
		await queue.addMany(Array.from({ length: 60 }, (_, i) => ({ name: "work", data: { i } })));
		const worker = queue.work({ concurrency: 4 });
		await advanceUntil(clock, () => done === 60, 5);
		expect(peak).toBe(4);
		await worker.stop();
	});

	it("reserves only as many jobs as it has free slots", async () => {
		const { clock, store, queue } = setup();
		const limits: number[] = [];
		const reserve = store.reserve.bind(store);
		store.reserve = (params) => {
			limits.push(params.limit);
			return reserve(params);
		};
		const gate = deferred();
		queue.handle("hold", () => gate.promise);
		await queue.addMany(Array.from({ length: 10 }, () => ({ name: "hold", data: {} })));
		const worker = queue.work({ concurrency: 3 });
		await clock.settle(20);
		expect(worker.running).toBe(3);
		expect((await queue.stats()).active).toBe(3);
		expect(limits.every((limit) => limit >= 1 && limit <= 3)).toBe(true);
		gate.resolve();
		await advanceUntil(
			clock,
			async () => (await queue.stats()).ready === 0 && worker.running === 0,
		);
		await worker.stop();
	});

	it("processes delayed jobs when due and scheduledAt jobs at their time", async () => {
		const { clock, queue } = setup();
		const ranAt: Record<string, number> = {};
		queue.handle("later", (job) => {
			ranAt[job.data.tag] = clock.now();
		});
		await queue.add("later", { tag: "delay" }, { delay: 5_000 });
		await queue.add("later", { tag: "at" }, { scheduledAt: new Date(clock.now() + 2_000) });
		const worker = queue.work({ pollInterval: 60_000 });
		await advanceUntil(clock, () => Object.keys(ranAt).length === 2, 250);
		expect(ranAt.at).toBe(2_000);
		expect(ranAt.delay).toBe(5_000);
		await worker.stop();
	});

	it("runs jobs oldest first with concurrency 1", async () => {
		const { clock, queue } = setup();
		const order: number[] = [];
		queue.handle("n", (job) => {
			order.push(job.data.i);
		});
		await queue.addMany(Array.from({ length: 20 }, (_, i) => ({ name: "n", data: { i } })));
		const worker = queue.work();
		await advanceUntil(clock, () => order.length === 20);
		expect(order).toEqual(Array.from({ length: 20 }, (_, i) => i));
		await worker.stop();
	});
});
