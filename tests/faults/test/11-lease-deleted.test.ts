import { expect, it } from "vitest";
import { describeFaults, type Plan, Scenario } from "./support/scenario.js";
import { parseActive, storeKeys } from "./support/store-layout.js";

/**
 * The Redis store keeps a job's lease as its `active` entry: `<expiry>,<token>,<attempts>,…`
 * (see store-layout.ts). "Deleting the lease by hand" is, in that layout, overwriting the entry
 * with something that holds no lease, so that the job is still active but nobody holds it, as a
 * partial write or a hand edit would leave it. Its entry in the index `lease-exp` stays, so a
 * sweep looks at it once the lease it held would have expired.
 */
async function stripLease(s: Scenario, id: string): Promise<void> {
	const key = storeKeys(s.prefix).active;
	const value = await s.redis.hget(key, id);
	const lease = value ? parseActive(value) : undefined;
	if (!lease) throw new Error(`job ${id} holds no lease to strip: ${value}`);
	await s.redis.hset(key, id, "no lease");
	s.log.write({ t: "tampered", id, removed: `${lease.expiry},${lease.token}` });
}

// This scenario found a store bug (fixed in dadc39b): sweep skipped an active entry without a
// parseable lease, so the job stayed `active` forever. With a lease of 1 s and sweeps every
// 100 ms, recovery takes about a second; the tests give it 8 s.
describeFaults("11. a lease deleted by hand while its job is active", () => {
	it("the job is still recovered when its worker lives on", async (ctx) => {
		const s = await Scenario.start(ctx, "lease-deleted-live");
		const plan: Plan = { "1": { sleep: 2_000 } };
		await s.worker("holder", { concurrency: 1, lease: 1_000, sweepInterval: 100 });
		await s.worker("other", { concurrency: 1, lease: 1_000, sweepInterval: 100 });
		const [id] = await s.addJobs(1, () => ({ plan }));
		await s.waitForLedger("the job to start", (a) => a.count("start") === 1);
		await stripLease(s, id!);
		await s.waitUntilDrained(8_000);
		// The first holder finishes later; its ack must be refused: exactly one outcome.
		await s.waitForLedger("the first holder's late ack to be answered", (a) =>
			(a.leasesById.get(id!)?.[0]?.settles ?? []).some((x) => x.ok !== undefined),
		);
		const report = await s.verify({ tampered: new Set([id!]) });
		expect(report.acked).toBe(1);
		expect(report.errors).toEqual([]);
		const leases = s.ledger().leasesById.get(id!)!;
		expect(leases.map((l) => l.attempts)).toEqual([1, 2]);
		expect(leases[1]!.lastError).toMatch(/lease expired/);
		expect(leases[1]!.okSettle?.op).toBe("ack");
		expect(leases[0]!.settles.map((x) => [x.op, x.ok])).toEqual([["ack", false]]);
		expect(leases[0]!.leaseLost.length).toBeGreaterThan(0);
	});

	it("the job is still recovered when its worker dies", async (ctx) => {
		const s = await Scenario.start(ctx, "lease-deleted-dead");
		const plan: Plan = { "1": { hang: true } };
		const holder = await s.worker("holder", { concurrency: 1, lease: 1_000, sweepInterval: 100 });
		const [id] = await s.addJobs(1, () => ({ plan }));
		await s.waitForLedger("the job to start", (a) => a.count("start") === 1);
		await s.kill(holder);
		await stripLease(s, id!);
		await s.worker("rescuer", { concurrency: 1, lease: 1_000, sweepInterval: 100 });
		await s.waitUntilDrained(8_000);
		const report = await s.verify({ tampered: new Set([id!]) });
		expect(report.acked).toBe(1);
		expect(report.errors).toEqual([]);
		const leases = s.ledger().leasesById.get(id!)!;
		expect(leases.map((l) => l.attempts)).toEqual([1, 2]);
		expect(leases[1]!.lastError).toMatch(/lease expired/);
		expect(leases[1]!.okSettle?.op).toBe("ack");
	});
});
