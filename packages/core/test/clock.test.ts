import { describe, expect, it } from "vitest";
import { FakeClock } from "../src/index.js";

describe("FakeClock", () => {
	it("fires timers in due order, ties in creation order, only when advanced", async () => {
		const clock = new FakeClock(0);
		const fired: string[] = [];
		clock.setTimeout(() => fired.push("b@20"), 20);
		clock.setTimeout(() => fired.push("a@10"), 10);
		clock.setTimeout(() => fired.push("c@20"), 20);
		const cancelled = clock.setTimeout(() => fired.push("x"), 5);
		clock.clearTimeout(cancelled);
		await clock.advance(15);
		expect(fired).toEqual(["a@10"]);
		expect(clock.now()).toBe(15);
		await clock.advance(5);
		expect(fired).toEqual(["a@10", "b@20", "c@20"]);
	});

	it("sets now to each timer's due time while it fires", async () => {
		const clock = new FakeClock(100);
		let seen = 0;
		clock.setTimeout(() => {
			seen = clock.now();
		}, 30);
		await clock.advance(1_000);
		expect(seen).toBe(130);
		expect(clock.now()).toBe(1_100);
	});

	it("fires timers scheduled by timers within the same advance", async () => {
		const clock = new FakeClock(0);
		const at: number[] = [];
		const tick = () => {
			at.push(clock.now());
			if (at.length < 3) clock.setTimeout(tick, 10);
		};
		clock.setTimeout(tick, 10);
		await clock.advance(100);
		expect(at).toEqual([10, 20, 30]);
	});
});
