import { InvalidOptionError } from "@jobs/core";
import { describe, expect, it } from "vitest";
import { useHarness } from "../src/fixtures.js";
import { PAYLOADS } from "../src/suites/payload.js";

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function maxDepth(json: string): number {
	let depth = 0;
	let max = 0;
	let inString = false;
	for (let i = 0; i < json.length; i++) {
		const c = json[i];
		if (inString) {
			if (c === "\\") i++;
			else if (c === '"') inString = false;
		} else if (c === '"') inString = true;
		else if (c === "{" || c === "[") max = Math.max(max, ++depth);
		else if (c === "}" || c === "]") depth--;
	}
	return max;
}

const payload = (labelPart: string): string => {
	const entry = Object.entries(PAYLOADS).find(([label]) => label.includes(labelPart));
	if (!entry) throw new Error(`no payload labelled ${labelPart}`);
	return entry[1];
};

describe("the contract's payloads", () => {
	it("are all valid JSON text without lone surrogates", () => {
		for (const [label, text] of Object.entries(PAYLOADS)) {
			expect(() => JSON.parse(text), label).not.toThrow();
			expect(LONE_SURROGATE.test(text), label).toBe(false);
		}
	});

	it("include astral-plane characters and emoji sequences", () => {
		const text = payload("unicode");
		expect(text).toMatch(/[\u{10000}-\u{10FFFF}]/u);
		expect(text).toContain("\u200d");
	});

	it("nest more than 100 levels deep", () => {
		expect(maxDepth(payload("levels of nesting"))).toBeGreaterThan(100);
		expect(maxDepth(payload("bare arrays"))).toBe(150);
	});

	it("carry numbers at the safe-integer bounds and beyond double-exact integers as text", () => {
		const text = payload("numbers");
		expect(text).toContain(String(Number.MAX_SAFE_INTEGER));
		expect(text).toContain(String(Number.MIN_SAFE_INTEGER));
		expect(text).toContain("1e+300");
		expect(text).toContain("9007199254740993");
	});

	it("include one just under 1 MiB of UTF-8", () => {
		const bytes = new TextEncoder().encode(payload("1 MiB")).length;
		expect(bytes).toBeLessThanOrEqual(1024 * 1024);
		expect(bytes).toBeGreaterThan(1024 * 1024 - 128);
	});
});

describe("timeScale", () => {
	for (const timeScale of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
		it(`rejects ${timeScale} with InvalidOptionError`, () => {
			expect(() =>
				useHarness({ createHarness: () => Promise.reject(new Error("unused")), timeScale }),
			).toThrow(InvalidOptionError);
		});
	}
});
