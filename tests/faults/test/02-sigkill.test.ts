import { expect, it } from "vitest";
import { describeFaults, type Plan, Scenario } from "./support/scenario.js";

describeFaults("2. worker SIGKILLed mid-handler", () => {
	it("its jobs run again after the lease expires, end acked once, and their attempts were counted", async (ctx) => {
		const s = await Scenario.start(ctx, "sigkill");
		const lease = 1_000;
		const victim = await s.worker("victim", { concurrency: 4, lease, sweepInterval: 200 });
		// Attempt 1 would take 20 s; a re-run finishes at once.
		const plan: Plan = { "1": { sleep: 20_000 } };
		const slow = await s.addJobs(4, () => ({ plan }));
		await s.waitForLedger("the victim to start all 4 slow jobs", (a) => a.count("start") === 4);
		const survivor = await s.worker("survivor", { concurrency: 4, lease, sweepInterval: 200 });
		// Let a heartbeat renew the victim's leases, then kill it mid-handler.
		await s.waitForLedger("a renewal of the victim's leases", (a) => a.count("extend") > 0);
		await s.kill(victim);
		const more = await s.addJobs(50);
		await s.waitUntilDrained(30_000);
		const report = await s.verify();

		expect(report.acked).toBe(54);
		expect(report.reruns).toBe(4);
		expect(report.errors).toEqual([]);
		const a = s.ledger();
		for (const id of slow) {
			const leases = a.leasesById.get(id)!;
			expect(leases.map((l) => [l.w, l.attempts])).toEqual([
				["victim", 1],
				["survivor", 2],
			]);
			expect(leases[1]!.lastError).toMatch(/lease expired/);
			expect(leases[1]!.okSettle?.op).toBe("ack");
		}
		for (const id of more) expect(a.leasesById.get(id)!.map((l) => l.w)).toEqual(["survivor"]);
		expect(survivor.isAlive()).toBe(true);
	});
});
