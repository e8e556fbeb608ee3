// A worker process: `REDIS_URL=… node dist/worker.js`. Start as many as you like, on as many
// machines as you like; they share the queue through Redis.
import { createQueue, registerHandlers } from "./jobs.js";

const concurrency = Number(process.env.CONCURRENCY ?? 8);
const queue = await createQueue();
registerHandlers(queue);
queue.onFailed((job, error) =>
	console.error(`[worker ${process.pid}] gave up on ${job.name} #${job.id}`, error),
);
queue.work({ concurrency });
console.log(`[worker ${process.pid}] working, concurrency ${concurrency}`);

let stopping = false;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
	process.on(signal, () => {
		if (stopping) process.exit(1); // a second signal: give up on draining
		stopping = true;
		console.log(`[worker ${process.pid}] ${signal}: draining`);
		void queue
			.close()
			.then(() => console.log(`[worker ${process.pid}] drained; Redis connections closed`));
	});
}
