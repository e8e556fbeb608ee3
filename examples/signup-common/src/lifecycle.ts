/** Process plumbing shared by the server and the worker: log-safe URLs and signal handling. */

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
