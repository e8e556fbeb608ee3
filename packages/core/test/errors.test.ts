import { describe, expect, it } from "vitest";
import {
	DuplicateHandlerError,
	InvalidJobDataError,
	isInputError,
	JobFailedError,
	JobNotFoundError,
	JobsError,
	jobsErrorBody,
	jobsErrorStatus,
	NoHandlerError,
	StoreFullError,
	StoreUnavailableError,
	WaitTimeoutError,
} from "../src/index.js";

describe("JobsError", () => {
	it("subclasses carry a stable code, their own name and JobsError identity", () => {
		const error = new NoHandlerError("send-welcome");
		expect(error).toBeInstanceOf(JobsError);
		expect(error).toBeInstanceOf(Error);
		expect(error.code).toBe("JOBS_NO_HANDLER");
		expect(error.name).toBe("NoHandlerError");
		expect(error.message).toBe('no handler registered for "send-welcome"');
		expect(new DuplicateHandlerError("x").code).toBe("JOBS_DUPLICATE_HANDLER");
	});

	it("isInputError separates caller mistakes from outages", () => {
		expect(isInputError(new InvalidJobDataError("data.x", "bad"))).toBe(true);
		expect(isInputError(new StoreUnavailableError("down"))).toBe(false);
		expect(isInputError(new Error("x"))).toBe(false);
	});
});

describe("jobsErrorStatus", () => {
	it("maps a job waitFor cannot find to 404 with its message, and a timeout or a failed job to none", () => {
		const error = new JobNotFoundError("7", "no such job");
		expect(jobsErrorStatus(error)).toBe(404);
		expect(jobsErrorBody(error, 404)).toEqual({
			error: "job 7: no such job",
			code: "JOBS_JOB_NOT_FOUND",
		});
		expect(jobsErrorStatus(new WaitTimeoutError("7", 100))).toBeUndefined();
		expect(jobsErrorStatus(new JobFailedError("7", { message: "x" }))).toBeUndefined();
	});

	it("maps a full store to 503 with its own code and a generic line", () => {
		const error = new StoreFullError("Redis is out of memory: OOM command not allowed");
		expect(jobsErrorStatus(error)).toBe(503);
		expect(jobsErrorBody(error, 503)).toEqual({ error: "job store full", code: "JOBS_STORE_FULL" });
		expect(jobsErrorBody(new StoreUnavailableError("down"), 503)).toEqual({
			error: "job store unavailable",
			code: "JOBS_STORE_UNAVAILABLE",
		});
	});
});
