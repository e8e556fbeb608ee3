/** The HTTP app: `POST /signup` enqueues a welcome mail and answers 201 at once. */
import { type JobsEnv, jobs, jobsErrorHandler } from "@jobs/hono";
import { Hono } from "hono";
import type { SignupQueue } from "./jobs.js";

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** The signup from a request body, or `undefined` when `email` is missing or not an address. */
export function parseSignup(body: unknown): { email: string } | undefined {
	if (typeof body !== "object" || body === null) return undefined;
	const { email } = body as { email?: unknown };
	if (typeof email !== "string" || email.length > 254 || !EMAIL.test(email)) return undefined;
	return { email };
}

export function createApp(queue: SignupQueue): Hono<JobsEnv<SignupQueue>> {
	const app = new Hono<JobsEnv<SignupQueue>>();
	app.use(jobs(queue));

	app.post("/signup", async (c) => {
		let body: unknown;
		try {
			body = await c.req.json();
		} catch {
			return c.json({ error: 'expected a JSON body: { "email": "…" }' }, 400);
		}
		const signup = parseSignup(body);
		if (!signup) return c.json({ error: "email is missing or not an email address" }, 400);
		// A rejection (store down, bad data) goes to jobsErrorHandler: 503 or 400, never a hang.
		const id = await c.var.queue.add("send-welcome", signup);
		return c.json({ id }, 201);
	});

	app.get("/stats", async (c) => c.json(await c.var.queue.stats()));

	app.onError(jobsErrorHandler());
	return app;
}
