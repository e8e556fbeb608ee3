// Kills every process the test registered once the test process is gone, however it went
// (even SIGKILL): the IPC channel to the parent closes and 'disconnect' fires here.
const pids = new Set();
process.on("message", (message) => {
	if (message?.add) pids.add(message.add);
	if (message?.remove) pids.delete(message.remove);
});
process.on("disconnect", () => {
	for (const pid of pids) {
		try {
			process.kill(pid, "SIGKILL");
		} catch {
			// already gone
		}
	}
	process.exit(0);
});
