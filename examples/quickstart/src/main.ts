// The quick start, runnable: `pnpm demo` from the repository root.
import { JobQueue } from "@jobs/core";
import { MemoryJobStore } from "@jobs/store-memory";

type Jobs = {
	"send-welcome": { email: string };
	report: { id: number };
	flaky: { tries: number };
	charge: { orderId: string };
};

const started = Date.now();
const log = (message: string) =>
	console.log(`[+${String(Date.now() - started).padStart(4)} ms] ${message}`);

const queue = new JobQueue<Jobs>({ store: new MemoryJobStore() }); // dev; RedisJobStore.connect(...) in prod

queue.handle("send-welcome", async (job) => {
	log(`sent welcome mail to ${job.data.email}`);
});

queue.handle("report", async (job) => {
	log(`built report #${job.data.id} (it was delayed)`);
});

// Fails until its last attempt: shows retries with backoff.
queue.handle(
	"flaky",
	async (job) => {
		if (job.attempts < job.data.tries) throw new Error(`attempt ${job.attempts} failed`);
		log(`flaky succeeded on attempt ${job.attempts}`);
	},
	{ maxAttempts: 5, backoff: (attempt) => 100 * 2 ** attempt },
);

// Always fails: ends in the dead letter.
queue.handle(
	"charge",
	async (job) => {
		log(`charge ${job.data.orderId}: attempt ${job.attempts} of ${job.maxAttempts}`);
		throw new Error("card declined");
	},
	{ maxAttempts: 2, backoff: () => 100 },
);

queue.on("error", (error) => log(`error: ${error.message}`));
const deadlettered = new Promise<void>((resolve) => {
	queue.onFailed((job, error) => {
		log(`gave up on ${job.name} #${job.id} after ${job.attempts} attempts: ${error.message}`);
		resolve();
	});
});

await queue.add("send-welcome", { email: "user@example.com" });
await queue.add("report", { id: 42 }, { delay: 1_000 });
await queue.add("flaky", { tries: 3 });
await queue.add("charge", { orderId: "A-17" });
log(`enqueued 4 jobs: ${JSON.stringify(await queue.stats())}`);

const worker = queue.work({ concurrency: 4 });

await deadlettered;
await new Promise((resolve) => setTimeout(resolve, 1_200)); // let the delayed report and flaky finish
const stats = await queue.stats();
log(`stats: ${JSON.stringify(stats)}`);
const [dead] = await queue.deadLetter();
log(`dead letter: ${dead?.name} #${dead?.id}, last error "${dead?.error.message}"`);

await worker.stop(); // drains in-flight jobs
await queue.close();
log("done");
if (stats.ready + stats.delayed + stats.active !== 0 || stats.dead !== 1) process.exit(1);
