// A subscriber process: follows the queue's job events from the oldest the store keeps, through
// Redis restarts and killed connections, and writes each to its ledger.
//
// Config (argv[2], JSON): { name, url, prefix, ledgerDir, maxLen? }
// IPC in: { cmd: "stop" }. IPC out: { ready: true }, { stopped: true, cursor, missed }.
import { JobQueue } from "@jobs/core";
import { RedisJobStore } from "@jobs/store-redis";
import { describeError, exitWithParent, openLedger, readConfig, send } from "./ledger-writer.mjs";

const config = readConfig();
exitWithParent();
const ledger = openLedger(config.ledgerDir, "subscriber", config.name);
const store = await RedisJobStore.connect({
	url: config.url,
	prefix: config.prefix,
	events: { maxLen: config.maxLen ?? 100_000 },
});
const queue = new JobQueue({ store });
queue.on("error", (error) => ledger.write({ t: "error", error: describeError(error) }));
const stream = queue.events({ from: "start" });
process.on("message", (message) => {
	if (message?.cmd === "stop") stream.close();
});
send({ ready: true });
for await (const event of stream) {
	ledger.write({
		t: "event",
		type: event.type,
		id: event.id,
		attempt: event.attempt,
		cursor: event.cursor,
	});
}
ledger.write({ t: "subscriber-done", cursor: stream.cursor, missed: stream.missed });
send({ stopped: true, cursor: stream.cursor, missed: stream.missed });
await queue.close();
process.exit(0);
