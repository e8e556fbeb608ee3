/**
 * The jobs of the signup examples: the job map, the queue (Redis when `REDIS_URL` is set, else
 * the in-process memory store), the handlers and the fake mailer.
 */
import { JobQueue } from "@jobs/core";
import { MemoryJobStore } from "@jobs/store-memory";
import { RedisJobStore } from "@jobs/store-redis";

/** Every job this app knows: name → data. `queue.add` and `queue.handle` are checked against it. */
export type Jobs = {
	"send-welcome": { email: string };
};

/** The queue of the signup examples, typed with {@link Jobs}. */
export type SignupQueue = JobQueue<Jobs>;

/** Where the jobs live: `redis` (shared with worker processes) or `memory` (this process only). */
export type StoreKind = "redis" | "memory";

/** A mailer that only logs, slowly enough (`MAILER_DELAY_MS`, default 100) to watch a drain. */
export const fakeMailer = {
	async sendWelcome(email: string, jobId: string): Promise<void> {
		console.log(`[mailer] sending welcome mail to ${email} (job ${jobId})`);
		await new Promise((resolve) => setTimeout(resolve, Number(process.env.MAILER_DELAY_MS ?? 100)));
		console.log(`[mailer] sent welcome mail to ${email} (job ${jobId})`);
	},
};

/** Opens the queue: on Redis when `REDIS_URL` is set (prefix `JOBS_PREFIX`, default "signup"), else in memory. */
export async function openQueue(
	env: NodeJS.ProcessEnv = process.env,
): Promise<{ queue: SignupQueue; kind: StoreKind }> {
	if (!env.REDIS_URL) {
		return { queue: new JobQueue<Jobs>({ store: new MemoryJobStore() }), kind: "memory" };
	}
	const store = await RedisJobStore.connect({
		url: env.REDIS_URL,
		prefix: env.JOBS_PREFIX ?? "signup",
	});
	return { queue: new JobQueue<Jobs>({ store }), kind: "redis" };
}

/** Registers the handlers: whoever runs workers on the queue calls this once. */
export function registerHandlers(queue: SignupQueue, mailer = fakeMailer): void {
	queue.handle("send-welcome", (job) => mailer.sendWelcome(job.data.email, job.id));
	queue.onFailed((job, error) => {
		console.error(`[jobs] ${job.name} #${job.id} gave up after ${job.attempts} attempts:`, error);
	});
}
