import { describe, expect, it } from "vitest";
import { InvalidOptionError } from "../src/index.js";
import {
	checkDeadSelector,
	checkDuration,
	checkErrorInfo,
	checkNewJob,
	checkReserveParams,
} from "../src/store.js";

describe("checks for JobStore implementations", () => {
	it("return what they checked", () => {
		expect(checkReserveParams("reserve", { limit: 2, leaseMs: 5 })).toEqual({
			limit: 2,
			leaseMs: 5,
		});
		expect(checkNewJob({ name: "x", payload: "{}", delay: 0 }, "jobs[0]")).toEqual({
			name: "x",
			payload: "{}",
			delay: 0,
		});
		expect(checkDeadSelector("s", { all: true })).toBe("all");
		expect(checkDeadSelector("s", { ids: ["1"] })).toEqual(["1"]);
		const error = { message: "m", stack: "s", extra: 1 };
		expect(checkErrorInfo("e", error)).toEqual({ message: "m", stack: "s" });
	});

	it.each([
		[
			() => checkReserveParams("reserve", { limit: 0, leaseMs: 5 }),
			"reserve.limit: must be an integer >= 1, got 0",
		],
		[
			() => checkReserveParams("reserve", { limit: 1, leaseMs: 0 }),
			"reserve.leaseMs: must be > 0, got 0",
		],
		[
			() => checkDuration("retry.delay", -1),
			"retry.delay: must be a finite number of milliseconds >= 0, got -1",
		],
		[
			() => checkNewJob({ name: "x", payload: "{}", delay: 1, runAt: 2 }, "jobs[1]"),
			"jobs[1]: give either delay or runAt, not both",
		],
		[
			() => checkDeadSelector("removeDead", {}),
			"removeDead: must be { ids: string[] } or { all: true }",
		],
		[() => checkErrorInfo("fail.error", { name: "x" }), "fail.error: must be { message: string"],
	])("reject bad parameters with an error naming them (%#)", (check, message) => {
		expect(check).toThrow(InvalidOptionError);
		expect(check).toThrow(message);
	});
});
