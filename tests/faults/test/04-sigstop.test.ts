import { expect, it } from "vitest";
import type { Analysis } from "./support/ledger.js";
import { describeFaults, type Plan, Scenario } from "./support/scenario.js";

const lease = 1_000;
const worker = { concurrency: 1, lease, sweepInterval: 100, backoffMs: 5_000 };

/**
 * The frozen worker starts attempt 1 of one job, is SIGSTOPped for longer than its lease while
 * another worker takes the job over and settles attempt 2, then gets SIGCONT and settles
 * attempt 1 late, with its stale token. Resolves once the store refused that late settle.
 */
async function freezeAndResume(s: Scenario, plan: Plan, maxAttempts?: number) {
	const frozen = await s.worker("frozen", worker);
	const [id] = await s.addJobs(1, () => ({ plan }), maxAttempts ? { maxAttempts } : {});
	await s.waitForLedger("the first run to start", (a) => a.count("start") === 1);
	s.pause(frozen);
	const other = await s.worker("other", worker);
	await s.waitForLedger(
		"the other worker to take the job over and settle it",
		(a) => a.leasesById.get(id!)?.[1]?.okSettle !== undefined,
		30_000,
	);
	s.resume(frozen);
	const a = await s.waitForLedger("the frozen worker's late settle to come back", (l) =>
		(l.leasesById.get(id!)?.[0]?.settles ?? []).some((x) => x.ok !== undefined),
	);
	return { id: id!, frozen, other, a };
}

function firstLease(a: Analysis, id: string) {
	return a.leasesById.get(id)![0]!;
}

describeFaults("4. a worker frozen past its lease (SIGSTOP), then resumed", () => {
	it("its stale ack changes nothing: the job stays where the new holder put it", async (ctx) => {
		const s = await Scenario.start(ctx, "stale-ack");
		// Attempt 1 (frozen worker) succeeds late; attempt 2 (other worker) fails and waits 5 s
		// in `delayed`; attempt 3 succeeds.
		const plan: Plan = { "1": { sleep: 2_500 }, "2": { throw: "attempt 2 fails" } };
		const { id, a } = await freezeAndResume(s, plan);
		const stale = firstLease(a, id);
		expect(stale.settles.map((x) => [x.op, x.ok])).toEqual([["ack", false]]);
		expect(stale.leaseLost.length).toBeGreaterThan(0);
		// The refused ack did not remove the job: it is still waiting out attempt 2's backoff.
		const snap = await s.rawCounts();
		expect(snap).toEqual({ ready: 0, delayed: 1, active: 0, dead: 0 });
		await s.waitUntilDrained(30_000);
		const report = await s.verify();
		expect(report.acked).toBe(1);
		expect(
			s
				.ledger()
				.leasesById.get(id)!
				.map((l) => [l.attempts, l.okSettle?.op]),
		).toEqual([
			[1, undefined],
			[2, "retry"],
			[3, "ack"],
		]);
		expect(report.errors).toEqual([]);
	});

	it("its stale retry changes nothing: the job acked by the new holder does not come back", async (ctx) => {
		const s = await Scenario.start(ctx, "stale-retry");
		const plan: Plan = { "1": { sleep: 2_500, throw: "attempt 1 fails late" } };
		const { id, a } = await freezeAndResume(s, plan);
		const stale = firstLease(a, id);
		expect(stale.settles.map((x) => [x.op, x.ok])).toEqual([["retry", false]]);
		expect(stale.leaseLost.length).toBeGreaterThan(0);
		// Give a wrongly accepted retry time to show up (it would be delayed 5 s, then run).
		await new Promise((resolve) => setTimeout(resolve, 300));
		expect(await s.rawCounts()).toEqual({ ready: 0, delayed: 0, active: 0, dead: 0 });
		const report = await s.verify();
		expect(report.acked).toBe(1);
		expect(
			s
				.ledger()
				.leasesById.get(id)!
				.map((l) => [l.w, l.okSettle?.op]),
		).toEqual([
			["frozen", undefined],
			["other", "ack"],
		]);
		expect(report.errors).toEqual([]);
	});

	it("its stale fail changes nothing: one dead entry, with the new holder's error", async (ctx) => {
		const s = await Scenario.start(ctx, "stale-fail");
		// maxAttempts 1: attempt 1 is the last, so its late failure is a `fail`. The other worker
		// reserves attempt 2, over the limit, and dead-letters it as worker-lost without running it.
		const plan: Plan = { "1": { sleep: 2_500, throw: "attempt 1 fails late" } };
		const { id, a } = await freezeAndResume(s, plan, 1);
		const stale = firstLease(a, id);
		expect(stale.settles.map((x) => [x.op, x.ok])).toEqual([["fail", false]]);
		const store = await s.store();
		const dead = await store.deadLetter();
		expect(dead).toHaveLength(1);
		expect(dead[0]!.id).toBe(id);
		expect(dead[0]!.attempts).toBe(2);
		expect(dead[0]!.error.name).toBe("WorkerLostError");
		expect(dead[0]!.error.message).not.toMatch(/attempt 1 fails late/);
		const report = await s.verify();
		expect(report.dead).toBe(1);
		expect(
			s
				.ledger()
				.byType("failed")
				.map((e) => [e.w, e.id]),
		).toEqual([["other", id]]);
		expect(report.errors).toEqual([]);
	});
});
