// The job map and the handlers, shared by the producer and the worker processes: the producer
// needs the types to enqueue correctly, the worker needs the handlers to run the jobs.
import { JobQueue } from "@jobs/core";
import { RedisJobStore } from "@jobs/store-redis";

/** Job name → data. `queue.add` rejects anything else at compile time. */
export type Jobs = {
	"resize-image": { url: string; width: number };
	"send-receipt": { orderId: string; email: string };
};

/** A queue on the Redis at REDIS_URL, under JOBS_PREFIX (default "example"). */
export async function createQueue(): Promise<JobQueue<Jobs>> {
	const url = process.env.REDIS_URL;
	if (!url) throw new Error("set REDIS_URL, e.g. REDIS_URL=redis://127.0.0.1:6379");
	const store = await RedisJobStore.connect({ url, prefix: process.env.JOBS_PREFIX ?? "example" });
	return new JobQueue<Jobs>({ store });
}

/**
 * Registers every handler. Handlers must be idempotent: delivery is at-least-once, so a job whose
 * worker crashed mid-run runs again on another worker. Both handlers here only log.
 */
export function registerHandlers(queue: JobQueue<Jobs>): void {
	const who = `worker ${process.pid}`;
	queue.handle("resize-image", async (job) => {
		await new Promise((resolve) => setTimeout(resolve, 5)); // pretend to work
		console.log(`[${who}] done ${job.name} #${job.id} (${job.data.url} → ${job.data.width}px)`);
	});
	queue.handle("send-receipt", async (job) => {
		console.log(`[${who}] done ${job.name} #${job.id} (order ${job.data.orderId})`);
	});
}
