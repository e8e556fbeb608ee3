/**
 * What the server and the worker share: the job map, the queue (Redis when `REDIS_URL` is set,
 * else the in-process memory store), the handlers, the fake mailer and the shutdown wiring.
 */
import { JobQueue } from "@jobs/core";
import { MemoryJobStore } from "@jobs/store-memory";
import { RedisJobStore } from "@jobs/store-redis";

/** Every job this app knows: name → data. `queue.add` and `queue.handle` are checked against it. */
export type Jobs = {
	"send-welcome": { email: string };
};

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

/** `redis://:secret@host:6379/0` → `redis://host:6379/0`, for logs. */
export function redactUrl(url: string): string {
	try {
		const parsed = new URL(url);
		parsed.username = "";
		parsed.password = "";
		return parsed.toString();
	} catch {
		return "(unparsable REDIS_URL)";
	}
}

/**
 * On the first SIGTERM or SIGINT, runs `shutdown` and lets the process end by itself (so a
 * leaked connection shows up as a hang, cut after 30 s with exit code 1). A second signal exits
 * at once.
 */
export function closeOnSignals(who: string, shutdown: () => Promise<void>): void {
	let closing = false;
	const onSignal = (signal: NodeJS.Signals) => {
		if (closing) {
			console.log(`[${who}] second ${signal}: exiting now`);
			process.exit(1);
		}
		closing = true;
		console.log(`[${who}] ${signal}: shutting down`);
		setTimeout(() => {
			console.error(`[${who}] still busy 30 s after ${signal}: exiting`);
			process.exit(1);
		}, 30_000).unref();
		shutdown().then(
			() => console.log(`[${who}] shut down cleanly`),
			(error: unknown) => {
				console.error(`[${who}] shutdown failed:`, error);
				process.exitCode = 1;
			},
		);
	};
	process.on("SIGTERM", onSignal);
	process.on("SIGINT", onSignal);
}
