/**
 * Maps `JobsError`s to HTTP answers, for the framework adapters (`@jobs/hono`, `@jobs/express`)
 * and for apps that write their own error handler.
 * @module
 */
import { isInputError, JobsError, type JobsErrorCode } from "./errors.js";

/**
 * The HTTP statuses job errors map to: 400 for bad input, 404 for a job `waitFor` cannot find,
 * 409 for an operation that needs a job not to be running, 503 for an unavailable store.
 *
 * @example
 * const status: JobsErrorStatus | undefined = jobsErrorStatus(err);
 */
export type JobsErrorStatus = 400 | 404 | 409 | 503;

/**
 * The JSON body the error handler answers with.
 *
 * @example
 * const body = (await res.json()) as JobsErrorBody;
 * if (body.code === "JOBS_INVALID_DATA") showFormError(body.error);
 */
export interface JobsErrorBody {
	/** What went wrong: the error's message for bad input, a generic line for an outage. */
	error: string;
	/** The stable `JobsError` code, e.g. `JOBS_INVALID_DATA` or `JOBS_STORE_UNAVAILABLE`. */
	code: JobsErrorCode;
}

/**
 * The HTTP status for an error thrown by `@jobs/*`: 400 for bad input (`isInputError`: bad job
 * name, data, option, payload too large), 404 for `JOBS_JOB_NOT_FOUND` (`waitFor` of a job the
 * store does not know), 409 for `JOBS_JOB_ACTIVE` (removing a job that is running), 503 when the store is unreachable (`JOBS_STORE_UNAVAILABLE`), full
 * (`JOBS_STORE_FULL`) or already closed (`JOBS_STORE_CLOSED`, e.g. during shutdown),
 * `undefined` for anything else (a bug: let it be a 500).
 *
 * @example
 * app.onError((err, c) => {
 *   const status = jobsErrorStatus(err);
 *   if (status === 503) metrics.increment("store_down");
 *   return status ? c.json({ error: err.message }, status) : c.text("Internal Server Error", 500);
 * });
 */
export function jobsErrorStatus(error: unknown): JobsErrorStatus | undefined {
	if (isInputError(error)) return 400;
	if (error instanceof JobsError && error.code === "JOBS_JOB_ACTIVE") return 409;
	if (error instanceof JobsError && error.code === "JOBS_JOB_NOT_FOUND") return 404;
	if (
		error instanceof JobsError &&
		(error.code === "JOBS_STORE_UNAVAILABLE" ||
			error.code === "JOBS_STORE_FULL" ||
			error.code === "JOBS_STORE_CLOSED")
	) {
		return 503;
	}
	return undefined;
}

/** The JSON body for an error that {@link jobsErrorStatus} mapped to `status`. */
export function jobsErrorBody(error: unknown, status: JobsErrorStatus): JobsErrorBody {
	const { code, message } = error as JobsError;
	if (status !== 503) return { error: message, code };
	return { error: code === "JOBS_STORE_FULL" ? "job store full" : "job store unavailable", code };
}
