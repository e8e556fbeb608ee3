/**
 * Counting what ran at once, from the ledger's intervals: the concurrency checks of the limits
 * scenarios.
 * @module
 */

/** How far the clocks of two processes may disagree (each reads the machine's from its own start). */
export const CLOCK_SLACK_MS = 5;

/** The most intervals that overlap at any instant. */
export function mostAtOnce(runs: readonly { start: number; end: number }[]): number {
	const edges = runs.flatMap((r) => [
		{ t: r.start, d: 1 },
		{ t: r.end, d: -1 },
	]);
	// An end before a start at the same instant: the slot was free again.
	edges.sort((a, b) => a.t - b.t || a.d - b.d);
	let now = 0;
	let most = 0;
	for (const e of edges) {
		now += e.d;
		most = Math.max(most, now);
	}
	return most;
}
