/**
 * Defensive checks on what callers pass to the store. The engine validates user input first;
 * these catch a buggy caller before it corrupts the store's state.
 * @internal
 */
import {
	InvalidJobDataError,
	InvalidJobNameError,
	InvalidOptionError,
	type JobErrorInfo,
	type LeaseRef,
	type NewJob,
	type ReserveParams,
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

/** Throws unless `value` is a finite number > 0. */
export function positiveDuration(option: string, value: unknown): number {
	if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
		throw new InvalidOptionError(option, `must be a finite number > 0, got ${String(value)}`);
	}
	return value;
}

/** Throws unless `value` is a finite number >= 0. */
export function nonNegativeDuration(option: string, value: unknown): number {
	if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
		throw new InvalidOptionError(option, `must be a finite number >= 0, got ${String(value)}`);
	}
	return value;
}

/** Checks `{ limit, leaseMs }`. */
export function reserveParams(option: string, params: unknown): ReserveParams {
	if (!isObject(params)) throw new InvalidOptionError(option, "must be an object");
	return {
		limit: integerAtLeast(`${option}.limit`, params.limit, 1),
		leaseMs: positiveDuration(`${option}.leaseMs`, params.leaseMs),
	};
}

/** Checks `{ id, token }`. */
export function leaseRef(option: string, ref: unknown): LeaseRef {
	if (!isObject(ref) || typeof ref.id !== "string" || typeof ref.token !== "string") {
		throw new InvalidOptionError(option, "must be { id: string, token: string }");
	}
	return { id: ref.id, token: ref.token };
}

/** Checks one job given to `add`; `at` names it in messages. */
export function newJob(job: unknown, at: string): NewJob {
	if (!isObject(job)) throw new InvalidOptionError(at, "must be an object");
	if (typeof job.name !== "string" || job.name === "") {
		throw new InvalidJobNameError(`${at}.name: must be a non-empty string`);
	}
	if (typeof job.payload !== "string") {
		throw new InvalidJobDataError(`${at}.payload`, "must be a JSON string");
	}
	if (job.maxAttempts !== undefined) integerAtLeast(`${at}.maxAttempts`, job.maxAttempts, 1);
	if (job.delay !== undefined) nonNegativeDuration(`${at}.delay`, job.delay);
	if (job.runAt !== undefined) {
		if (typeof job.runAt !== "number" || !Number.isFinite(job.runAt)) {
			throw new InvalidOptionError(
				`${at}.runAt`,
				`must be a finite number, got ${String(job.runAt)}`,
			);
		}
		if (job.delay !== undefined) {
			throw new InvalidOptionError(at, "give either delay or runAt, not both");
		}
	}
	return job as unknown as NewJob;
}

/** Checks `{ ids }` or `{ all: true }`; resolves to the ids, or `"all"`. */
export function deadSelector(option: string, selector: unknown): readonly string[] | "all" {
	if (isObject(selector)) {
		if (selector.all === true) return "all";
		const ids = (selector as { ids?: unknown }).ids;
		if (Array.isArray(ids) && ids.every((id) => typeof id === "string")) return ids;
	}
	throw new InvalidOptionError(option, "must be { ids: string[] } or { all: true }");
}

/** A copy of the documented fields only, so a caller mutating its object later changes nothing. */
export function copyError(error: JobErrorInfo): JobErrorInfo {
	const copy: JobErrorInfo = { message: error.message };
	if (typeof error.name === "string") copy.name = error.name;
	if (typeof error.stack === "string") copy.stack = error.stack;
	return copy;
}

/** Checks `{ message, name?, stack? }` and copies it. */
export function errorInfo(option: string, error: unknown): JobErrorInfo {
	if (!isObject(error) || typeof error.message !== "string") {
		throw new InvalidOptionError(
			option,
			"must be { message: string, name?: string, stack?: string }",
		);
	}
	return copyError(error as unknown as JobErrorInfo);
}
