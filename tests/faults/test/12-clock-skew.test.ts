import { expect, it } from "vitest";
import { describeFaults, type Plan, Scenario } from "./support/scenario.js";

const MINUTE = 60_000;

describeFaults("12. clock skew between processes", () => {
	it("workers at -5 min and +5 min and a producer at +1 h: no lease expires early, a 2 s delay runs after 2 s", async (ctx) => {
		const s = await Scenario.start(ctx, "clock-skew");
		const lease = 1_500;
		const config = { concurrency: 8, lease, sweepInterval: 100 };
		await s.worker("behind", { ...config, skewMs: -5 * MINUTE });
		await s.worker("ahead", { ...config, skewMs: +5 * MINUTE });
		// Slow jobs: each needs its lease renewed twice; a lease computed on a skewed clock
		// would look expired to the other worker's sweeps at once.
		const slow: Plan = { "*": { sleep: 2.5 * lease } };
		const slowProducer = await s.producer("slow-producer", {
			count: 8,
			inFlight: 8,
			data: { plan: slow },
			skewMs: 60 * MINUTE,
		});
		const delayedProducer = await s.producer("delayed-producer", {
			count: 6,
			inFlight: 6,
			options: { delay: 2_000 },
			skewMs: 60 * MINUTE,
		});
		await Promise.all([slowProducer.exited, delayedProducer.exited]);
		await s.waitUntilDrained(30_000);
		const report = await s.verify();

		expect(report.acked).toBe(14);
		expect(report.redeliveries).toBe(0);
		expect(report.leaseLost).toBe(0);
		expect(report.errors).toEqual([]);
		const a = s.ledger();
		expect(a.byType("sweep")).toEqual([]);
		// Both skewed workers took part.
		expect(new Set(a.byType("start").map((e) => e.w))).toEqual(new Set(["behind", "ahead"]));
		// Each delayed job ran no sooner than 2 s after its add was sent (and not an hour later:
		// the drain above would have timed out).
		const waits = a
			.byType("add")
			.filter((e) => e.w === "delayed-producer")
			.map((add) => a.leasesById.get(add.id!)![0]!.start! - add.sent!);
		console.log(
			`[faults] clock-skew: the 2 s delayed jobs started after ${waits.map((w) => Math.round(w)).join(", ")} ms`,
		);
		for (const wait of waits) expect(wait).toBeGreaterThanOrEqual(2_000 - 5);
	});
});
