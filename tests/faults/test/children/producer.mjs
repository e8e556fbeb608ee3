// A producer process: adds `count` jobs, at most `inFlight` adds at once, and writes every id
// the store acknowledged to the ledger. With `retryOnError`, an add that rejects (Redis down)
// is logged and tried again as a new add until one is acknowledged; otherwise the error is
// logged and the job given up.
//
// With `identity` ("jobId" or "unique") and `keyMod`, add i carries the jobId `order-<i % keyMod>`
// or the unique key `user-<i % keyMod>`, so producers with the same config race for the same ids
// and keys; the ledger's add records whether the job was created or found.
//
// Config (argv[2], JSON): { name, url, prefix, ledgerDir, count, inFlight?, jobName?, data?,
//   options?, identity?, keyMod?, retryOnError?, pauseMs?, events? }
// IPC out: { ready: true }, { done: true, acked, errors }.
import { JobQueue } from "@jobs/core";
import { RedisJobStore } from "@jobs/store-redis";
import {
	describeError,
	exitWithParent,
	hr,
	openLedger,
	readConfig,
	send,
} from "./ledger-writer.mjs";

const config = readConfig();
exitWithParent();
const ledger = openLedger(config.ledgerDir, "producer", config.name);
const store = await RedisJobStore.connect({
	url: config.url,
	prefix: config.prefix,
	...(config.events ? { events: { maxLen: 100_000 } } : {}),
});
const queue = new JobQueue({ store });
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
send({ ready: true });

function optionsOf(i) {
	if (config.identity === "jobId")
		return { ...config.options, jobId: `order-${i % config.keyMod}` };
	if (config.identity === "unique") {
		return { ...config.options, unique: { key: `user-${i % config.keyMod}` } };
	}
	return config.options;
}

let next = 0;
let acked = 0;
let errors = 0;

async function addOne(i) {
	for (;;) {
		const sent = hr();
		try {
			const { id, created, existing } = await queue.add(
				config.jobName ?? "job",
				{ i, p: config.name, ...config.data },
				optionsOf(i),
			);
			ledger.write({ t: "add", id, i, sent, created, existing });
			acked++;
			return;
		} catch (error) {
			errors++;
			ledger.write({ t: "add-error", i, sent, error: describeError(error) });
			if (!config.retryOnError) return;
			await sleep(50);
		}
	}
}

async function lane() {
	while (next < config.count) {
		const i = next++;
		await addOne(i);
		if (config.pauseMs) await sleep(config.pauseMs);
	}
}

await Promise.all(Array.from({ length: config.inFlight ?? 1 }, lane));
ledger.write({ t: "producer-done", acked, errors });
send({ done: true, acked, errors });
await queue.close();
process.exit(0);
