import { expect, it } from "vitest";
import { describeFaults, type Plan, Scenario } from "./support/scenario.js";

describeFaults("6. a handler that blocks the event loop past its lease", () => {
	it("is re-run elsewhere; the blocked worker's late settle is refused and reported as lease-lost", async (ctx) => {
		const s = await Scenario.start(ctx, "blocked");
		const lease = 1_000;
		const blocked = await s.worker("blocked", { concurrency: 1, lease, sweepInterval: 100 });
		// Attempt 1 blocks the event loop for 3.5 leases: no heartbeat can run.
		const plan: Plan = { "1": { block: 3.5 * lease } };
		const [id] = await s.addJobs(1, () => ({ plan }));
		await s.waitForLedger("the blocking run to start", (a) => a.count("start") === 1);
		await s.worker("rescuer", { concurrency: 1, lease, sweepInterval: 100 });
		const a = await s.waitForLedger(
			"the blocked worker's late ack to be answered",
			(l) => (l.leasesById.get(id!)?.[0]?.settles ?? []).some((x) => x.ok !== undefined),
			30_000,
		);
		await s.waitUntilDrained(10_000);
		const report = await s.verify();

		const [first, second] = a.leasesById.get(id!)!;
		expect(first!.w).toBe("blocked");
		expect(second!.w).toBe("rescuer");
		// The rescuer took over while the blocked worker was still inside its handler…
		expect(second!.start!).toBeLessThan(first!.end!);
		expect(second!.okSettle?.op).toBe("ack");
		// …whose ack came back refused, and a lease-lost event said why.
		expect(first!.settles.map((x) => [x.op, x.ok])).toEqual([["ack", false]]);
		expect(first!.leaseLost.length).toBeGreaterThan(0);
		const events = s.ledger().byType("lease-lost");
		expect(events.map((e) => [e.w, e.id])).toContainEqual(["blocked", id]);
		expect(events[0]!.message).toMatch(/lost the lease of job/);
		expect(report.acked).toBe(1);
		expect(report.reruns).toBe(1);
		expect(report.overlaps).toBe(1);
		expect(report.errors).toEqual([]);
		expect(blocked.isAlive()).toBe(true);
	});
});
