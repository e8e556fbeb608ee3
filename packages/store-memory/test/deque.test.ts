import { describe, expect, it } from "vitest";
import { Deque } from "../src/deque.js";

/** A small deterministic PRNG (mulberry32), so a failure replays. */
function random(seed: number): () => number {
	let a = seed;
	return () => {
		a = (a + 0x6d2b79f5) | 0;
		let t = Math.imul(a ^ (a >>> 15), 1 | a);
		t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

describe("Deque", () => {
	it("shifts in push order across many growths", () => {
		const d = new Deque<number>();
		for (let i = 0; i < 10_000; i++) d.push(i);
		expect(d.size).toBe(10_000);
		for (let i = 0; i < 10_000; i++) expect(d.shift()).toBe(i);
		expect(d.shift()).toBeUndefined();
		expect(d.size).toBe(0);
	});

	it("matches an array under random push, unshift and shift, wrapping around", () => {
		const next = random(42);
		const d = new Deque<number>();
		const model: number[] = [];
		for (let i = 0; i < 20_000; i++) {
			const r = next();
			if (r < 0.4) {
				d.push(i);
				model.push(i);
			} else if (r < 0.6) {
				d.unshift(i);
				model.unshift(i);
			} else {
				expect(d.shift()).toBe(model.shift());
			}
			expect(d.size).toBe(model.length);
		}
		while (model.length > 0) expect(d.shift()).toBe(model.shift());
	});

	it("empties on clear and works afterwards", () => {
		const d = new Deque<string>();
		d.push("a");
		d.unshift("b");
		d.clear();
		expect(d.size).toBe(0);
		d.push("c");
		expect(d.shift()).toBe("c");
	});
});
