import {
	type AddResult,
	InvalidOptionError,
	JobActiveError,
	JobQueue,
	type JobStore,
	UnsupportedError,
} from "@jobs/core";
import { MemoryJobStore } from "@jobs/store-memory";
import { describe, expect, expectTypeOf, it } from "vitest";
import { advanceUntil, setup } from "./harness.js";

type Jobs = { "send-welcome": { email: string }; report: { id: number; tags?: string[] } };

/** A memory store that declares only what `capabilities` says. */
function storeDeclaring(capabilities: JobStore["capabilities"]): JobStore {
	const store = new MemoryJobStore();
	return new Proxy(store, {
		get: (target, key) => {
			if (key === "capabilities") return capabilities;
			const value = Reflect.get(target, key, target);
			return typeof value === "function" ? value.bind(target) : value;
		},
	});
}

describe("job identity through JobQueue", () => {
	it("adds with a jobId, and an add of the same id resolves the existing job", async () => {
		const { queue } = setup<Jobs>();
		const first = await queue.add("send-welcome", { email: "a@x.co" }, { jobId: "welcome-a" });
		const again = await queue.add("send-welcome", { email: "b@x.co" }, { jobId: "welcome-a" });
		expect(first).toEqual({ id: "welcome-a", created: true });
		expect(again).toEqual({ id: "welcome-a", created: false, existing: "jobId" });
		expect((await queue.getJob("welcome-a"))?.data).toEqual({ email: "a@x.co" });
	});

	it("derives the unique key from name and data, whatever the key order of the data", async () => {
		const { queue } = setup<Jobs>();
		const a = await queue.add("report", { id: 1, tags: ["x"] }, { unique: true });
		const b = await queue.add("report", { tags: ["x"], id: 1 } as Jobs["report"], { unique: true });
		const c = await queue.add("report", { id: 2 }, { unique: true });
		expect(b).toMatchObject({ id: a.id, created: false, existing: "unique" });
		expect(c.created).toBe(true);
		expect((await queue.getJob(a.id))?.uniqueKey).toMatch(/^~/);
	});

	it("uses a given unique key across names, and replace debounces a waiting job", async () => {
		const { queue, clock } = setup<Jobs>();
		const ran: unknown[] = [];
		queue.handle("report", (job) => void ran.push(job.data));
		const unique = { key: "nightly", onConflict: "replace" } as const;
		const first = await queue.add("report", { id: 1 }, { unique, delay: 1_000 });
		const second = await queue.add("report", { id: 2 }, { unique, delay: 1_000 });
		expect(second).toEqual({ id: first.id, created: false, existing: "unique", replaced: true });
		const worker = queue.work();
		await advanceUntil(clock, () => ran.length === 1);
		expect(ran).toEqual([{ id: 2 }]);
		await worker.stop();
	});

	it("types getJob and jobs by job name", async () => {
		const { queue } = setup<Jobs>();
		const { id } = await queue.add("send-welcome", { email: "a@x.co" });
		const job = await queue.getJob(id);
		if (job?.name === "send-welcome") expectTypeOf(job.data).toEqualTypeOf<{ email: string }>();
		expect(job).toMatchObject({ id, name: "send-welcome", state: "ready", attempts: 0 });
		const page = await queue.jobs({ state: "ready" });
		expect(page).toMatchObject({ total: 1, jobs: [{ id, data: { email: "a@x.co" } }] });
		expectTypeOf(queue.add).returns.toEqualTypeOf<Promise<AddResult>>();
	});

	it("removes a waiting job and refuses a running one", async () => {
		const { queue, clock } = setup<Jobs>();
		let release!: () => void;
		queue.handle("report", () => new Promise<void>((r) => (release = r)));
		const running = await queue.add("report", { id: 1 });
		const waiting = await queue.add("report", { id: 2 });
		const worker = queue.work();
		await advanceUntil(clock, async () => (await queue.stats()).active === 1, 1);
		expect(await queue.remove(waiting.id)).toEqual({ removed: true, state: "ready" });
		await expect(queue.remove(running.id)).rejects.toBeInstanceOf(JobActiveError);
		release();
		await worker.stop();
		expect(await queue.stats()).toMatchObject({ ready: 0, delayed: 0, active: 0, dead: 0 });
	});

	it.each([
		["jobId", { jobId: "x1" }, "jobIds"],
		["unique", { unique: true }, "unique"],
	] as const)(
		"refuses %s on a store without the capability, storing nothing",
		async (_o, options, capability) => {
			const queue = new JobQueue<Jobs>({ store: storeDeclaring({ waitForJob: true }) });
			const error = await queue.add("report", { id: 1 }, options).catch((e: unknown) => e);
			expect(error).toBeInstanceOf(UnsupportedError);
			expect(error).toMatchObject({ code: "JOBS_UNSUPPORTED", capability });
			expect((error as Error).message).toContain(capability);
			expect(await queue.stats()).toMatchObject({ ready: 0 });
			await queue.close();
		},
	);

	it("refuses getJob, jobs and remove on a store without lookup and remove", async () => {
		const queue = new JobQueue<Jobs>({ store: storeDeclaring({}) });
		await expect(queue.getJob("1")).rejects.toMatchObject({
			code: "JOBS_UNSUPPORTED",
			capability: "lookup",
		});
		await expect(queue.jobs({ state: "ready" })).rejects.toMatchObject({ capability: "lookup" });
		await expect(queue.remove("1")).rejects.toMatchObject({ capability: "remove" });
		await queue.close();
	});

	it.each([
		["an unknown option", { urgency: 1 }, "options.urgency"],
		["an empty jobId", { jobId: "" }, "jobId"],
		["an all-digit jobId", { jobId: "123" }, "jobId"],
		["a jobId over 256 characters", { jobId: "j".repeat(257) }, "jobId"],
		["unique: false", { unique: false }, "unique"],
		["an unknown unique option", { unique: { tll: 5 } }, "unique.tll"],
		["empty unique states", { unique: { states: [] } }, "unique.states"],
		["an unknown unique state", { unique: { states: ["waiting"] } }, "unique.states"],
		["a zero unique ttl", { unique: { ttl: 0 } }, "unique.ttl"],
		[
			"replace that can never apply",
			{ unique: { states: ["active"], onConflict: "replace" } },
			"unique",
		],
	])("refuses %s, naming it, and adds nothing", async (_label, options, named) => {
		const { queue } = setup<Jobs>();
		const error = await queue.add("report", { id: 1 }, options as never).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(InvalidOptionError);
		expect((error as Error).message).toContain(named);
		expect(await queue.stats()).toMatchObject({ ready: 0, delayed: 0, active: 0, dead: 0 });
	});

	it("names the entry of a bad option in addMany and adds none of the batch", async () => {
		const { queue } = setup<Jobs>();
		const error = await queue
			.addMany([
				{ name: "report", data: { id: 1 }, options: { jobId: "r-1" } },
				{ name: "report", data: { id: 2 }, options: { jobId: "42" } },
			])
			.catch((e: unknown) => e);
		expect((error as Error).message).toContain("jobs[1].jobId");
		expect(await queue.stats()).toMatchObject({ ready: 0 });
	});

	it("refuses a store without a capability declaration", () => {
		const undeclared = { add: async () => [], close: async () => {} };
		expect(() => new JobQueue({ store: undeclared as unknown as JobStore })).toThrow(
			/store\.capabilities: must be the store's capability declaration/,
		);
	});

	it.each([
		["an unknown state", { state: "waiting" }],
		["a negative offset", { state: "ready", offset: -1 }],
		["a fractional limit", { state: "ready", limit: 2.5 }],
	])("refuses jobs() with %s", async (_label, options) => {
		const { queue } = setup<Jobs>();
		await expect(queue.jobs(options as never)).rejects.toBeInstanceOf(InvalidOptionError);
	});
});
