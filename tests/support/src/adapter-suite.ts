/**
 * `@jobs/test-support/adapter-suite`: what every HTTP adapter (`@jobs/hono`, `@jobs/express`)
 * must do, whatever the framework: a route enqueues and answers at once, a worker gets the job,
 * bad input is a 400 and a store that is down or closed a 503. Each adapter runs it once per
 * store (memory, Redis), and adds its framework-specific tests through `ownTests`.
 * @module
 */
import {
	InvalidJobDataError,
	InvalidJobNameError,
	InvalidOptionError,
	JobActiveError,
	JobQueue,
	type JobStore,
	JobsError,
	NoHandlerError,
	PayloadTooLargeError,
	StoreClosedError,
	StoreError,
	StoreUnavailableError,
	UnsupportedError,
} from "@jobs/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

/** The job map of the signup app every adapter serves in the suite. */
export type Jobs = { "send-welcome": { email: string } };

/** Where the suite gets its stores. */
export interface StoreHarness {
	/** A fresh, isolated store. */
	createStore(): Promise<JobStore>;
	/** A store whose backend cannot be reached: its calls reject with `StoreUnavailableError`. */
	createUnreachableStore(): Promise<JobStore>;
}

/** An app being served: requests go to it by path, and `close()` frees what serving took. */
export interface ServedApp {
	/** Sends a request to `path` (e.g. `/signup?delay=5`) and resolves the response. */
	request(path: string, init?: RequestInit): Promise<Response>;
	/** Stops serving (closes the HTTP server, if there is one). */
	close(): Promise<void>;
}

/** The adapter under test, as the suite sees it. */
export interface AdapterUnderTest {
	/** Its package name, which names the suite: `@jobs/hono`. */
	name: string;
	/**
	 * Serves the signup app on `queue`, built with the adapter: its `jobs(queue)` middleware,
	 * `POST /signup` adding `send-welcome` with the JSON body's `email` (and `{ delay }` from a
	 * `?delay=` query) and answering 201 `{ id }`, and its `jobsErrorHandler()`.
	 */
	serveSignup(queue: JobQueue<Jobs>): Promise<ServedApp>;
	/**
	 * The adapter's own tests, declared first inside the suite's `describe`; `queue()` is the
	 * suite's fresh queue of the running test.
	 */
	ownTests?(queue: () => JobQueue<Jobs>): void;
}

/** A store that answers every call with `StoreUnavailableError`, as a store does when its backend is down. */
export function unreachableStore(): JobStore {
	const down = () =>
		Promise.reject(new StoreUnavailableError("connect ECONNREFUSED 10.0.0.1:6379"));
	return new Proxy({} as JobStore, {
		get: (_target, key) => {
			if (key === "then") return undefined; // not a thenable: `await` must not call it
			if (key === "onError") return undefined; // an optional hook it does not have
			if (key === "capabilities") return {};
			return key === "close" ? () => Promise.resolve() : down;
		},
	});
}

/** Declares `<adapter.name> on the <storeName> store`: the adapter-independent behaviour, against one store. */
export function describeAdapter(
	adapter: AdapterUnderTest,
	storeName: string,
	harness: StoreHarness,
): void {
	describe(`${adapter.name} on the ${storeName} store`, () => {
		let queue: JobQueue<Jobs>;
		const served: ServedApp[] = [];
		const serve = async (on: JobQueue<Jobs>) => {
			const app = await adapter.serveSignup(on);
			served.push(app);
			return app;
		};
		const post = (app: ServedApp, body: unknown, query = "") =>
			app.request(`/signup${query}`, {
				method: "POST",
				headers: { "content-type": "application/json" },
				body: JSON.stringify(body),
			});

		beforeEach(async () => {
			queue = new JobQueue<Jobs>({ store: await harness.createStore(), maxPayloadBytes: 256 });
		});
		afterEach(async () => {
			await queue.close();
			await Promise.all(served.splice(0).map((app) => app.close()));
		});

		adapter.ownTests?.(() => queue);

		it("enqueues from a route and answers at once with the job id", async () => {
			const res = await post(await serve(queue), { email: "ada@example.com" });
			expect(res.status).toBe(201);
			const { id } = (await res.json()) as { id: string };
			expect(id).toEqual(expect.any(String));
			expect(await queue.stats()).toMatchObject({ ready: 1, delayed: 0, active: 0, dead: 0 });
		});

		it("hands the enqueued job to a worker with its data", async () => {
			const seen = new Promise<{ id: string; email: string }>((resolve) => {
				queue.handle("send-welcome", (job) => resolve({ id: job.id, email: job.data.email }));
			});
			queue.work();
			const res = await post(await serve(queue), { email: "ada@example.com" });
			const { id } = (await res.json()) as { id: string };
			expect(await seen).toEqual({ id, email: "ada@example.com" });
		});

		it("answers a bad option with 400 and its code, and enqueues nothing", async () => {
			const res = await post(await serve(queue), { email: "ada@example.com" }, "?delay=-5");
			expect(res.status).toBe(400);
			expect(await res.json()).toEqual({
				error: expect.stringContaining("delay"),
				code: "JOBS_INVALID_OPTION",
			});
			expect(await queue.stats()).toMatchObject({ ready: 0, delayed: 0 });
		});

		it("answers data over the payload limit with 400 and enqueues nothing", async () => {
			const res = await post(await serve(queue), { email: `${"a".repeat(300)}@example.com` });
			expect(res.status).toBe(400);
			expect(await res.json()).toMatchObject({ code: "JOBS_PAYLOAD_TOO_LARGE" });
			expect(await queue.stats()).toMatchObject({ ready: 0, delayed: 0 });
		});

		it("answers 503 without the store's own message when the store is unreachable", async () => {
			const down = new JobQueue<Jobs>({ store: await harness.createUnreachableStore() });
			try {
				const res = await post(await serve(down), { email: "ada@example.com" });
				expect(res.status).toBe(503);
				expect(await res.json()).toEqual({
					error: "job store unavailable",
					code: "JOBS_STORE_UNAVAILABLE",
				});
			} finally {
				await down.close();
			}
		});

		it("answers 503 once the queue is closed", async () => {
			const app = await serve(queue);
			await queue.close();
			const res = await post(app, { email: "ada@example.com" });
			expect(res.status).toBe(503);
			expect(await res.json()).toMatchObject({ code: "JOBS_STORE_CLOSED" });
		});
	});
}

/** Declares `jobsErrorStatus()`: the status every adapter gives each error (400, 409, 503, or none). */
export function describeJobsErrorStatus(
	jobsErrorStatus: (error: unknown) => number | undefined,
): void {
	describe("jobsErrorStatus()", () => {
		it.each([
			[new InvalidJobNameError("name must be a non-empty string"), 400],
			[new InvalidJobDataError("data.at", "Date is not JSON"), 400],
			[new PayloadTooLargeError(2_000, 1_000), 400],
			[new InvalidOptionError("delay", "must be ≥ 0"), 400],
			[new StoreUnavailableError("connect ECONNREFUSED"), 503],
			[new StoreClosedError(), 503],
			[new JobActiveError("7", "remove"), 409],
			[new UnsupportedError("lookup", "getJob"), undefined],
			[new StoreError("unexpected reply"), undefined],
			[new NoHandlerError("x"), undefined],
			[new JobsError("JOBS_LEASE_LOST", "lost"), undefined],
			[new Error("plain"), undefined],
			["a string", undefined],
			[undefined, undefined],
		])("maps %o to %s", (error, status) => {
			expect(jobsErrorStatus(error)).toBe(status);
		});
	});
}
