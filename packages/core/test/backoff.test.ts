import { describe, expect, it } from "vitest";
import { defaultBackoff, exponentialBackoff } from "../src/index.js";

describe("exponentialBackoff", () => {
	it("doubles from the base without jitter", () => {
		const backoff = exponentialBackoff({ base: 1_000, jitter: 0 });
		expect([1, 2, 3, 4].map(backoff)).toEqual([1_000, 2_000, 4_000, 8_000]);
	});

	it("spreads by the jitter fraction both ways", () => {
		expect(exponentialBackoff({ base: 1_000, random: () => 0 })(1)).toBe(800);
		expect(exponentialBackoff({ base: 1_000, random: () => 0.999999 })(1)).toBe(1_200);
	});

	it("never exceeds the cap, jitter included", () => {
		const backoff = exponentialBackoff({ base: 1_000, max: 5_000, random: () => 0.999 });
		expect(backoff(30)).toBe(5_000);
	});

	it("defaults to 1 s ±20% for the first retry and one hour at most", () => {
		for (let i = 0; i < 100; i++) {
			const first = defaultBackoff(1);
			expect(first).toBeGreaterThanOrEqual(800);
			expect(first).toBeLessThanOrEqual(1_200);
			expect(defaultBackoff(100)).toBeLessThanOrEqual(3_600_000);
		}
	});
});
