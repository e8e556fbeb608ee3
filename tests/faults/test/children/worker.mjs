// A worker process: one JobQueue over a RedisJobStore, one Worker, a generic handler whose
// behaviour each job's data describes, and a ledger of everything it saw.
//
// Config (argv[2], JSON): { name, url, prefix, ledgerDir, jobNames?, concurrency?, lease?,
//   sweepInterval?, pollInterval?, maxAttempts?, backoffMs?, step?, events?, echo?, keep?,
//   progress? }
//   events: connect with { events: { maxLen: 100000 } }; echo: handlers return { echo: data };
//   keep: the queue's `keep` option; progress: each attempt reports progress before its step.
// Job data: { plan?: { [attempt | "*"]: Step } },
//   Step: { sleep?, block?, hang?, exit?, throw?, rateLimit? }
//   sleep: await ms; block: busy-loop ms (event loop blocked); hang: never settle;
//   exit: process.exit(code) mid-handler; throw: fail the attempt with this message;
//   rateLimit: job.rateLimit(ms), the first time any process runs the job (a 429, once).
//   Steps run in that order; a job without a plan runs the worker's default `step`.
// IPC in: { cmd: "stop", timeout? }. IPC out: { ready: true }, { stopped: true }.
import { openSync } from "node:fs";
import { join } from "node:path";
import { JobQueue } from "@jobs/core";
import { RedisJobStore } from "@jobs/store-redis";
import { describeError, exitWithParent, openLedger, readConfig, send } from "./ledger-writer.mjs";
import { loggedStore } from "./logged-store.mjs";

const config = readConfig();
exitWithParent();
const ledger = openLedger(config.ledgerDir, "worker", config.name);
const lease = config.lease ?? 30_000;
const tokens = new Map();

process.on("uncaughtException", (error) => {
	ledger.write({ t: "crash", error: describeError(error) });
	process.exit(70);
});
process.on("unhandledRejection", (error) => {
	ledger.write({ t: "crash", error: describeError(error) });
	process.exit(70);
});

const raw = await RedisJobStore.connect({
	url: config.url,
	prefix: config.prefix,
	...(config.events ? { events: { maxLen: 100_000 } } : {}),
});
const store = loggedStore(raw, ledger, { leaseMs: lease }, tokens);
const queue = new JobQueue({
	store,
	maxAttempts: config.maxAttempts ?? 3,
	...(config.backoffMs !== undefined ? { backoff: () => config.backoffMs } : {}),
	...(config.keep !== undefined ? { keep: config.keep } : {}),
});

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function runStep(step, job) {
	if (step.sleep) await sleep(step.sleep);
	if (step.block) {
		const until = performance.now() + step.block;
		while (performance.now() < until) {
			// Busy: no timer, no I/O, no heartbeat runs in this process until this loop ends.
		}
	}
	if (step.hang) await new Promise(() => {});
	if (step.exit !== undefined) {
		ledger.write({ t: "exiting", id: job.id, attempt: job.attempts, code: step.exit });
		process.exit(step.exit);
	}
	if (step.throw !== undefined) throw new Error(step.throw);
	if (step.rateLimit !== undefined && firstTime(`rate-limited-${job.id}`)) {
		ledger.write({ t: "rate-limit", id: job.id, ms: step.rateLimit });
		job.rateLimit(step.rateLimit);
	}
}

/** Whether this is the first call with `name` in any process of the test (a file made once). */
function firstTime(name) {
	try {
		openSync(join(config.ledgerDir, name), "wx");
		return true;
	} catch {
		return false;
	}
}

async function handler(job) {
	const token = tokens.get(job.id);
	// Producer processes put { p: producer name, i: sequence } in the data: the job's identity
	// as the producer knows it, whatever id the store gave it.
	const key = job.data?.p !== undefined ? `${job.data.p}:${job.data.i}` : undefined;
	ledger.write({ t: "start", id: job.id, attempt: job.attempts, token, name: job.name, key });
	const plan = job.data?.plan;
	const step = plan?.[String(job.attempts)] ?? plan?.["*"] ?? config.step ?? {};
	try {
		// Refused (LeaseLostError) once the lease is lost: the attempt then fails as any would.
		if (config.progress) await job.progress({ attempt: job.attempts });
		await runStep(step, job);
	} catch (error) {
		ledger.write({
			t: "end",
			id: job.id,
			attempt: job.attempts,
			token,
			outcome: "throw",
			aborted: job.signal.aborted,
		});
		throw error;
	}
	ledger.write({
		t: "end",
		id: job.id,
		attempt: job.attempts,
		token,
		outcome: "ok",
		aborted: job.signal.aborted,
	});
	if (config.echo) return { echo: job.data };
}

for (const name of config.jobNames ?? ["job"]) queue.handle(name, handler);
queue.on("lease-lost", (job, error) => {
	ledger.write({ t: "lease-lost", id: job.id, attempt: job.attempts, message: error.message });
});
queue.on("error", (error) => {
	ledger.write({ t: "error", error: describeError(error) });
});
queue.onFailed((job, error) => {
	ledger.write({ t: "failed", id: job.id, attempt: job.attempts, error: describeError(error) });
});

const worker = queue.work({
	concurrency: config.concurrency ?? 1,
	lease,
	...(config.sweepInterval !== undefined ? { sweepInterval: config.sweepInterval } : {}),
	...(config.pollInterval !== undefined ? { pollInterval: config.pollInterval } : {}),
});
ledger.write({ t: "worker-up", lease, concurrency: config.concurrency ?? 1 });
send({ ready: true });

process.on("message", async (message) => {
	if (message?.cmd === "stop") {
		await worker.stop(message.timeout !== undefined ? { timeout: message.timeout } : {});
		await queue.close();
		ledger.write({ t: "stopped" });
		send({ stopped: true });
		process.exit(0);
	}
});
