/** The jobs both systems get: the same data, added the same way. */

/** Batch size of pre-fills (`addBulk` / `addMany`). */
export const BULK_BATCH = 1_000;

/** Deterministic job data, about 40 bytes of JSON, the same for both systems. */
export function jobData(i) {
	return { i, email: `user-${i}@example.com` };
}

/**
 * The add options of job `i` when the case spreads jobs over `levels` priorities (1 to
 * `levels`, so that BullMQ too keeps every job as prioritized); undefined without.
 */
export function priorityOptions(levels) {
	if (!levels) return undefined;
	return (data) => ({ priority: 1 + (data.i % levels) });
}

/**
 * The add options of job `i` when the case spreads jobs over `count` groups (round-robin, so
 * every group gets as many); undefined without. Ours only: BullMQ's groups are paid (Pro).
 */
export function groupOptions(count) {
	if (!count) return undefined;
	return (data) => ({ group: `tenant-${data.i % count}` });
}

/**
 * Adds `n` jobs in `addBulk`/`addMany` batches (used to pre-fill; not measured). `opts`: the add
 * options of every job, or a function of its data giving them.
 */
export async function prefill(sys, n, opts, start = 0) {
	for (let i = start; i < start + n; i += BULK_BATCH) {
		const batch = [];
		for (let j = i; j < Math.min(start + n, i + BULK_BATCH); j++) batch.push(jobData(j));
		await sys.addBulk(batch, opts);
	}
}
