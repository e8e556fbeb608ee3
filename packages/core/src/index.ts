export {
	type Backoff,
	defaultBackoff,
	type ExponentialBackoffOptions,
	exponentialBackoff,
} from "./backoff.js";
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
export {
	checkDeadSelector,
	checkDuration,
	checkErrorInfo,
	checkInteger,
	checkLeaseRef,
	checkNewJob,
	checkReserveParams,
	copyErrorInfo,
} from "./store-checks.js";
export { encodeJobData } from "./validate.js";
export { type StopOptions, Worker, type WorkOptions } from "./worker.js";
