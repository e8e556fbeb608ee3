import { describe, expect, it } from "vitest";
import { InvalidJobDataError, type JobsError, PayloadTooLargeError } from "../src/index.js";
import { encodeJobData } from "../src/store.js";

class Point {
	x = 1;
}

function rejection(data: unknown): InvalidJobDataError {
	try {
		encodeJobData(data, 1024 * 1024);
	} catch (error) {
		expect(error).toBeInstanceOf(InvalidJobDataError);
		return error as InvalidJobDataError;
	}
	throw new Error("expected encodeJobData to throw");
}

describe("encodeJobData", () => {
	it("encodes JSON-safe data unchanged", () => {
		const data = {
			s: "héllo 🎉",
			n: [0, -1.5, Number.MAX_SAFE_INTEGER],
			b: true,
			z: null,
			o: { deep: [{}] },
		};
		expect(JSON.parse(encodeJobData(data, 1024))).toEqual(data);
	});

	it.each([
		["undefined at the top", undefined, "data"],
		["a nested undefined", { user: { name: undefined } }, "data.user.name"],
		["a function", { cb: () => 1 }, "data.cb"],
		["a symbol", { s: Symbol("x") }, "data.s"],
		["a BigInt", { n: 10n }, "data.n"],
		["NaN", { n: Number.NaN }, "data.n"],
		["Infinity", [1, Number.POSITIVE_INFINITY], "data[1]"],
		["a Date", { user: { at: new Date() } }, "data.user.at"],
		["a Map", { m: new Map() }, "data.m"],
		["a Set", { s: new Set([1]) }, "data.s"],
		["a class instance", { p: new Point() }, "data.p"],
		// biome-ignore lint/suspicious/noSparseArray: the hole is the point of this case
		["an array hole", { a: [1, , 3] }, "data.a[1]"],
		["an odd key", { "a b": undefined }, 'data["a b"]'],
	])("rejects %s and names its path", (_label, data, path) => {
		const error = rejection(data);
		expect(error.code).toBe("JOBS_INVALID_DATA");
		expect(error.path).toBe(path);
		expect(error.message.startsWith(`${path}: `)).toBe(true);
	});

	it("rejects cycles", () => {
		const a: Record<string, unknown> = { b: {} };
		(a.b as Record<string, unknown>).back = a;
		expect(rejection(a).path).toBe("data.b.back");
	});

	it("accepts a repeated (non-cyclic) reference", () => {
		const shared = { x: 1 };
		expect(encodeJobData({ a: shared, b: shared }, 100)).toBe('{"a":{"x":1},"b":{"x":1}}');
	});

	it("rejects data over the byte limit, counting UTF-8 bytes", () => {
		expect(() => encodeJobData("é".repeat(60), 100)).toThrow(PayloadTooLargeError);
		expect(() => encodeJobData("e".repeat(60), 100)).not.toThrow();
		try {
			encodeJobData("é".repeat(60), 100);
		} catch (error) {
			expect((error as JobsError).code).toBe("JOBS_PAYLOAD_TOO_LARGE");
		}
	});
});
