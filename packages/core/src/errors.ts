/**
 * Every error this library throws on purpose is a {@link JobsError} with a stable `code`, so
 * callers can branch on `err.code` (or `instanceof`) instead of parsing messages.
 * @module
 */

/** The stable error codes. New codes may be added in minor releases; existing ones never change. */
export type JobsErrorCode =
	| "JOBS_INVALID_NAME"
	| "JOBS_INVALID_DATA"
	| "JOBS_PAYLOAD_TOO_LARGE"
	| "JOBS_INVALID_OPTION"
	| "JOBS_DUPLICATE_HANDLER"
	| "JOBS_NO_HANDLER"
	| "JOBS_LEASE_LOST"
	| "JOBS_WORKER_LOST"
	| "JOBS_WORKER_STOPPED"
	| "JOBS_HANDLER_FAILED"
	| "JOBS_STORE_CLOSED"
	| "JOBS_STORE_UNAVAILABLE"
	| "JOBS_STORE_FULL"
	| "JOBS_STORE_ERROR"
	| "JOBS_BAD_RECORD"
	| "JOBS_UNSUPPORTED"
	| "JOBS_JOB_ACTIVE"
	| "JOBS_IDS_EXHAUSTED"
	| "JOBS_JOB_FAILED"
	| "JOBS_JOB_NOT_FOUND"
	| "JOBS_WAIT_TIMEOUT"
	| "JOBS_RATE_LIMITED";

/** Base class of every error raised by `@jobs/*`. */
export class JobsError extends Error {
	/** Stable, greppable identifier of the failure. */
	readonly code: JobsErrorCode;

	constructor(code: JobsErrorCode, message: string, options?: ErrorOptions) {
		super(message, options);
		this.name = new.target.name;
		this.code = code;
	}
}

/**
 * True for errors caused by what the caller passed in (bad name, data or option). HTTP
 * adapters map these to a 4xx answer.
 */
export function isInputError(error: unknown): error is JobsError {
	return (
		error instanceof JobsError &&
		(error.code === "JOBS_INVALID_NAME" ||
			error.code === "JOBS_INVALID_DATA" ||
			error.code === "JOBS_PAYLOAD_TOO_LARGE" ||
			error.code === "JOBS_INVALID_OPTION")
	);
}

/** A job name that is not a non-empty string. */
export class InvalidJobNameError extends JobsError {
	constructor(message: string) {
		super("JOBS_INVALID_NAME", message);
	}
}

/** Job data that would not survive JSON unchanged. `path` names the culprit, e.g. `data.user.at`. */
export class InvalidJobDataError extends JobsError {
	readonly path: string;
	constructor(path: string, reason: string) {
		super("JOBS_INVALID_DATA", `${path}: ${reason}`);
		this.path = path;
	}
}

/** Job data whose JSON is larger than the queue's `maxPayloadBytes`. */
export class PayloadTooLargeError extends JobsError {
	readonly bytes: number;
	readonly limit: number;
	constructor(bytes: number, limit: number) {
		super("JOBS_PAYLOAD_TOO_LARGE", `data is ${bytes} bytes of JSON, over the ${limit} byte limit`);
		this.bytes = bytes;
		this.limit = limit;
	}
}

/** An option with a value out of range or of the wrong type. `option` names it. */
export class InvalidOptionError extends JobsError {
	readonly option: string;
	constructor(option: string, message: string) {
		super("JOBS_INVALID_OPTION", `${option}: ${message}`);
		this.option = option;
	}
}

/** A second `handle()` for a job name that already has a handler. */
export class DuplicateHandlerError extends JobsError {
	readonly jobName: string;
	constructor(jobName: string) {
		super("JOBS_DUPLICATE_HANDLER", `a handler is already registered for "${jobName}"`);
		this.jobName = jobName;
	}
}

/** A reserved job whose name has no handler in this worker. The attempt fails and is retried. */
export class NoHandlerError extends JobsError {
	readonly jobName: string;
	constructor(jobName: string) {
		super("JOBS_NO_HANDLER", `no handler registered for "${jobName}"`);
		this.jobName = jobName;
	}
}

/** The worker lost a job's lease (it expired or the store refused a renewal); `job.signal` aborts with it. */
export class LeaseLostError extends JobsError {
	readonly jobId: string;
	constructor(jobId: string, detail: string) {
		super("JOBS_LEASE_LOST", `lost the lease of job ${jobId}: ${detail}`);
		this.jobId = jobId;
	}
}

/** The job's earlier worker vanished while running it (crash, kill) so often that its attempts ran out. */
export class WorkerLostError extends JobsError {
	constructor(message: string) {
		super("JOBS_WORKER_LOST", message);
	}
}

/** `job.signal` aborts with this when `worker.stop({ timeout })` runs out of time. */
export class WorkerStoppedError extends JobsError {
	constructor(message: string) {
		super("JOBS_WORKER_STOPPED", message);
	}
}

/**
 * Wraps a handler failure that was not an `Error` (a string, a plain object, `undefined`), so
 * listeners always receive an `Error`. `value` is what the handler threw.
 */
