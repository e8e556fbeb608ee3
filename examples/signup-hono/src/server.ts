/**
 * The web process, on Hono's Node.js server. With `REDIS_URL` it only enqueues (run
 * `worker.js` beside it); without, it also runs the jobs itself, on the memory store (dev mode).
 *
 *   REDIS_URL=redis://127.0.0.1:6379 PORT=3000 node dist/server.js
 */
import { serve } from "@hono/node-server";
import { runSignupServer } from "@jobs/example-signup-common";
import { createApp } from "./app.js";

await runSignupServer(
	(queue, { port, hostname }) =>
		new Promise((resolve, reject) => {
			const server = serve({ fetch: createApp(queue).fetch, port, hostname }, (info) =>
				resolve({
					port: info.port,
					close: () =>
						new Promise<void>((done, fail) => {
							server.close((error) => (error ? fail(error) : done()));
						}),
				}),
			);
			server.once("error", reject);
		}),
);
