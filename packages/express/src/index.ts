/**
 * Express 5 middleware for `@jobs/core`: the queue on every request as `req.queue`, a typed
 * accessor for apps that keep Express's `Request` type untouched, and an error middleware that
 * answers a rejected `add` with 400 (bad input) or 503 (store unreachable).
 *
 * `req.queue` is typed only after the opt-in `import '@jobs/express/global'`, which widens
 * Express's `Request` in the whole program; `getQueue<typeof queue>(req)` needs no augmentation.
 * @module
 */

import {
	type AnyJobQueue,
	type JobsErrorBody,
	type JobsErrorStatus,
	jobsErrorBody,
	jobsErrorStatus,
} from "@jobs/core";
import type { ErrorRequestHandler, Request, RequestHandler } from "express";

export { type AnyJobQueue, type JobsErrorBody, type JobsErrorStatus, jobsErrorStatus };

/**
 * Where the opt-in global augmentation (`@jobs/express/global`) takes the type of `req.queue`
 * from. Without a registration it is an untyped `JobQueue`; register the app's queue once to
 * type it everywhere:
 *
 * @example
 * import "@jobs/express/global";
 * declare module "@jobs/express" {
 *   interface Register { queue: typeof queue }
 * }
 */
// biome-ignore lint/suspicious/noEmptyInterface: an interface users augment (declaration merging)
export interface Register {}

/**
 * The type of `req.queue` under the global augmentation: the registered queue (see
 * {@link Register}), else `JobQueue` with an untyped job map.
 *
 * @example
 * const queue: RegisteredQueue = req.queue; // with `@jobs/express/global` imported
 */
export type RegisteredQueue = Register extends { queue: infer Q extends AnyJobQueue }
	? Q
	: AnyJobQueue;

/**
 * Middleware that puts `queue` on every request as `req.queue`. The queue is shared, never
 * created per request. Read it with `getQueue<typeof queue>(req)`, or as `req.queue` after
 * `import '@jobs/express/global'`.
 *
 * @example
 * import express from "express";
 * import { getQueue, jobs, jobsErrorHandler } from "@jobs/express";
 *
 * const app = express();
 * app.use(express.json());
 * app.use(jobs(queue));
 * app.post("/signup", async (req, res) => {
 *   const { id } = await getQueue<typeof queue>(req).add("send-welcome", { email: req.body.email });
 *   res.status(201).json({ id });
 * });
 * app.use(jobsErrorHandler());
 */
export function jobs<Q extends AnyJobQueue>(queue: Q): RequestHandler {
	if (!queue || typeof (queue as { add?: unknown }).add !== "function") {
		throw new TypeError("jobs(queue): expected a JobQueue");
	}
	return function jobs(req, _res, next) {
		(req as Request & { queue: Q }).queue = queue;
		next();
	};
}

/**
 * The queue `jobs(queue)` put on `req`, typed as `Q` (pass `typeof queue`). Throws when the
 * middleware did not run for this request, so a missing `app.use(jobs(queue))` shows up as a
 * clear 500 instead of `undefined.add`.
 *
 * @example
 * router.post("/report", async (req, res) => {
 *   const queue = getQueue<typeof appQueue>(req);
 *   await queue.add("report", { id: Number(req.params.id) }); // job name and data type-checked
 *   res.sendStatus(202);
 * });
 */
export function getQueue<Q extends AnyJobQueue = AnyJobQueue>(req: Request): Q {
	const queue = (req as Request & { queue?: Q }).queue;
	if (queue === undefined) {
		throw new Error(
			"no job queue on this request: add app.use(jobs(queue)) before the routes that use it",
		);
	}
	return queue;
}

/**
 * Error middleware for job errors: a bad-input `JobsError` (bad name, data, option, payload
 * too large; see `isInputError`) becomes 400 with `{ error, code }`; an unreachable or closed
 * store becomes 503 with a generic message (the store's own message may name hosts). Anything
 * else, or an error after the response started, goes on to the next error handler.
 *
 * Express 5 forwards the rejection of an `async` route here by itself, so a route only needs
 * to `await queue.add(...)`; the request is answered, never left hanging. Mount it after the
 * routes.
 *
 * @example
 * app.post("/signup", async (req, res) => {
 *   res.status(201).json({ id: await getQueue<typeof queue>(req).add("send-welcome", req.body) });
 * });
 * app.use(jobsErrorHandler());
 * // bad data -> 400 { "error": "data.at: ...", "code": "JOBS_INVALID_DATA" }
 * // Redis down -> 503 { "error": "job store unavailable", "code": "JOBS_STORE_UNAVAILABLE" }
 */
export function jobsErrorHandler(): ErrorRequestHandler {
	return function jobsErrorHandler(err, _req, res, next) {
		const status = jobsErrorStatus(err);
		if (status === undefined || res.headersSent) {
			next(err);
			return;
		}
		res.status(status).json(jobsErrorBody(err, status));
	};
}
