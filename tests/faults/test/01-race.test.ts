import { expect, it } from "vitest";
import { describeFaults, Scenario } from "./support/scenario.js";

describeFaults("1. many workers race", () => {
	it("4 worker processes × concurrency 8 race for 5,000 jobs: zero duplicates, zero lost", async (ctx) => {
		const s = await Scenario.start(ctx, "race");
		const workers = await Promise.all(
			[1, 2, 3, 4].map((n) => s.worker(`w${n}`, { concurrency: 8, lease: 10_000 })),
		);
		await s.addJobs(5_000);
		await s.waitUntilDrained(90_000);
		const report = await s.verify();
		expect(report.acked).toBe(5_000);
		expect(report.runs).toBe(5_000);
		expect(report.reruns).toBe(0);
		expect(report.redeliveries).toBe(0);
		expect(report.leaseLost).toBe(0);
		expect(report.errors).toEqual([]);
		// Every worker took part in the race.
		const a = s.ledger();
		for (const w of workers) {
			expect(a.byType("start").filter((e) => e.pid === w.pid).length).toBeGreaterThan(0);
		}
	});
});
