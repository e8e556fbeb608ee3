import { FakeClock, JobQueue, type JobQueueOptions } from "@jobs/core";
import { MemoryJobStore, type MemoryJobStoreOptions } from "@jobs/store-memory";

/** A queue on a memory store, both on one fake clock. */
// biome-ignore lint/suspicious/noExplicitAny: mirrors JobQueue's own untyped default
export function setup<Jobs extends object = Record<string, any>>(
	options: Omit<JobQueueOptions, "store" | "clock"> = {},
	storeOptions: Omit<MemoryJobStoreOptions, "clock"> = {},
) {
	const clock = new FakeClock(0);
	const store = new MemoryJobStore({ clock, ...storeOptions });
	const queue = new JobQueue<Jobs>({ store, clock, ...options });
	return { clock, store, queue };
}

/** A promise with its resolve function exposed. */
export function deferred<T = void>() {
	let resolve!: (value: T) => void;
	const promise = new Promise<T>((r) => {
		resolve = r;
	});
	return { promise, resolve };
}

/** Advances the fake clock in steps until `check` holds (or fails after `maxMs`). */
export async function advanceUntil(
	clock: FakeClock,
	check: () => boolean | Promise<boolean>,
	stepMs = 100,
	maxMs = 600_000,
) {
	for (let waited = 0; waited <= maxMs; waited += stepMs) {
		if (await check()) return;
		await clock.advance(stepMs);
	}
	throw new Error(`condition not met within ${maxMs} ms of fake time`);
}
