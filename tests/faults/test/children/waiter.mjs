// A waiter process: adds jobs and waits for each with queue.waitFor, from a process that runs
// no worker, and writes what each wait resolved or rejected with to its ledger.
//
// Config (argv[2], JSON): { name, url, prefix, ledgerDir, jobs: [{ data, options?, waitAfterMs? }] }
//   waitAfterMs: wait that long after the add before calling waitFor (the job may be done by then).
// IPC out: { ready: true }, { done: true }.
import { JobQueue } from "@jobs/core";
import { RedisJobStore } from "@jobs/store-redis";
import { describeError, exitWithParent, openLedger, readConfig, send } from "./ledger-writer.mjs";

const config = readConfig();
exitWithParent();
const ledger = openLedger(config.ledgerDir, "waiter", config.name);
const store = await RedisJobStore.connect({ url: config.url, prefix: config.prefix, events: true });
const queue = new JobQueue({ store });
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
send({ ready: true });
await Promise.all(
	config.jobs.map(async (spec, i) => {
		const { id } = await queue.add("job", spec.data, spec.options);
		ledger.write({ t: "add", id, i, sent: 0, created: true });
		if (spec.waitAfterMs) await sleep(spec.waitAfterMs);
		try {
			const result = await queue.waitFor(id, { timeout: 30_000 });
			ledger.write({ t: "waited", id, i, result });
		} catch (error) {
			ledger.write({ t: "waited", id, i, error: describeError(error) });
		}
	}),
);
ledger.write({ t: "waiter-done" });
send({ done: true });
await queue.close();
process.exit(0);
