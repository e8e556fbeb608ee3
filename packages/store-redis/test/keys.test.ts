import { InvalidOptionError } from "@jobs/core";
import { describe, expect, it } from "vitest";
import { hashTagOf, keyBase, queueKeys } from "../src/index.js";

describe("key layout", () => {
	it("wraps a plain prefix in a hash tag", () => {
		expect(queueKeys("jobs").ready).toBe("{jobs}:ready");
		expect(queueKeys("a b").delayed).toBe("{a b}:delayed");
	});

	it("percent-encodes } and % inside the tag, so it is never cut short", () => {
		expect(keyBase("x{y}")).toBe("{x{y%7D}");
		expect(keyBase("}")).toBe("{%7D}");
		expect(keyBase("50%")).toBe("{50%25}");
	});

	for (const prefix of [
		"jobs",
		"a b",
		"x{y}",
		"{}",
		"}x",
		"a{b",
		"{a",
		"x{}y{z}",
		"{{}}",
		"}",
		"{",
		"🚀",
	]) {
		it(`gives every key of ${JSON.stringify(prefix)} the same non-empty hash tag`, () => {
			const keys = queueKeys(prefix);
			const tags = new Set(Object.values(keys).map(hashTagOf));
			expect(tags.size).toBe(1);
			const [tag] = tags;
			// A tag equal to the whole key would mean Redis hashes each key on its own.
			expect(Object.values(keys)).not.toContain(tag);
		});
	}

	it("keeps different prefixes apart", () => {
		const all = ["a", "b", "{a}", "a}", "a%7D", "a b", "}x", "%7Dx"].map((p) => queueKeys(p).ready);
		expect(new Set(all).size).toBe(all.length);
	});

	it("refuses an empty prefix", () => {
		expect(() => queueKeys("")).toThrow(InvalidOptionError);
	});
});
