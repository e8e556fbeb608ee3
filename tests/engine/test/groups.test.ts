import { InvalidOptionError, JobQueue, UnsupportedError } from "@jobs/core";
import { describe, expect, it } from "vitest";
import { advanceUntil, setup } from "./harness.js";

describe("groups", () => {
	it("shares the workers between groups in turn, whatever one group's backlog", async () => {
		const { clock, queue } = setup();
		const ran: string[] = [];
		queue.handle("x", (job) => {
			ran.push(job.group ?? "none");
		});
		await queue.addMany(
			Array.from({ length: 50 }, (_, i) => ({ name: "x", data: { i }, options: { group: "big" } })),
		);
		await queue.add("x", {}, { group: "small" });
		await queue.add("x", {}, { group: "small" });
		const worker = queue.work({ concurrency: 1 });
		await advanceUntil(clock, () => ran.length === 52);
		expect(ran.slice(0, 4)).toEqual(["big", "small", "big", "small"]);
		expect((await queue.jobs({ state: "ready" })).total).toBe(0);
		await worker.stop();
	});

	it("runs at most the group concurrency of one group at once, and shows the group in getJob", async () => {
		const { clock, queue } = setup();
		await queue.setGroupLimits({ concurrency: 2 });
		expect(await queue.getGroupLimits()).toEqual({ concurrency: 2 });
		const running = new Map<string, number>();
		const most = new Map<string, number>();
		let done = 0;
		queue.handle("x", async (job) => {
			const g = job.group!;
			running.set(g, (running.get(g) ?? 0) + 1);
			most.set(g, Math.max(most.get(g) ?? 0, running.get(g)!));
			await new Promise<void>((resolve) => clock.setTimeout(resolve, 100));
			running.set(g, running.get(g)! - 1);
			done++;
		});
		const { id } = await queue.add("x", {}, { group: "a" });
		expect((await queue.getJob(id))?.group).toBe("a");
		for (let i = 0; i < 9; i++) await queue.add("x", { i }, { group: i % 2 ? "a" : "b" });
		const worker = queue.work({ concurrency: 10 });
		await advanceUntil(clock, () => done === 10, 20);
		expect(Object.fromEntries(most)).toEqual({ a: 2, b: 2 });
		await worker.stop();
	});

	it("pauses and resumes one group, naming bad groups and refusing groups on a store without them", async () => {
		const { clock, queue } = setup();
		const ran: string[] = [];
		queue.handle("x", (job) => {
			ran.push(job.group!);
		});
		await queue.pauseGroup("a");
		expect(await queue.isGroupPaused("a")).toBe(true);
		await queue.add("x", {}, { group: "a" });
		await queue.add("x", {}, { group: "b" });
		const worker = queue.work();
		await advanceUntil(clock, () => ran.length === 1);
		for (let i = 0; i < 10; i++) await clock.advance(1_000);
		expect(ran).toEqual(["b"]);
		await queue.resumeGroup("a");
		await advanceUntil(clock, () => ran.length === 2);
		await worker.stop();
		await expect(queue.add("x", {}, { group: "" })).rejects.toThrow(/options\.group|group/);
		await expect(queue.add("x", {}, { group: 5 as never })).rejects.toBeInstanceOf(
			InvalidOptionError,
		);
		await expect(queue.pauseGroup(7 as never)).rejects.toBeInstanceOf(InvalidOptionError);
		await expect(queue.setGroupLimits({ concurrency: 0 })).rejects.toBeInstanceOf(
			InvalidOptionError,
		);
		const bare = new JobQueue({ store: { ...queue.store, capabilities: {} } as never });
		await expect(bare.add("x", {}, { group: "a" })).rejects.toBeInstanceOf(UnsupportedError);
		await expect(bare.pauseGroup("a")).rejects.toBeInstanceOf(UnsupportedError);
	});
});
