/**
 * Machine load from /proc/stat, to tell a clean run from one that shared the CPUs with other
 * work (this box is shared: test suites of other sessions may run at the same time).
 */
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

/** Busy and total CPU time of all cores so far, in µs (undefined off Linux). */
export function cpuTimes() {
	try {
		const line = readFileSync("/proc/stat", "utf8").split("\n", 1)[0];
		const ticks = line.trim().split(/\s+/).slice(1).map(Number);
		// user nice system idle iowait irq softirq steal ...; idle + iowait are not busy.
		const total = ticks.reduce((a, b) => a + b, 0);
		const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
		const us = 1e6 / 100; // USER_HZ is 100 on Linux
		return { busyUs: (total - idle) * us, totalUs: total * us };
	} catch {
		return undefined;
	}
}

/** Cores kept busy between two {@link cpuTimes} readings, given the wall time in ms. */
export function busyCores(before, after, wallMs) {
	if (!before || !after || wallMs <= 0) return undefined;
	return (after.busyUs - before.busyUs) / (wallMs * 1000);
}

/**
 * Waits until the machine is quiet (fewer than `threshold` cores busy over a `sampleMs` sample)
 * or `maxWaitMs` passed. Resolves the last measured load in cores.
 */
export async function waitForQuiet({ threshold = 0.3, sampleMs = 500, maxWaitMs = 20_000 } = {}) {
	const deadline = performance.now() + maxWaitMs;
	for (;;) {
		const a = cpuTimes();
		const t = performance.now();
		await sleep(sampleMs);
		const load = busyCores(a, cpuTimes(), performance.now() - t);
		if (load === undefined || load < threshold || performance.now() >= deadline) return load;
	}
}
