/**
 * The worker process of the signup examples: runs `send-welcome` jobs from Redis. Importing
 * this module starts it (each example's `dist/worker.js` does); start as many as you like.
 *
 *   REDIS_URL=redis://127.0.0.1:6379 node dist/worker.js
 */
import { openQueue, registerHandlers } from "./jobs.js";
import { closeOnSignals, redactUrl } from "./lifecycle.js";

if (!process.env.REDIS_URL) {
	console.error(
		"[worker] REDIS_URL is not set: a separate worker needs Redis (without it, the server runs jobs in-process)",
	);
	process.exit(1);
}

const { queue } = await openQueue();
registerHandlers(queue);
const concurrency = Number(process.env.CONCURRENCY ?? 4);
queue.work({ concurrency });
console.log(
	`[worker] ready: running jobs from ${redactUrl(process.env.REDIS_URL)} (concurrency ${concurrency})`,
);

closeOnSignals("worker", async () => {
	console.log("[worker] draining in-flight jobs");
	await queue.close();
	console.log("[worker] drained; Redis connections closed");
});
