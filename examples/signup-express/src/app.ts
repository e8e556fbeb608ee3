/** The HTTP app: `POST /signup` enqueues a welcome mail and answers 201 at once. */
import "@jobs/express/global";
import { BAD_EMAIL, NOT_JSON, parseSignup, type SignupQueue } from "@jobs/example-signup-common";
import { jobs, jobsErrorHandler } from "@jobs/express";
import express, { type ErrorRequestHandler, type Express } from "express";

// This app owns its Express types, so it opts in to `req.queue`, typed with its job map.
// (Libraries and shared routers would use `getQueue<SignupQueue>(req)` instead.)
declare module "@jobs/express" {
	interface Register {
		queue: SignupQueue;
	}
}

/** Answers body-parser's errors (malformed JSON, too large) with their 4xx status, the rest with 500. */
const lastErrorHandler: ErrorRequestHandler = (err, _req, res, next) => {
	if (res.headersSent) return next(err);
	const status = (err as { status?: unknown }).status;
	if (typeof status === "number" && status >= 400 && status < 500) {
		const error =
			(err as { type?: unknown }).type === "entity.parse.failed"
				? NOT_JSON
				: (err as Error).message;
		res.status(status).json({ error });
		return;
	}
	console.error(err);
	res.status(500).json({ error: "internal error" });
};

export function createApp(queue: SignupQueue): Express {
	const app = express();
	app.use(express.json({ limit: "10kb" }));
	app.use(jobs(queue));

	app.post("/signup", async (req, res) => {
		const signup = parseSignup(req.body);
		if (!signup) {
			res.status(400).json({ error: BAD_EMAIL });
			return;
		}
		// Express 5 sends a rejection (store down, bad data) to jobsErrorHandler: 503 or 400.
		const { id } = await req.queue.add("send-welcome", signup);
		res.status(201).json({ id });
	});

	app.get("/stats", async (req, res) => {
		res.json(await req.queue.stats());
	});

	app.use(jobsErrorHandler());
	app.use(lastErrorHandler);
	return app;
}
