import { InvalidOptionError, JobQueue, MAX_PRIORITY, UnsupportedError } from "@jobs/core";
import { describe, expect, it } from "vitest";
import { advanceUntil, setup } from "./harness.js";

describe("priorities", () => {
	it("runs lower priorities first and each priority in add order, through a worker", async () => {
		const { clock, queue } = setup();
		const ran: string[] = [];
		queue.handle("x", (job) => {
			ran.push(job.data.tag);
		});
		await queue.addMany([
			{ name: "x", data: { tag: "late" }, options: { priority: 10 } },
			{ name: "x", data: { tag: "first" } },
			{ name: "x", data: { tag: "soon-1" }, options: { priority: 1 } },
			{ name: "x", data: { tag: "zero" }, options: { priority: 0 } },
			{ name: "x", data: { tag: "soon-2" }, options: { priority: 1 } },
		]);
		const worker = queue.work({ concurrency: 1 });
		await advanceUntil(clock, () => ran.length === 5);
		expect(ran).toEqual(["first", "zero", "soon-1", "soon-2", "late"]);
		await worker.stop();
	});

	it("shows the priority in getJob (0 when none was given)", async () => {
		const { queue } = setup();
		const { id } = await queue.add("x", { n: 1 }, { priority: 7 });
		const { id: plain } = await queue.add("x", { n: 2 });
		expect((await queue.getJob(id))?.priority).toBe(7);
		expect((await queue.getJob(plain))?.priority).toBe(0);
	});

	it("refuses a bad priority naming the option, and adds nothing of the batch", async () => {
		const { queue } = setup();
		for (const priority of [-1, 2.5, MAX_PRIORITY + 1, "1", Number.POSITIVE_INFINITY]) {
			const error = await queue
				.addMany([
					{ name: "x", data: {} },
					{ name: "x", data: {}, options: { priority: priority as number } },
				])
				.catch((e: unknown) => e);
			expect(error).toBeInstanceOf(InvalidOptionError);
			expect((error as Error).message).toContain("jobs[1].priority");
		}
		expect((await queue.stats()).ready).toBe(0);
	});

	it("refuses priority on a store without the priorities capability", async () => {
		const { queue: plain } = setup();
		const store = { ...plain.store, capabilities: {} } as never;
		const queue = new JobQueue({ store });
		await expect(queue.add("x", {}, { priority: 1 })).rejects.toBeInstanceOf(UnsupportedError);
	});
});
