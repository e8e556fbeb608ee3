/**
 * The behaviour of `@jobs/hono` against one store, run once per store (memory, Redis) as Oban
 * runs one test module per engine.
 */
import { JobQueue, type JobStore, StoreUnavailableError } from "@jobs/core";
import { Hono } from "hono";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type JobsEnv, jobs, jobsErrorHandler } from "../src/index.js";

export type Jobs = { "send-welcome": { email: string } };

export interface StoreHarness {
	/** A fresh, isolated store. */
	createStore(): Promise<JobStore>;
	/** A store whose backend cannot be reached: its calls reject with `StoreUnavailableError`. */
	createUnreachableStore(): Promise<JobStore>;
}

/** A store that answers every call with `StoreUnavailableError`, as a store does when its backend is down. */
export function unreachableStore(): JobStore {
	const down = () =>
		Promise.reject(new StoreUnavailableError("connect ECONNREFUSED 10.0.0.1:6379"));
	return new Proxy({} as JobStore, {
		get: (_target, key) => {
			if (key === "then") return undefined; // not a thenable: `await` must not call it
			return key === "close" ? () => Promise.resolve() : down;
		},
	});
}

function signupApp(queue: JobQueue<Jobs>): Hono<JobsEnv<JobQueue<Jobs>>> {
	const app = new Hono<JobsEnv<JobQueue<Jobs>>>();
	app.use(jobs(queue));
	app.post("/signup", async (c) => {
		const { email } = await c.req.json<{ email: string }>();
		const delay = c.req.query("delay");
		const id = await c.var.queue.add(
			"send-welcome",
			{ email },
			delay === undefined ? undefined : { delay: Number(delay) },
		);
		return c.json({ id }, 201);
	});
	app.onError(jobsErrorHandler());
	return app;
}

const post = (app: Hono<JobsEnv<JobQueue<Jobs>>>, body: unknown, query = "") =>
	app.request(`/signup${query}`, {
		method: "POST",
		headers: { "content-type": "application/json" },
		body: JSON.stringify(body),
	});

export function describeHonoAdapter(storeName: string, harness: StoreHarness): void {
	describe(`@jobs/hono on the ${storeName} store`, () => {
		let queue: JobQueue<Jobs>;

		beforeEach(async () => {
			queue = new JobQueue<Jobs>({ store: await harness.createStore(), maxPayloadBytes: 256 });
		});
		afterEach(async () => {
			await queue.close();
		});

		it("puts the queue on c.get('queue') and c.var.queue", async () => {
			const app = new Hono<JobsEnv<typeof queue>>();
			app.use(jobs(queue));
			app.get("/", (c) => c.json({ get: c.get("queue") === queue, var: c.var.queue === queue }));
			const res = await app.request("/");
			expect(await res.json()).toEqual({ get: true, var: true });
		});

		it("enqueues from a route and answers at once with the job id", async () => {
			const res = await post(signupApp(queue), { email: "ada@example.com" });
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
			const res = await post(signupApp(queue), { email: "ada@example.com" });
			const { id } = (await res.json()) as { id: string };
			expect(await seen).toEqual({ id, email: "ada@example.com" });
		});

		it("answers a bad option with 400 and its code, and enqueues nothing", async () => {
			const res = await post(signupApp(queue), { email: "ada@example.com" }, "?delay=-5");
			expect(res.status).toBe(400);
			expect(await res.json()).toEqual({
				error: expect.stringContaining("delay"),
				code: "JOBS_INVALID_OPTION",
			});
			expect(await queue.stats()).toMatchObject({ ready: 0, delayed: 0 });
		});

		it("answers data over the payload limit with 400 and enqueues nothing", async () => {
			const res = await post(signupApp(queue), { email: `${"a".repeat(300)}@example.com` });
			expect(res.status).toBe(400);
			expect(await res.json()).toMatchObject({ code: "JOBS_PAYLOAD_TOO_LARGE" });
			expect(await queue.stats()).toMatchObject({ ready: 0, delayed: 0 });
		});

		it("answers 503 without the store's own message when the store is unreachable", async () => {
			const down = new JobQueue<Jobs>({ store: await harness.createUnreachableStore() });
			try {
				const res = await post(signupApp(down), { email: "ada@example.com" });
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
			const app = signupApp(queue);
			await queue.close();
			const res = await post(app, { email: "ada@example.com" });
			expect(res.status).toBe(503);
			expect(await res.json()).toMatchObject({ code: "JOBS_STORE_CLOSED" });
		});
	});
}
