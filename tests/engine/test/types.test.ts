import { type Job, type JobEvent, JobQueue, type WithResult } from "@jobs/core";
import { MemoryJobStore } from "@jobs/store-memory";
import { describe, expect, expectTypeOf, it } from "vitest";

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

	it("types results from a map entry that declares one with WithResult", async () => {
		type WithResults = {
			resize: WithResult<{ url: string }, { width: number }>;
			plain: { n: number };
		};
		const queue = new JobQueue<WithResults>({
			store: new MemoryJobStore({ events: true }),
			keep: { completed: true },
		});
		queue.handle("resize", async (job) => {
			expectTypeOf(job.data).toEqualTypeOf<{ url: string }>();
			return { width: 640 };
		});
		expect(() =>
			// @ts-expect-error the handler must return the declared result
			queue.handle("resize", async () => ({ height: 1 })),
		).toThrow(/already/);
		queue.handle("plain", (job) => {
			expectTypeOf(job.data.n).toBeNumber();
			return "anything";
		});
		await queue.add("resize", { url: "u" });
		// @ts-expect-error data is the entry's data type, not the WithResult wrapper
		await queue.add("resize", { data: { url: "u" } }).catch(() => {});
		const waiting = queue.waitFor<"resize">("1", { timeout: 1 }).catch(() => undefined);
		expectTypeOf(waiting).resolves.toEqualTypeOf<{ width: number } | undefined>();
		const job = await queue.getJob("1");
		if (job?.name === "resize")
			expectTypeOf(job.result).toEqualTypeOf<{ width: number } | undefined>();
		const event = {} as JobEvent<WithResults>;
		if (event.name === "resize")
			expectTypeOf(event.result).toEqualTypeOf<{ width: number } | undefined>();
		await queue.close();
	});
});
