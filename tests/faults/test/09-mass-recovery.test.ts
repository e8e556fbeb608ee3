import { expect, it } from "vitest";
import { describeFaults, type Plan, Scenario } from "./support/scenario.js";

describeFaults("9. all workers killed holding 20,000 leased jobs", () => {
	it("one new worker recovers every job, in bounded sweep batches", async (ctx) => {
		const s = await Scenario.start(ctx, "mass-recovery");
		const lease = 3_000;
		const plan: Plan = { "1": { hang: true } };
		await s.addJobs(20_000, () => ({ plan }));
		const holders = await Promise.all(
			["h1", "h2"].map((name) =>
				s.worker(name, { concurrency: 10_000, lease, sweepInterval: 1_000 }),
			),
		);
		await s.waitFor(
			"all 20,000 jobs to be leased",
			async () => (await s.rawCounts()).active === 20_000,
			60_000,
			200,
		);
		await s.waitForLedger(
			"all 20,000 handlers to start",
			(a) => a.count("start") === 20_000,
			60_000,
			500,
		);
		for (const h of holders) await s.kill(h);
		await s.redis.config("SET", "slowlog-log-slower-than", "1000");
		await s.redis.slowlog("RESET");
		await s.worker("rescuer", { concurrency: 200, lease, sweepInterval: 200 });
		await s.waitUntilDrained(90_000);
		const report = await s.verify();

		const a = s.ledger();
		const sweeps = a.byType("sweep").filter((e) => e.w === "rescuer");
		const recovered = sweeps.reduce((sum, e) => sum + e.n!, 0);
		const slow = (await s.redis.slowlog("GET", 10_000)) as [number, number, number, string[]][];
		const longest = Math.max(0, ...slow.map((entry) => entry[2]));
		console.log(
			`[faults] mass-recovery: ${recovered} jobs recovered in ${sweeps.length} sweep calls ` +
				`(largest ${Math.max(...sweeps.map((e) => e.n!))}, limit ${sweeps[0]?.limit}); ` +
				`longest Redis command during recovery ${(longest / 1000).toFixed(1)} ms`,
		);
		expect(recovered).toBe(20_000);
		for (const e of sweeps) expect(e.n!).toBeLessThanOrEqual(e.limit!);
		expect(sweeps.length).toBeGreaterThanOrEqual(20);
		expect(report.acked).toBe(20_000);
		expect(report.reruns).toBe(20_000);
		expect(report.errors).toEqual([]);
	});
});
