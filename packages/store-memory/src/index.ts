/**
 * `@jobs/store-memory`: an in-process {@link JobStore} with the Redis store's semantics and an
 * injectable clock, for development and test suites.
 *
 * @example
 * import { JobQueue } from "@jobs/core";
 * import { FakeClock, MemoryJobStore } from "@jobs/store-memory";
 *
 * const clock = new FakeClock();
 * const queue = new JobQueue({ store: new MemoryJobStore({ clock }), clock });
 * @module
 */
export type { JobStore } from "@jobs/core";
/** Re-exported from `@jobs/core` so tests need one import for a store and its clock. */
export { FakeClock } from "@jobs/core";
export {
	LEASE_EXPIRED_MESSAGE,
	MemoryJobStore,
	type MemoryJobStoreOptions,
} from "./memory-job-store.js";
