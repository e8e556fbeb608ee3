/**
 * Opt-in global typing: `import '@jobs/express/global'` once, and `req.queue` is typed on every
 * Express `Request` of the program. It widens `Express.Request` everywhere (as `req.user` does
 * for passport), even in apps that never mount `jobs(queue)`, so it is not part of the main
 * entry point; `getQueue<typeof queue>(req)` is the alternative without augmentation.
 *
 * The queue type is the one registered on `Register` (else an untyped `JobQueue`). Kept in a
 * file of its own: `declare global { namespace Express }` beside an `express` import trips
 * biome's noRedeclare.
 *
 * @example
 * import "@jobs/express/global";
 * import { jobs } from "@jobs/express";
 *
 * declare module "@jobs/express" {
 *   interface Register { queue: typeof queue }
 * }
 *
 * app.use(jobs(queue));
 * app.post("/signup", async (req, res) => {
 *   res.status(201).json({ id: await req.queue.add("send-welcome", { email: req.body.email }) });
 * });
 * @module
 */
import type { RegisteredQueue } from "./index.js";

declare global {
	namespace Express {
		interface Request {
			/** The queue `jobs(queue)` put on the request (typed by `Register` from `@jobs/express`). */
			queue: RegisteredQueue;
		}
	}
}
