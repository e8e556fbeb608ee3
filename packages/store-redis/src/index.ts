/**
 * `@jobs/store-redis`: the durable, shared, at-least-once {@link JobStore} on Redis and Redis
 * Cluster. Every state change is one Lua script; "now" is the Redis server's clock.
 *
 * @example
 * import { JobQueue } from "@jobs/core";
 * import { RedisJobStore } from "@jobs/store-redis";
 *
 * const queue = new JobQueue({ store: await RedisJobStore.connect({ url: process.env.REDIS_URL }) });
 * @module
 */
export type { JobStore } from "@jobs/core";
/** The event cap of `{ events: true }`, shared by every store. */
export { DEFAULT_EVENTS_MAX_LEN } from "@jobs/core/store";
export {
	DEFAULT_COMMAND_TIMEOUT_MS,
	DEFAULT_JOB_ID_HISTORY,
	DEFAULT_WORKER_TIMEOUT_MS,
	type RedisJobStoreOptions,
} from "./connect.js";
export {
	type GroupKeys,
	groupKeys,
	hashTagOf,
	type KeyName,
	keyBase,
	type QueueKeys,
	queueKeys,
	recordKey,
} from "./keys.js";
export { type FromClientOptions, RedisJobStore } from "./redis-job-store.js";
export type { RedisClient } from "./scripts.js";
