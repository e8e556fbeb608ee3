/**
 * What handlers and listeners see of a job, and the typed job map.
 * @module
 */
import type { JobErrorInfo, JobState } from "./job-store.js";

/**
 * A map of job name → data type, e.g. `{ 'send-welcome': { email: string } }`. Giving one to
 * `JobQueue<Jobs>` makes a wrong name or wrong data a compile error.
 */
export type JobMap = object;

/** The job names of a job map. */
export type JobName<Jobs extends JobMap> = keyof Jobs & string;

/** The handler's view of a running job. */
export interface Job<Data = unknown, Name extends string = string> {
	/** The id the store assigned when the job was added. */
	readonly id: string;
	readonly name: Name;
	/** The data given to `add`, decoded from JSON. */
	readonly data: Data;
	/** The current attempt, 1-based. */
	readonly attempts: number;
	/** The effective attempt limit (add option, else handle option, else queue default). */
	readonly maxAttempts: number;
	/**
	 * Aborts when the worker lost this job's lease (`LeaseLostError`: someone else may run it now)
	 * or when `worker.stop({ timeout })` ran out of time (`WorkerStoppedError`). Pass it to
	 * `fetch` and friends so abandoned work stops.
	 */
	readonly signal: AbortSignal;
}

/** Runs one job. Resolve to succeed; throw or reject (with anything) to fail the attempt. */
export type JobHandler<Data = unknown, Name extends string = string> = (
	job: Job<Data, Name>,
) => unknown;

/** A job that ended in the dead letter, as `onFailed` listeners and `deadLetter()` see it. */
export interface DeadJob<Data = unknown, Name extends string = string> {
	readonly id: string;
	readonly name: Name;
	/** The decoded data; `undefined` when the stored payload is not JSON (a corrupt or foreign record). */
	readonly data: Data;
	/** How many attempts ran. */
	readonly attempts: number;
	/** The `maxAttempts` given to `add`, if any (the effective limit when the job died otherwise). */
	readonly maxAttempts: number | undefined;
	/** The last error: message, stack and name. */
	readonly error: JobErrorInfo;
	/** When the job died, epoch milliseconds on the store's clock (`undefined` in `onFailed`). */
	readonly failedAt?: number;
}

/** A job as `queue.getJob()` and `queue.jobs()` see it: where it is, and its decoded data. */
export interface JobInfo<Data = unknown, Name extends string = string> {
	readonly id: string;
	readonly name: Name;
	/** The decoded data; `undefined` when the stored payload is not JSON (a corrupt or foreign record). */
	readonly data: Data;
	/** `ready`, `delayed`, `active` (leased to a worker) or `dead`. */
	readonly state: JobState;
	/** Attempts so far; for an active job, the running attempt (1-based). */
	readonly attempts: number;
	/** The `maxAttempts` given to `add`, if any. */
	readonly maxAttempts: number | undefined;
	/** The failure of the previous attempt (the final one for a dead job), if any. */
	readonly lastError: JobErrorInfo | undefined;
	/** When it was added, epoch ms on the store's clock. */
	readonly addedAt: number;
	/** When a delayed job falls due. */
	readonly dueAt: number | undefined;
	/** When the running attempt was leased (active jobs). */
	readonly leasedAt: number | undefined;
	/** When its current lease expires unless renewed (active jobs). */
	readonly leaseExpiresAt: number | undefined;
	/** When it died (dead jobs). */
	readonly failedAt: number | undefined;
	/** The unique key it holds, if it was added with `unique`. */
	readonly uniqueKey: string | undefined;
}

/**
 * A {@link JobInfo} of a job map, discriminated by name: checking `job.name` narrows `job.data`.
 *
 * @example
 * const job = await queue.getJob(id);
 * if (job?.name === "send-welcome") console.log(job.data.email);
 */
export type QueuedJob<Jobs extends JobMap> = {
	[N in JobName<Jobs>]: JobInfo<Jobs[N], N>;
}[JobName<Jobs>];
