export {
	type Backoff,
	defaultBackoff,
	type ExponentialBackoffOptions,
	exponentialBackoff,
} from "./backoff.js";
export { supports } from "./capabilities.js";
export { type Clock, FakeClock, systemClock, type TimerHandle } from "./clock.js";
export * from "./errors.js";
export {
	type EventStreamOptions,
	type JobEvent,
	JobEventStream,
} from "./event-stream.js";
export type { JobRef, QueueEvents } from "./events.js";
export {
	type JobsErrorBody,
	type JobsErrorStatus,
	jobsErrorBody,
	jobsErrorStatus,
} from "./http-errors.js";
export {
	type DataOf,
	type DeadJob,
	type Job,
	type JobData,
	type JobHandler,
	type JobInfo,
	type JobInfoWithResult,
	type JobMap,
	type JobName,
	type JobResult,
	MAX_PROGRESS_BYTES,
	type QueuedJob,
	type ResultOf,
	type WithResult,
} from "./job.js";
export {
	type AddOptions,
	type AnyJobQueue,
	type DeadJobTarget,
	type HandleOptions,
	JobQueue,
	type JobQueueOptions,
	type JobSpec,
	type WaitForOptions,
} from "./job-queue.js";
export type * from "./job-store.js";
export {
	JOB_EVENT_TYPES,
	JOB_STATES,
	MAX_GROUP_LENGTH,
	MAX_PAGE,
	MAX_PRIORITY,
	MAX_RATE_LIMIT,
} from "./job-store.js";
export type { KeepOption, KeepOptions } from "./retention.js";
export { MAX_JOB_ID_LENGTH } from "./store-checks.js";
export { MAX_DATA_DEPTH, MAX_JOB_NAME_LENGTH } from "./validate.js";
export { type StopOptions, Worker, type WorkOptions } from "./worker.js";