export class HandlerFailedError extends JobsError {
	readonly value: unknown;
	constructor(message: string, value: unknown) {
		super("JOBS_HANDLER_FAILED", message);
		this.value = value;
	}
}

/** Any store call after `close()`. */
export class StoreClosedError extends JobsError {
	constructor(message = "the job store is closed") {
		super("JOBS_STORE_CLOSED", message);
	}
}

/** The backend cannot be reached (connection refused, timed out). HTTP adapters map it to 503. */
export class StoreUnavailableError extends JobsError {
	constructor(message: string, options?: ErrorOptions) {
		super("JOBS_STORE_UNAVAILABLE", message, options);
	}
}

/**
 * The backend is out of memory (Redis at `maxmemory` under `noeviction`): an `add` is refused,
 * and nothing is stored, while workers go on draining what is there. HTTP adapters map it to 503.
 */
export class StoreFullError extends JobsError {
	constructor(message: string, options?: ErrorOptions) {
		super("JOBS_STORE_FULL", message, options);
	}
}

/** The backend answered with something the store did not expect (a bug or a corrupt key). */
export class StoreError extends JobsError {
	constructor(message: string, options?: ErrorOptions) {
		super("JOBS_STORE_ERROR", message, options);
	}
}

/**
 * A stored record the store cannot read (corrupt, or written by something else). A store that
 * meets one while serving others sets it aside and reports it (`onError`, the queue's `error`
 * event) rather than fail every call behind it; a call on that one record fails with it.
 */
export class BadRecordError extends JobsError {
	constructor(message: string, options?: ErrorOptions) {
		super("JOBS_BAD_RECORD", message, options);
	}
}

/**
 * An option or call that needs a capability the store does not declare (say `jobId` on a store
 * without `jobIds`). Refused before anything is stored: an option is never silently ignored.
 */
export class UnsupportedError extends JobsError {
	/** The capability the call needed. */
	readonly capability: string;
	constructor(capability: string, what: string) {
		super(
			"JOBS_UNSUPPORTED",
			`${what} needs the store capability "${capability}", which this store does not declare`,
		);
		this.capability = capability;
	}
}

/** An operation that only applies to a job that is not running (say `remove`) met an active one. */
export class JobActiveError extends JobsError {
	/** The id of the active job. */
	readonly jobId: string;
	constructor(jobId: string, operation: string) {
		super(
			"JOBS_JOB_ACTIVE",
			`job ${jobId} is active (leased to a worker): ${operation} applies only to ready, delayed or dead jobs`,
		);
		this.jobId = jobId;
	}
}

/** The largest id a store assigns: beyond it ids would no longer be exact numbers. */
export const MAX_ASSIGNED_ID = Number.MAX_SAFE_INTEGER;

/**
 * The store has assigned every id up to {@link MAX_ASSIGNED_ID}: an `add` that needs more is
 * refused, and nothing is stored, rather than give two jobs one id.
 */
export class IdsExhaustedError extends JobsError {
	constructor(detail = "") {
		super(
			"JOBS_IDS_EXHAUSTED",
			`the store has assigned every job id up to ${MAX_ASSIGNED_ID}${detail ? ` (${detail})` : ""}: nothing was added`,
		);
	}
}

/** `queue.waitFor` of a job that ended in the dead letter (or was deleted as it died). */
export class JobFailedError extends JobsError {
	/** The id of the job. */
	readonly jobId: string;
	/** Its final error, as the store keeps it. */
	readonly error: { name?: string; message: string; stack?: string };
	constructor(jobId: string, error: { name?: string; message: string; stack?: string }) {
		super("JOBS_JOB_FAILED", `job ${jobId} failed: ${error.message}`);
		this.jobId = jobId;
		this.error = error;
	}
}

/**
 * `queue.waitFor` of a job the store does not know, and whose end is not in the event history
 * either (never added, removed, or finished long enough ago to be forgotten).
 */
export class JobNotFoundError extends JobsError {
	/** The id asked for. */
	readonly jobId: string;
	constructor(jobId: string, detail: string) {
		super("JOBS_JOB_NOT_FOUND", `job ${jobId}: ${detail}`);
		this.jobId = jobId;
	}
}

/** `queue.waitFor` ran out of time before the job finished; the job itself is untouched. */
export class WaitTimeoutError extends JobsError {
	/** The id waited for. */
	readonly jobId: string;
	constructor(jobId: string, timeoutMs: number) {
		super("JOBS_WAIT_TIMEOUT", `job ${jobId} did not finish within ${timeoutMs} ms`);
		this.jobId = jobId;
	}
}

/**
 * Thrown by `job.rateLimit(ms)` inside a handler that met an upstream rate limit (an HTTP 429):
 * the worker hands the job back untouched (its attempt not counted, nothing failed) and the
 * store leases no job of the queue for `ms`.
 */
export class RateLimitedError extends JobsError {
	/** How long the queue leases nothing, in ms. */
	readonly ms: number;

	constructor(ms: number) {
		super("JOBS_RATE_LIMITED", `rate limited: the queue leases nothing for ${ms} ms`);
		this.ms = ms;
	}
}
