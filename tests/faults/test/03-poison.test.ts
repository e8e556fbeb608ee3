import { expect, it } from "vitest";
import { describeFaults, type Plan, Scenario } from "./support/scenario.js";

describeFaults("3. a poison job that kills its worker", () => {
	it("ends dead after maxAttempts with a worker-lost error while a supervisor restarts workers and other jobs flow", async (ctx) => {
		const s = await Scenario.start(ctx, "poison");
		const supervisor = s.supervise("w", 2, {
			concurrency: 2,
			lease: 1_000,
			sweepInterval: 200,
			maxAttempts: 3,
		});
		await s.waitForLedger("two workers up", (a) => a.count("worker-up") >= 2);
		const producer = await s.producer("producer", { count: 300, inFlight: 1, pauseMs: 15 });
		const poison: Plan = { "*": { exit: 1 } };
		const [poisonId] = await s.addJobs(1, () => ({ plan: poison }));
		const store = await s.store();
		await s.waitFor(
			"the poison job to be dead",
			async () => (await store.deadLetter()).some((job) => job.id === poisonId),
			60_000,
			100,
		);
		await producer.exited;
		await s.waitUntilDrained(30_000);
		supervisor.stop();
		const report = await s.verify();

		// A job leased beside the poison job dies with the worker too; if that happened to one
		// job in every one of its attempts, it is dead as well, of the same cause. That is the
		// at-least-once rule, not a leak of the poison job's fate: such a job never failed itself.
		const deadJobs = await store.deadLetter();
		const dead = deadJobs.find((job) => job.id === poisonId);
		const bystanders = deadJobs.filter((job) => job.id !== poisonId);
		for (const job of bystanders) expect(job.error.name).toBe("WorkerLostError");
		if (bystanders.length)
			console.log(`[faults] poison: ${bystanders.length} bystander(s) dead with it`);
		expect(dead?.error.name).toBe("WorkerLostError");
		expect(dead?.error.message).toMatch(/used all 3 attempts without finishing/);
		const a = s.ledger();
		const leases = a.leasesById.get(poisonId!)!;
		// Three runs, each killing its worker; the fourth reservation dead-letters it unrun.
		expect(leases.map((l) => l.attempts)).toEqual([1, 2, 3, 4]);
		expect(leases.filter((l) => l.start !== undefined)).toHaveLength(3);
		expect(leases[3]!.okSettle?.op).toBe("fail");
		expect(a.count("exiting")).toBe(3);
		expect(supervisor.restarts()).toBeGreaterThanOrEqual(3);
		expect(
			a
				.byType("failed")
				.map((e) => e.id)
				.sort(),
		).toEqual(deadJobs.map((job) => job.id).sort());
		// Other jobs kept flowing while the poison job was killing workers.
		const firstPoisonRun = leases[0]!.start!;
		const buried = leases[3]!.okSettle!.recv;
		const ackedMeanwhile = a
			.byType("settle")
			.filter((e) => e.op === "ack" && e.ok === true && e.hr > firstPoisonRun && e.hr < buried);
		expect(ackedMeanwhile.length).toBeGreaterThan(10);
		expect(report.acked).toBe(300 - bystanders.length);
		expect(report.dead).toBe(1 + bystanders.length);
		expect(report.errors).toEqual([]);
	});
});
