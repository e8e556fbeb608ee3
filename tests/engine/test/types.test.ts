import { type Job, JobQueue } from "@jobs/core";
import { MemoryJobStore } from "@jobs/store-memory";
import { describe, expectTypeOf, it } from "vitest";

type Jobs = {
	"send-welcome": { email: string };
	report: { id: number };
};

// Compiled by `pnpm typecheck` (tsc): each @ts-expect-error fails the build if the line compiles.
describe("typed job map", () => {
	it("types add and handle by job name", async () => {
		const queue = new JobQueue<Jobs>({ store: new MemoryJobStore() });
		queue.handle("send-welcome", async (job) => {
			expectTypeOf(job).toEqualTypeOf<Job<{ email: string }, "send-welcome">>();
			expectTypeOf(job.data.email).toBeString();
		});
		await queue.add("send-welcome", { email: "a@b.c" });
		await queue.add("report", { id: 1 }, { delay: 5 });
		await queue.addMany([
			{ name: "report", data: { id: 2 } },
			{ name: "send-welcome", data: { email: "x@y.z" } },
		]);

		// @ts-expect-error unknown job name
		await queue.add("send-welcom", { email: "a@b.c" }).catch(() => {});
		// @ts-expect-error misspelled data key
		await queue.add("send-welcome", { emial: "a@b.c" }).catch(() => {});
		// @ts-expect-error wrong data type
		await queue.add("report", { id: "1" }).catch(() => {});
		// @ts-expect-error data of another job
		await queue.addMany([{ name: "report", data: { email: "x" } }]).catch(() => {});
		// @ts-expect-error no such handler name
		queue.handle("nope", () => {});
		queue.onFailed((job) => {
			expectTypeOf(job.name).toEqualTypeOf<"send-welcome" | "report">();
		});
		await queue.close();
	});

	it("an untyped queue accepts any name and data", async () => {
		const queue = new JobQueue({ store: new MemoryJobStore() });
		await queue.add("anything", { at: 1 });
		queue.handle("anything", (job) => {
			expectTypeOf(job.name).toBeString();
		});
		await queue.close();
	});
});
