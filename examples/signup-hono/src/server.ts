/**
 * The web process. With `REDIS_URL` it only enqueues (run `worker.js` beside it); without, it
 * also runs the jobs itself, on the memory store (dev mode).
 *
 *   REDIS_URL=redis://127.0.0.1:6379 PORT=3000 node dist/server.js
 */
import { serve } from "@hono/node-server";
import { createApp } from "./app.js";
import { closeOnSignals, openQueue, redactUrl, registerHandlers } from "./jobs.js";

const { queue, kind } = await openQueue();
if (kind === "memory") {
	registerHandlers(queue);
	queue.work({ concurrency: 4 });
	console.log("[server] no REDIS_URL: jobs run in this process on the memory store (dev mode)");
} else {
	console.log(
		`[server] enqueuing to ${redactUrl(process.env.REDIS_URL ?? "")}; run the worker beside it`,
	);
}

const hostname = process.env.HOST ?? "127.0.0.1";
const server = serve(
	{ fetch: createApp(queue).fetch, port: Number(process.env.PORT ?? 3000), hostname },
	(info) => console.log(`[server] listening on http://${hostname}:${info.port}`),
);

closeOnSignals("server", async () => {
	await new Promise<void>((resolve, reject) => {
		server.close((error) => (error ? reject(error) : resolve()));
	});
	console.log("[server] HTTP server closed");
	await queue.close();
	console.log(
		kind === "memory"
			? "[server] queue closed: in-process worker drained, memory store closed"
			: "[server] queue closed: Redis connections closed",
	);
});
