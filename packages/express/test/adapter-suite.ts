/**
 * The behaviour of `@jobs/express` against one store, run once per store (memory, Redis), over
 * real HTTP to a server listening on port 0.
 */
import type { AddressInfo } from "node:net";
import { JobQueue, type JobStore, StoreUnavailableError } from "@jobs/core";
import express, { type Express } from "express";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { getQueue, jobs, jobsErrorHandler } from "../src/index.js";

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

/** Serves `app` on a free loopback port; resolves its base URL and a closer. */
export async function listen(app: Express): Promise<{ url: string; close: () => Promise<void> }> {
	const server = await new Promise<ReturnType<Express["listen"]>>((resolve, reject) => {
		const s = app.listen(0, "127.0.0.1", (error?: Error) => (error ? reject(error) : resolve(s)));
	});
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}`,
		close: () =>
			new Promise<void>((resolve, reject) => {
				server.close((error) => (error ? reject(error) : resolve()));
				server.closeAllConnections();
			}),
	};
}

export function signupApp(queue: JobQueue<Jobs>): Express {
	const app = express();
	app.use(express.json());
	app.use(jobs(queue));
	app.post("/signup", async (req, res) => {
		const { email } = req.body as { email: string };
		const delay = req.query.delay;
		const id = await getQueue<typeof queue>(req).add(
			"send-welcome",
			{ email },
			typeof delay === "string" ? { delay: Number(delay) } : undefined,
		);
		res.status(201).json({ id });
	});
	app.use(jobsErrorHandler());
	return app;
}

export function describeExpressAdapter(storeName: string, harness: StoreHarness): void {
	describe(`@jobs/express on the ${storeName} store`, () => {
		let queue: JobQueue<Jobs>;
		const closers: (() => Promise<void>)[] = [];
		const serve = async (app: Express) => {
			const server = await listen(app);
			closers.push(server.close);
			return server.url;
		};
		const post = (url: string, body: unknown, query = "") =>
			fetch(`${url}/signup${query}`, {
				method: "POST",
				headers: { "content-type": "application/json" },
				body: JSON.stringify(body),
			});

		beforeEach(async () => {
			queue = new JobQueue<Jobs>({ store: await harness.createStore(), maxPayloadBytes: 256 });
		});
		afterEach(async () => {
			await Promise.all(closers.splice(0).map((close) => close()));
			await queue.close();
		});

		it("puts the queue on req.queue", async () => {
			const app = express();
			app.use(jobs(queue));
			app.get("/", (req, res) => {
				res.json({
					raw: (req as { queue?: unknown }).queue === queue,
					get: getQueue(req) === queue,
				});
			});
			const res = await fetch(await serve(app));
			expect(await res.json()).toEqual({ raw: true, get: true });
		});

		it("enqueues from a route and answers at once with the job id", async () => {
			const res = await post(await serve(signupApp(queue)), { email: "ada@example.com" });
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
			const res = await post(await serve(signupApp(queue)), { email: "ada@example.com" });
			const { id } = (await res.json()) as { id: string };
			expect(await seen).toEqual({ id, email: "ada@example.com" });
		});

		it("answers a bad option with 400 and its code, and enqueues nothing", async () => {
			const res = await post(
				await serve(signupApp(queue)),
				{ email: "ada@example.com" },
				"?delay=-5",
			);
			expect(res.status).toBe(400);
			expect(await res.json()).toEqual({
				error: expect.stringContaining("delay"),
				code: "JOBS_INVALID_OPTION",
			});
			expect(await queue.stats()).toMatchObject({ ready: 0, delayed: 0 });
		});

		it("answers data over the payload limit with 400 and enqueues nothing", async () => {
			const res = await post(await serve(signupApp(queue)), {
				email: `${"a".repeat(300)}@example.com`,
			});
			expect(res.status).toBe(400);
			expect(await res.json()).toMatchObject({ code: "JOBS_PAYLOAD_TOO_LARGE" });
			expect(await queue.stats()).toMatchObject({ ready: 0, delayed: 0 });
		});

		it("answers 503 without the store's own message when the store is unreachable", async () => {
			const down = new JobQueue<Jobs>({ store: await harness.createUnreachableStore() });
			try {
				const res = await post(await serve(signupApp(down)), { email: "ada@example.com" });
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
			const url = await serve(signupApp(queue));
			await queue.close();
			const res = await post(url, { email: "ada@example.com" });
			expect(res.status).toBe(503);
			expect(await res.json()).toMatchObject({ code: "JOBS_STORE_CLOSED" });
		});
	});
}
