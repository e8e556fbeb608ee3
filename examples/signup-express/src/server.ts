/**
 * The web process, on Express. With `REDIS_URL` it only enqueues (run `worker.js` beside it);
 * without, it also runs the jobs itself, on the memory store (dev mode).
 *
 *   REDIS_URL=redis://127.0.0.1:6379 PORT=3000 node dist/server.js
 */
import type { AddressInfo } from "node:net";
import { runSignupServer } from "@jobs/example-signup-common";
import { createApp } from "./app.js";

await runSignupServer(
	(queue, { port, hostname }) =>
		new Promise((resolve, reject) => {
			const server = createApp(queue).listen(port, hostname, (error) => {
				if (error) return reject(error);
				resolve({
					port: (server.address() as AddressInfo).port,
					close: () =>
						new Promise<void>((done, fail) => {
							server.close((closeError) => (closeError ? fail(closeError) : done()));
						}),
				});
			});
		}),
);
