import { expect, it } from "vitest";
import { describeFaults, type Plan, Scenario } from "./support/scenario.js";

describeFaults("5. a slow handler (awaiting, not blocking)", () => {
	it("keeps its lease through the heartbeat for three times the lease: one run", async (ctx) => {
		const s = await Scenario.start(ctx, "heartbeat");
		const lease = 1_500;
		const slow = await s.worker("slow", { concurrency: 2, lease, sweepInterval: 100 });
		const plan: Plan = { "*": { sleep: 3 * lease } };
		const ids = await s.addJobs(2, () => ({ plan }));
		await s.waitForLedger("both runs to start", (a) => a.count("start") === 2);
		// An eager sweeper next to it: any lease that lapsed would be taken within 100 ms.
		await s.worker("sweeper", { concurrency: 2, lease, sweepInterval: 100 });
		await s.waitUntilDrained(30_000);
		const report = await s.verify();

		expect(report.acked).toBe(2);
		expect(report.runs).toBe(2);
		expect(report.redeliveries).toBe(0);
		expect(report.leaseLost).toBe(0);
		expect(report.errors).toEqual([]);
		const a = s.ledger();
		expect(a.count("sweep")).toBe(0);
		for (const id of ids) {
			const [only] = a.leasesById.get(id)!;
			expect(only!.w).toBe("slow");
			// Renewed every third of the lease: about 8 times over the run; at least a few for sure.
			expect(only!.renewals.length).toBeGreaterThanOrEqual(4);
			expect(only!.refusedRenewals).toEqual([]);
			expect(only!.end! - only!.start!).toBeGreaterThanOrEqual(3 * lease - 20);
		}
		expect(slow.isAlive()).toBe(true);
	});
});
