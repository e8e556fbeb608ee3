export {
	type Backoff,
	defaultBackoff,
	type ExponentialBackoffOptions,
	exponentialBackoff,
} from "./backoff.js";
export { supports } from "./capabilities.js";
export { type Clock, FakeClock, systemClock, type TimerHandle } from "./clock.js";
export * from "./errors.js";
export type { JobRef, QueueEvents } from "./events.js";
export {
	type JobsErrorBody,
	type JobsErrorStatus,
	jobsErrorBody,
	jobsErrorStatus,
} from "./http-errors.js";
export type { DeadJob, Job, JobHandler, JobMap, JobName } from "./job.js";
export {
	type AddOptions,
	type AnyJobQueue,
	type DeadJobTarget,
	type HandleOptions,
	JobQueue,
	type JobQueueOptions,
	type JobSpec,
} from "./job-queue.js";
export type * from "./job-store.js";
export { JOB_STATES, MAX_PAGE } from "./job-store.js";
export { MAX_JOB_ID_LENGTH } from "./store-checks.js";
export { MAX_DATA_DEPTH, MAX_JOB_NAME_LENGTH } from "./validate.js";
export { type StopOptions, Worker, type WorkOptions } from "./worker.js";
