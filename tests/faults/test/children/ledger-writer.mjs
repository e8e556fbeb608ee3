// The child side of the ledger: every event is one JSON line written synchronously to this
// process's own file, so it is on disk (in the page cache) the moment the call returns and
// survives a SIGKILL of the process an instant later.
import { openSync, writeSync } from "node:fs";
import { join } from "node:path";

/** Milliseconds on a clock shared by every process of the machine, immune to a patched Date.now. */
export const hr = () => Math.round((performance.timeOrigin + performance.now()) * 100) / 100;

export function openLedger(dir, role, name) {
	const file = join(dir, `${role}-${name}-${process.pid}.jsonl`);
	const fd = openSync(file, "a");
	const base = { pid: process.pid, w: name };
	return {
		file,
		write(event) {
			writeSync(fd, `${JSON.stringify({ ...event, ...base, hr: hr() })}\n`);
		},
	};
}

export function describeError(error) {
	return {
		name: error?.name,
		code: error?.code,
		message: error instanceof Error ? error.message : String(error),
	};
}

/** Reads the child's config: the first argument, a JSON object. */
export function readConfig() {
	const raw = process.argv[2];
	if (!raw) throw new Error("usage: node child.mjs '<json config>'");
	return JSON.parse(raw);
}

/** The parent test vanished (killed, crashed): do not outlive it. */
export function exitWithParent() {
	if (process.connected) process.on("disconnect", () => process.exit(0));
}

export function send(message) {
	if (process.connected) process.send(message);
}
