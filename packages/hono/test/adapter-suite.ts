/**
 * `@jobs/hono` against one store, run once per store (memory, Redis) as Oban runs one test
 * module per engine: the adapter-independent suite of `@jobs/test-support`, in process through
 * `app.request`, plus what only Hono has.
 */
import type { JobQueue } from "@jobs/core";
import { describeAdapter, type Jobs, type StoreHarness } from "@jobs/test-support/adapter-suite";
import { Hono } from "hono";
import { expect, it } from "vitest";
import { type JobsEnv, jobs, jobsErrorHandler } from "../src/index.js";

function signupApp(queue: JobQueue<Jobs>): Hono<JobsEnv<JobQueue<Jobs>>> {
	const app = new Hono<JobsEnv<JobQueue<Jobs>>>();
	app.use(jobs(queue));
	app.post("/signup", async (c) => {
		const { email } = await c.req.json<{ email: string }>();
		const delay = c.req.query("delay");
		const { id } = await c.var.queue.add(
			"send-welcome",
			{ email },
			delay === undefined ? undefined : { delay: Number(delay) },
		);
		return c.json({ id }, 201);
	});
	app.onError(jobsErrorHandler());
	return app;
}

export function describeHonoAdapter(storeName: string, harness: StoreHarness): void {
	describeAdapter(
		{
			name: "@jobs/hono",
			serveSignup: async (queue) => {
				const app = signupApp(queue);
				return { request: async (path, init) => app.request(path, init), close: async () => {} };
			},
			ownTests(queue) {
				it("puts the queue on c.get('queue') and c.var.queue", async () => {
					const app = new Hono<JobsEnv<JobQueue<Jobs>>>();
					app.use(jobs(queue()));
					app.get("/", (c) =>
						c.json({ get: c.get("queue") === queue(), var: c.var.queue === queue() }),
					);
					const res = await app.request("/");
					expect(await res.json()).toEqual({ get: true, var: true });
				});
			},
		},
		storeName,
		harness,
	);
}
