/**
 * Opt-in global typing: `import '@jobs/hono/global'` once, and `c.get('queue')` / `c.var.queue`
 * are typed in every Hono app of the program, without `JobsEnv`. It widens Hono's
 * `ContextVariableMap` for the whole program (every app, even those without the middleware), so
 * it is not part of the main entry point.
 *
 * The queue type is the one registered on `Register` (else an untyped `JobQueue`):
 *
 * @example
 * import "@jobs/hono/global";
 * import { jobs } from "@jobs/hono";
 *
 * declare module "@jobs/hono" {
 *   interface Register { queue: typeof queue }
 * }
 *
 * const app = new Hono();
 * app.use(jobs(queue));
 * app.post("/signup", (c) => c.get("queue").add("send-welcome", { email: "a@b.co" }).then(() => c.body(null, 201)));
 * @module
 */
import type {} from "hono";
import type { RegisteredQueue } from "./index.js";

declare module "hono" {
	interface ContextVariableMap {
		/** The queue `jobs(queue)` put on the request (typed by `Register` from `@jobs/hono`). */
		queue: RegisteredQueue;
	}
}
