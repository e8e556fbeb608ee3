/**
 * What handlers and listeners see of a job, and the typed job map.
 * @module
 */
import type { JobErrorInfo, JobState } from "./job-store.js";

/**
 * A map of job name → data type, e.g. `{ 'send-welcome': { email: string } }`. Giving one to
 * `JobQueue<Jobs>` makes a wrong name or wrong data a compile error. An entry may also declare
 * what its handler returns with {@link WithResult}.
 */
export type JobMap = object;

/** The job names of a job map. */
export type JobName<Jobs extends JobMap> = keyof Jobs & string;

declare const resultBrand: unique symbol;

/**
 * A job map entry that declares its handler's result type as well as its data type: the handler
 * must return a `Result`, and `waitFor`, `getJob` and `completed` events give it back typed.
 *
 * @example
 * type Jobs = {
 *   "send-welcome": { email: string };
 *   resize: WithResult<{ url: string }, { width: number; height: number }>;
 * };
 */
export interface WithResult<Data, Result> {
	/** Type-level only: never present at run time. */
	readonly [resultBrand]: { data: Data; result: Result };
}

/** The data type of a job map entry. */
export type DataOf<Entry> = Entry extends WithResult<infer Data, unknown> ? Data : Entry;

/** The result type of a job map entry: `unknown` unless it declares one with {@link WithResult}. */
export type ResultOf<Entry> = Entry extends WithResult<unknown, infer Result> ? Result : unknown;

/** The data type of job `N` of a job map. */
export type JobData<Jobs extends JobMap, N extends JobName<Jobs>> = DataOf<Jobs[N]>;

/** The result type of job `N` of a job map. */
export type JobResult<Jobs extends JobMap, N extends JobName<Jobs>> = ResultOf<Jobs[N]>;

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
	/** The group `add` gave it, if any. */
	readonly group: string | undefined;
	/**
	 * Aborts when the worker lost this job's lease (`LeaseLostError`: someone else may run it now)
	 * or when `worker.stop({ timeout })` ran out of time (`WorkerStoppedError`). Pass it to
	 * `fetch` and friends so abandoned work stops.
	 */
	readonly signal: AbortSignal;
	/**
	 * Reports how far the job has got: any JSON value of at most {@link MAX_PROGRESS_BYTES}. It
	 * is the job's `progress` in `getJob` while this attempt runs, and a `progress` event. Fenced
	 * by the lease: once the lease is lost it rejects with `LeaseLostError` and writes nothing.
	 * A value that is not JSON or is too large rejects with `InvalidJobDataError` or
	 * `PayloadTooLargeError`. Needs a store with the `progress` capability.
	 */
	progress(value: unknown): Promise<void>;
	/**
	 * Says an upstream asked to slow down (an HTTP 429): throws a `RateLimitedError`, so call it
	 * as the handler's last word. The worker hands this job back untouched (its attempt is not
	 * counted, nothing fails or retries) and no worker of any process leases a job of the queue
	 * for `ms` (a number of ms above 0). Needs a store with the `rateLimit` capability; without
	 * it, or with a bad `ms`, it throws that error instead, and the attempt fails with it.
	 *
	 * @example
	 * if (res.status === 429) job.rateLimit(Number(res.headers.get("retry-after")) * 1_000);
	 */
	rateLimit(ms: number): never;
}

/** The largest progress value {@link Job.progress} accepts, in bytes of JSON. */
export const MAX_PROGRESS_BYTES = 64 * 1024;

/**
 * Runs one job. Resolve to succeed (the value is the job's result); throw or reject (with
 * anything) to fail the attempt.
 */
export type JobHandler<Data = unknown, Name extends string = string, Result = unknown> = (
	job: Job<Data, Name>,
) => Result | Promise<Result>;

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
	/** `ready`, `delayed`, `active` (leased to a worker), `dead`, or `completed` (when kept). */
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
	/** Its priority: 0 (the default, first) unless `add` gave one. */
	readonly priority: number;
	/** Its group, if `add` gave one. */
	readonly group: string | undefined;
}

/** A {@link JobInfo} with what a kept completed job and a running one's progress add. */
export interface JobInfoWithResult<Data = unknown, Name extends string = string, Result = unknown>
	extends JobInfo<Data, Name> {
	/** The handler's result (completed jobs, while retention keeps them). */
	readonly result: Result | undefined;
	/** When it completed (completed jobs). */
	readonly finishedAt: number | undefined;
	/** The last progress the running attempt reported (active jobs). */
	readonly progress: unknown;
}

/**
 * A {@link JobInfo} of a job map, discriminated by name: checking `job.name` narrows `job.data`.
 *
 * @example
 * const job = await queue.getJob(id);
 * if (job?.name === "send-welcome") console.log(job.data.email);
 */
export type QueuedJob<Jobs extends JobMap> = {
	[N in JobName<Jobs>]: JobInfoWithResult<DataOf<Jobs[N]>, N, ResultOf<Jobs[N]>>;
}[JobName<Jobs>];
