import { describe, expect, it } from "vitest";
import { InvalidOptionError } from "../src/errors.js";
import {
	checkScheduleTiming,
	dueTicks,
	MAX_CATCH_UP,
	ON_TIME_MS,
	ticksAfter,
	ticksUpTo,
} from "../src/schedule.js";

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();
const cron = (expression: string, tz?: string, catchUp?: unknown) =>
	checkScheduleTiming("spec", {
		cron: expression,
		...(tz ? { tz } : {}),
		...(catchUp ? { catchUp } : {}),
	});
const every = (ms: number, catchUp?: unknown) =>
	checkScheduleTiming("spec", { every: ms, ...(catchUp ? { catchUp } : {}) });
const after = (timing: ReturnType<typeof cron>, from: string, count: number) =>
	ticksAfter(timing, 0, at(from), count).map(iso);

describe("schedule timing", () => {
	it("refuses a bad timing with an InvalidOptionError naming the problem", () => {
		const bad: [unknown, RegExp][] = [
			[{}, /exactly one of cron and every/],
			[{ cron: "* * * * *", every: 1_000 }, /exactly one of cron and every/],
			[{ cron: "61 * * * *" }, /spec\.cron: "61 \* \* \* \*" is not a cron expression/],
			[{ cron: "every day" }, /is not a cron expression/],
			[{ cron: "" }, /spec\.cron: must be a non-empty string/],
			[
				{ cron: "0 * * * *", tz: "Mars/Olympus" },
				/spec\.tz: "Mars\/Olympus" is not a known IANA time zone/,
			],
			[{ every: 0 }, /spec\.every: must be an integer of ms ≥ 1/],
			[{ every: -5 }, /spec\.every/],
			[{ every: 1.5 }, /spec\.every/],
			[{ every: Number.POSITIVE_INFINITY }, /spec\.every/],
			[{ every: 1_000, tz: "UTC" }, /spec\.tz: applies to cron only/],
			[
				{ every: 1_000, catchUp: "all" },
				/spec\.catchUp: must be "skip", "once" or \{ window: ms ≥ 1 \}/,
			],
			[{ every: 1_000, catchUp: { window: 0 } }, /spec\.catchUp/],
			["* * * * *", /spec: must be an object/],
		];
		for (const [timing, message] of bad) {
			const error = (() => {
				try {
					checkScheduleTiming("spec", timing);
				} catch (e) {
					return e;
				}
			})();
			expect(error, JSON.stringify(timing)).toBeInstanceOf(InvalidOptionError);
			expect((error as Error).message, JSON.stringify(timing)).toMatch(message);
		}
		expect(checkScheduleTiming("spec", { every: 5_000 })).toEqual({
			every: 5_000,
			catchUp: "skip",
		});
		expect(cron("0 9 * * MON", "Europe/Berlin", "once")).toEqual({
			cron: "0 9 * * MON",
			tz: "Europe/Berlin",
			catchUp: "once",
		});
	});

	it("reads 6 fields as seconds first, and names and nicknames", () => {
		expect(after(cron("*/20 * * * * *"), "2026-06-01T00:00:00Z", 3)).toEqual([
			"2026-06-01T00:00:20.000Z",
			"2026-06-01T00:00:40.000Z",
			"2026-06-01T00:01:00.000Z",
		]);
		expect(after(cron("0 9 * * MON"), "2026-06-01T12:00:00Z", 1)).toEqual([
			"2026-06-08T09:00:00.000Z",
		]);
		expect(after(cron("@daily"), "2026-06-01T12:00:00Z", 1)).toEqual(["2026-06-02T00:00:00.000Z"]);
	});

	it("loses no tick and doubles none at a spring-forward, in Europe/Berlin and America/New_York", () => {
		// Berlin skips 02:00–03:00 on 2026-03-29: 02:30 runs at 03:00 CEST, the first time after it.
		expect(after(cron("30 2 * * *", "Europe/Berlin"), "2026-03-27T12:00:00Z", 3)).toEqual([
			"2026-03-28T01:30:00.000Z",
			"2026-03-29T01:00:00.000Z",
			"2026-03-30T00:30:00.000Z",
		]);
		// New York skips 02:00–03:00 on 2026-03-08.
		expect(after(cron("30 2 * * *", "America/New_York"), "2026-03-07T12:00:00Z", 2)).toEqual([
			"2026-03-08T07:00:00.000Z",
			"2026-03-09T06:30:00.000Z",
		]);
		// An hourly schedule ticks 23 times that day, an hour apart in real time.
		const hourly = ticksAfter(
			cron("0 * * * *", "Europe/Berlin"),
			0,
			at("2026-03-28T22:59:00Z"),
			30,
		);
		const day = hourly.filter((t) => t < at("2026-03-29T22:00:00Z"));
		expect(day).toHaveLength(23);
		for (let i = 1; i < hourly.length; i++) expect(hourly[i]! - hourly[i - 1]!).toBe(3_600_000);
	});

	it("runs a repeated time once at a fall-back, and an hourly schedule through the repeated hour", () => {
		// Berlin repeats 02:00–03:00 on 2026-10-25: 02:30 runs at its first occurrence (CEST) only.
		expect(after(cron("30 2 * * *", "Europe/Berlin"), "2026-10-24T12:00:00Z", 2)).toEqual([
			"2026-10-25T00:30:00.000Z",
			"2026-10-26T01:30:00.000Z",
		]);
		// New York repeats 01:00–02:00 on 2026-11-01.
		expect(after(cron("30 1 * * *", "America/New_York"), "2026-10-31T12:00:00Z", 2)).toEqual([
			"2026-11-01T05:30:00.000Z",
			"2026-11-02T06:30:00.000Z",
		]);
		// 25 hourly ticks that day in Berlin, an hour apart: none lost, none doubled.
		const hourly = ticksAfter(
			cron("0 * * * *", "Europe/Berlin"),
			0,
			at("2026-10-24T21:59:00Z"),
			30,
		);
		expect(hourly.filter((t) => t < at("2026-10-25T23:00:00Z"))).toHaveLength(25);
		for (let i = 1; i < hourly.length; i++) expect(hourly[i]! - hourly[i - 1]!).toBe(3_600_000);
	});

	it("meets month ends and leap days", () => {
		expect(after(cron("0 0 31 * *"), "2026-01-01T00:00:00Z", 4)).toEqual([
			"2026-01-31T00:00:00.000Z",
			"2026-03-31T00:00:00.000Z",
			"2026-05-31T00:00:00.000Z",
			"2026-07-31T00:00:00.000Z",
		]);
		expect(after(cron("0 0 L * *"), "2028-01-15T00:00:00Z", 3)).toEqual([
			"2028-01-31T00:00:00.000Z",
			"2028-02-29T00:00:00.000Z",
			"2028-03-31T00:00:00.000Z",
		]);
		expect(after(cron("0 0 29 2 *"), "2026-03-01T00:00:00Z", 2)).toEqual([
			"2028-02-29T00:00:00.000Z",
			"2032-02-29T00:00:00.000Z",
		]);
	});

	it("counts an every schedule from its anchor, so late handling never drifts it", () => {
		const anchor = at("2026-06-01T00:00:00.250Z");
		const timing = every(1_000);
		expect(ticksAfter(timing, anchor, anchor - 5_000, 2).map(iso)).toEqual([
			"2026-06-01T00:00:00.250Z",
			"2026-06-01T00:00:01.250Z",
		]);
		// However late a ticker runs, the ticks stay on the anchor's grid.
		expect(ticksAfter(timing, anchor, anchor + 3_999, 1)).toEqual([anchor + 4_000]);
		expect(ticksAfter(timing, anchor, anchor + 4_000, 1)).toEqual([anchor + 5_000]);
		expect(ticksUpTo(timing, anchor, anchor + 4_500, 3)).toEqual([
			anchor + 2_000,
			anchor + 3_000,
			anchor + 4_000,
		]);
		expect(ticksUpTo(cron("0 * * * *"), 0, at("2026-06-01T10:30:00Z"), 2).map(iso)).toEqual([
			"2026-06-01T09:00:00.000Z",
			"2026-06-01T10:00:00.000Z",
		]);
	});

	it("enqueues each tick a ticker finds on time, and the missed ones as the catch-up policy says", () => {
		const now = at("2026-06-01T12:00:00Z");
		const anchor = now - 3_600_000;
		// Down for 100 s: 100 ticks of one a second due, 30 of them on time.
		const next = now - 99_500;
		const onTime = (t: number) => t >= now - ON_TIME_MS;
		const skip = dueTicks(every(1_000), anchor, anchor + 3_500_000, now);
		expect(skip.fire).toHaveLength(31);
		expect(skip.fire.every(onTime)).toBe(true);
		expect(skip.fire.at(-1)).toBe(now);
		expect(skip.skipped).toBe(70);
		expect(skip.next).toBe(now + 1_000);
		const once = dueTicks(every(1_000, "once"), anchor, anchor + 3_500_000, now);
		expect(once.fire).toEqual([now - ON_TIME_MS - 1_000, ...skip.fire]);
		expect(once.skipped).toBe(69);
		const windowed = dueTicks(every(1_000, { window: 60_000 }), anchor, anchor + 3_500_000, now);
		expect(windowed.fire).toHaveLength(61);
		expect(windowed.fire[0]).toBe(now - 60_000);
		expect(windowed.skipped).toBe(40);
		// Nothing due: nothing fired, next unchanged.
		expect(dueTicks(every(1_000), anchor, now + 500, now)).toEqual({
			fire: [],
			next: now + 500,
			skipped: 0,
		});
		expect(next).toBeLessThan(now);
		// A window longer than the cap fires the newest MAX_CATCH_UP.
		const capped = dueTicks(every(10, { window: 3_600_000 }), anchor, anchor, now);
		expect(capped.fire).toHaveLength(MAX_CATCH_UP);
		expect(capped.fire.at(-1)).toBe(now);
		expect(capped.skipped).toBe(360_001 - MAX_CATCH_UP);
		// A cron schedule missed for a day: "once" runs the newest missed tick and the on-time one.
		const daily = dueTicks(
			cron("0 * * * *", undefined, "once"),
			0,
			at("2026-05-31T12:00:00Z"),
			now,
		);
		expect(daily.fire.map(iso)).toEqual(["2026-06-01T11:00:00.000Z", "2026-06-01T12:00:00.000Z"]);
		expect(daily.skipped).toBe(23);
		expect(iso(daily.next!)).toBe("2026-06-01T13:00:00.000Z");
	});
});
