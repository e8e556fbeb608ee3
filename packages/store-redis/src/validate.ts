/**
 * Defensive checks on what callers pass to the store. The engine validates user input first;
 * these stop a buggy caller from writing a record the scripts could not read back.
 * @internal
 */
import {
	InvalidJobDataError,
	InvalidJobNameError,
	InvalidOptionError,
	type JobErrorInfo,
	type NewJob,
} from "@jobs/core";

const isObject = (value: unknown): value is Record<string, unknown> =>
	typeof value === "object" && value !== null;

/** Throws unless `value` is an integer >= `min`. */
export function integerAtLeast(option: string, value: unknown, min: number): number {
	if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
		throw new InvalidOptionError(option, `must be an integer >= ${min}, got ${String(value)}`);
	}
	return value;
}

/** Throws unless `value` is a finite number >= `min`. */
export function finiteAtLeast(option: string, value: unknown, min: number): number {
	if (typeof value !== "number" || !Number.isFinite(value) || value < min) {
		throw new InvalidOptionError(option, `must be a finite number >= ${min}, got ${String(value)}`);
	}
	return value;
}

/** Checks one job given to `add`; `at` names it in messages. */
export function checkNewJob(job: unknown, at: string): NewJob {
	if (!isObject(job)) throw new InvalidOptionError(at, "must be an object");
	if (typeof job.name !== "string" || job.name === "") {
		throw new InvalidJobNameError(`${at}.name: must be a non-empty string`);
	}
	if (typeof job.payload !== "string") {
		throw new InvalidJobDataError(`${at}.payload`, "must be a JSON string");
	}
	if (job.maxAttempts !== undefined) integerAtLeast(`${at}.maxAttempts`, job.maxAttempts, 1);
	if (job.delay !== undefined) finiteAtLeast(`${at}.delay`, job.delay, 0);
	if (job.runAt !== undefined) {
		finiteAtLeast(`${at}.runAt`, job.runAt, Number.MIN_SAFE_INTEGER);
		if (job.delay !== undefined)
			throw new InvalidOptionError(at, "give either delay or runAt, not both");
	}
	return job as unknown as NewJob;
}

/** Checks `{ message, name?, stack? }`. */
export function checkError(option: string, error: unknown): JobErrorInfo {
	if (!isObject(error) || typeof error.message !== "string") {
		throw new InvalidOptionError(
			option,
			"must be { message: string, name?: string, stack?: string }",
		);
	}
	return error as unknown as JobErrorInfo;
}

/** Checks `{ id, token }`: both strings. */
export function checkLease(option: string, ref: unknown): void {
	if (!isObject(ref) || typeof ref.id !== "string" || typeof ref.token !== "string") {
		throw new InvalidOptionError(option, "must be { id: string, token: string }");
	}
}
