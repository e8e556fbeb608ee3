/** The HTTP app: `POST /signup` enqueues a welcome mail and answers 201 at once. */
import { BAD_EMAIL, NOT_JSON, parseSignup, type SignupQueue } from "@jobs/example-signup-common";
import { type JobsEnv, jobs, jobsErrorHandler } from "@jobs/hono";
import { Hono } from "hono";

export function createApp(queue: SignupQueue): Hono<JobsEnv<SignupQueue>> {
	const app = new Hono<JobsEnv<SignupQueue>>();
	app.use(jobs(queue));

	app.post("/signup", async (c) => {
		let body: unknown;
		try {
			body = await c.req.json();
		} catch {
			return c.json({ error: NOT_JSON }, 400);
		}
		const signup = parseSignup(body);
		if (!signup) return c.json({ error: BAD_EMAIL }, 400);
		// A rejection (store down, bad data) goes to jobsErrorHandler: 503 or 400, never a hang.
		const { id } = await c.var.queue.add("send-welcome", signup);
		return c.json({ id }, 201);
	});

	app.get("/stats", async (c) => c.json(await c.var.queue.stats()));

	app.onError(jobsErrorHandler());
	return app;
}
