/**
 * Hono middleware for `@jobs/core`: the queue on every request as `c.get('queue')` /
 * `c.var.queue`, typed with the app's own job map, and an `onError` handler that answers a
 * rejected `add` with 400 (bad input) or 503 (store unreachable).
 * @module
 */

import {
	type AnyJobQueue,
	type JobsErrorBody,
	type JobsErrorStatus,
	jobsErrorBody,
	jobsErrorStatus,
} from "@jobs/core";
import type { Context, ErrorHandler, MiddlewareHandler } from "hono";

export { type AnyJobQueue, type JobsErrorBody, type JobsErrorStatus, jobsErrorStatus };

/**
 * The context variables `jobs(queue)` sets: `queue`, with the exact type of the queue given,
 * job map included.
 *
 * @example
 * type AppVariables = JobsVariables<typeof queue> & { requestId: string };
 * const app = new Hono<{ Variables: AppVariables }>();
 */
export type JobsVariables<Q extends AnyJobQueue = AnyJobQueue> = { queue: Q };

/**
 * The Hono `Env` of an app that uses `jobs(queue)`, for `new Hono<JobsEnv<typeof queue>>()`.
 * Merge it with other env parts by intersection.
 *
 * @example
 * const queue = new JobQueue<{ "send-welcome": { email: string } }>({ store });
 * const app = new Hono<JobsEnv<typeof queue>>();
 * app.use(jobs(queue));
 * app.post("/signup", async (c) => {
 *   const { id } = await c.get("queue").add("send-welcome", { email: "a@b.co" }); // typed
 *   return c.json({ id }, 201);
 * });
 */
export type JobsEnv<Q extends AnyJobQueue = AnyJobQueue> = { Variables: JobsVariables<Q> };

/**
 * Where the opt-in global augmentation (`@jobs/hono/global`) takes the queue type from.
 * Without a registration `c.get('queue')` is an untyped `JobQueue`; register the app's queue
 * once to type it everywhere:
 *
 * @example
 * import "@jobs/hono/global";
 * declare module "@jobs/hono" {
 *   interface Register { queue: typeof queue }
 * }
 */
// biome-ignore lint/suspicious/noEmptyInterface: an interface users augment (declaration merging)
export interface Register {}

/**
 * The queue type of the global augmentation: the registered one (see {@link Register}), else
 * `JobQueue` with an untyped job map.
 *
 * @example
 * const queue: RegisteredQueue = c.get("queue"); // with `@jobs/hono/global` imported
 */
export type RegisteredQueue = Register extends { queue: infer Q extends AnyJobQueue }
	? Q
	: AnyJobQueue;

/**
 * Middleware that puts `queue` on every request as `c.get('queue')` and `c.var.queue`.
 *
 * Typing follows Hono's rules: chain it (`new Hono().use(jobs(queue)).post(...)`) or declare
 * the env up front (`new Hono<JobsEnv<typeof queue>>()`); either way `add` checks job names
 * and data against the queue's job map. The queue is shared, never created per request.
 *
 * @example
 * import { Hono } from "hono";
 * import { jobs, jobsErrorHandler } from "@jobs/hono";
 *
 * const app = new Hono()
 *   .use(jobs(queue))
 *   .post("/signup", async (c) => {
 *     const { email } = await c.req.json();
 *     const { id } = await c.var.queue.add("send-welcome", { email });
 *     return c.json({ id }, 201);
 *   });
 * app.onError(jobsErrorHandler());
 */
export function jobs<Q extends AnyJobQueue>(queue: Q): MiddlewareHandler<JobsEnv<Q>> {
	if (!queue || typeof (queue as { add?: unknown }).add !== "function") {
		throw new TypeError("jobs(queue): expected a JobQueue");
	}
	return async function jobs(c, next) {
		c.set("queue", queue);
		await next();
	};
}

/**
 * Options of {@link jobsErrorHandler}.
 *
 * @example
 * const options: JobsErrorHandlerOptions = { fallback: (err, c) => c.json({ error: "oops" }, 500) };
 * app.onError(jobsErrorHandler(options));
 */
export interface JobsErrorHandlerOptions {
	/**
	 * Answers every error that is not a bad-input or store-unavailable `JobsError`. Default:
	 * Hono's own behaviour (`HTTPException#getResponse()`, else log and answer 500).
	 */
	fallback?: ErrorHandler;
}

/**
 * An `app.onError` handler for job errors: a bad-input `JobsError` (bad name, data, option,
 * payload too large; see `isInputError`) becomes 400 with `{ error, code }`, an unreachable or
 * closed store becomes 503 with a generic message (the store's own message may name hosts).
 * Everything else goes to `fallback`, by default Hono's usual answer.
 *
 * A handler only needs to `await queue.add(...)`: Hono routes the rejection here, so the
 * request is answered, never left hanging.
 *
 * @example
 * const app = new Hono<JobsEnv<typeof queue>>();
 * app.use(jobs(queue));
 * app.onError(jobsErrorHandler());
 * // POST with data the queue rejects -> 400 { "error": "data.at: ...", "code": "JOBS_INVALID_DATA" }
 * // Redis down                       -> 503 { "error": "job store unavailable", "code": "JOBS_STORE_UNAVAILABLE" }
 */
export function jobsErrorHandler(options: JobsErrorHandlerOptions = {}): ErrorHandler {
	const fallback = options.fallback ?? honoDefaultErrorHandler;
	return function jobsErrorHandler(err, c) {
		const status = jobsErrorStatus(err);
		if (status === undefined) return fallback(err, c);
		return c.json(jobsErrorBody(err, status), status);
	};
}

/** Hono's built-in `onError` behaviour, used when no fallback is given. */
function honoDefaultErrorHandler(err: Error, c: Context): Response {
	if ("getResponse" in err && typeof err.getResponse === "function") {
		const res = err.getResponse() as Response;
		return c.newResponse(res.body, res);
	}
	console.error(err);
	return c.text("Internal Server Error", 500);
}
