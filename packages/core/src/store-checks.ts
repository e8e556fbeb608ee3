/**
 * Parameter checks for `JobStore` implementations. The engine never sends bad parameters; these
 * stop any other caller (a script, a buggy integration) before it corrupts a store, with the
 * same `JobsError`s from every store. Each returns the checked value.
 * @module
 */
import { InvalidJobDataError, InvalidJobNameError, InvalidOptionError } from "./errors.js";
import type { JobErrorInfo, LeaseRef, NewJob, ReserveParams } from "./job-store.js";
import { assertDuration, assertInteger, describe } from "./validate.js";

const isObject = (value: unknown): value is Record<string, unknown> =>
	typeof value === "object" && value !== null;

/** `value` if it is an integer >= `min`; otherwise throws `InvalidOptionError` naming `option`. */
export function checkInteger(option: string, value: unknown, min: number): number {
	assertInteger(option, value, min);
	return value;
}

/** `value` if it is a finite number of ms >= 0 (> 0 when `positive`); otherwise throws. */
export function checkDuration(option: string, value: unknown, positive = false): number {
	assertDuration(option, value, 0);
	if (positive && value === 0) throw new InvalidOptionError(option, "must be > 0, got 0");
	return value;
}

/** Checks `{ limit, leaseMs }` of `reserve` (and of a settle's `reserve`). */
export function checkReserveParams(option: string, params: unknown): ReserveParams {
	if (!isObject(params)) throw new InvalidOptionError(option, "must be { limit, leaseMs }");
	return {
		limit: checkInteger(`${option}.limit`, params.limit, 1),
		leaseMs: checkDuration(`${option}.leaseMs`, params.leaseMs, true),
	};
}

/** Checks `{ id, token }`, both strings. */
export function checkLeaseRef(option: string, ref: unknown): LeaseRef {
	if (!isObject(ref) || typeof ref.id !== "string" || typeof ref.token !== "string") {
		throw new InvalidOptionError(option, "must be { id: string, token: string }");
	}
	return { id: ref.id, token: ref.token };
}

/** Checks one job given to `add`; `at` names it in messages (e.g. `jobs[3]`). */
export function checkNewJob(job: unknown, at: string): NewJob {
	if (!isObject(job)) throw new InvalidOptionError(at, "must be an object");
	if (typeof job.name !== "string" || job.name === "") {
		throw new InvalidJobNameError(`${at}.name: must be a non-empty string`);
	}
	if (typeof job.payload !== "string") {
		throw new InvalidJobDataError(`${at}.payload`, "must be a JSON string");
	}
	if (job.maxAttempts !== undefined) checkInteger(`${at}.maxAttempts`, job.maxAttempts, 1);
	if (job.delay !== undefined) checkDuration(`${at}.delay`, job.delay);
	if (job.runAt !== undefined) {
		if (typeof job.runAt !== "number" || !Number.isFinite(job.runAt)) {
			throw new InvalidOptionError(
				`${at}.runAt`,
				`must be a finite number, got ${describe(job.runAt)}`,
			);
		}
		if (job.delay !== undefined) {
			throw new InvalidOptionError(at, "give either delay or runAt, not both");
		}
	}
	return job as unknown as NewJob;
}

/** Checks `{ ids }` or `{ all: true }`; returns the ids, or `"all"`. */
export function checkDeadSelector(option: string, selector: unknown): readonly string[] | "all" {
	if (isObject(selector)) {
		if (selector.all === true) return "all";
		const { ids } = selector;
		if (Array.isArray(ids) && ids.every((id) => typeof id === "string")) return ids;
	}
	throw new InvalidOptionError(option, "must be { ids: string[] } or { all: true }");
}

/** Checks `{ message, name?, stack? }` and returns a copy of those fields only. */
export function checkErrorInfo(option: string, error: unknown): JobErrorInfo {
	if (!isObject(error) || typeof error.message !== "string") {
		throw new InvalidOptionError(
			option,
			"must be { message: string, name?: string, stack?: string }",
		);
	}
	return copyErrorInfo(error as unknown as JobErrorInfo);
}

/** A copy of the documented fields only, so a caller mutating its object later changes nothing. */
export function copyErrorInfo(error: JobErrorInfo): JobErrorInfo {
	const copy: JobErrorInfo = { message: error.message };
	if (typeof error.name === "string") copy.name = error.name;
	if (typeof error.stack === "string") copy.stack = error.stack;
	return copy;
}
