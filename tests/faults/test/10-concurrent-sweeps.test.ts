import { expect, it } from "vitest";
import { describeFaults, type Plan, Scenario } from "./support/scenario.js";

describeFaults("10. ten workers sweeping every 100 ms over 1,000 expired leases", () => {
	it("re-queue each job exactly once", async (ctx) => {
		const s = await Scenario.start(ctx, "concurrent-sweeps");
		const plan: Plan = { "1": { hang: true } };
		const ids = await s.addJobs(1_000, () => ({ plan }));
		// Five holders of 200 jobs each, killed 150 ms apart: five waves of expiring leases.
		const holders = [];
		for (let n = 1; n <= 5; n++) {
			holders.push(
				await s.worker(`h${n}`, { concurrency: 200, lease: 2_000, sweepInterval: 1_000 }),
			);
			await s.waitForLedger(
				`holder ${n} to start its 200 jobs`,
				(a) => a.count("start") === 200 * n,
			);
		}
		const sweepers = [];
		for (let n = 1; n <= 10; n++) {
			sweepers.push(s.worker(`s${n}`, { concurrency: 20, lease: 5_000, sweepInterval: 100 }));
		}
		await Promise.all(sweepers);
		for (const holder of holders) {
			await s.kill(holder);
			await new Promise((resolve) => setTimeout(resolve, 150));
		}
		await s.waitUntilDrained(60_000);
		const report = await s.verify();

		const a = s.ledger();
		const sweeps = a.byType("sweep");
		const byProcess = new Map<string, number>();
		for (const e of sweeps) byProcess.set(e.w, (byProcess.get(e.w) ?? 0) + e.n!);
		console.log(
			`[faults] concurrent-sweeps: ${sweeps.length} sweep calls recovered jobs; per process ${JSON.stringify(Object.fromEntries(byProcess))}`,
		);
		expect(sweeps.reduce((sum, e) => sum + e.n!, 0)).toBe(1_000);
		for (const id of ids) {
			const leases = a.leasesById.get(id)!;
			expect(leases.map((l) => l.attempts)).toEqual([1, 2]);
			expect(leases[1]!.lastError).toMatch(/lease expired/);
		}
		expect(report.acked).toBe(1_000);
		expect(report.reruns).toBe(1_000);
		expect(report.errors).toEqual([]);
	});
});
