import { expect, it } from "vitest";
import { CLOCK_SLACK_MS } from "./support/overlap.js";
import { describeFaults, Scenario } from "./support/scenario.js";

describeFaults("17. priorities across worker processes, through a worker SIGKILL", () => {
	it("never leases a job while one of a lower priority is ready, by the store's event order and by the ledger's clocks", async (ctx) => {
		const s = await Scenario.start(ctx, "priorities");
		const store = await s.store();
		// Everything is added while paused, so every job is ready at the same moment: resume.
		await store.pause();
		const priorityOf = new Map<string, number>();
		for (let round = 0; round < 5; round++) {
			for (const priority of [3, 0, 2, 1]) {
				const ids = await s.addJobs(100, () => ({}), priority ? { priority } : {});
				for (const id of ids) priorityOf.set(id, priority);
			}
		}
		const config = {
			concurrency: 4,
			lease: 1_000,
			sweepInterval: 200,
			step: { sleep: 2 },
			events: true,
		};
		const victim = await s.worker("victim", config);
		await s.worker("w2", config);
		await s.worker("w3", config);
		const events = await s.eventLog();
		await store.resume();
		// Killed with leases held: its jobs go back to their own lines once the leases expire.
		await s.waitForLedger("500 starts", (a) => a.count("start") >= 500);
		await s.kill(victim);
		await s.waitUntilDrained(60_000);
		const report = await s.verify({ killedInFlight: true });
		expect(report.acked).toBe(2_000);

		// The store's own order: replay its events, keeping the set of ready jobs.
		const ready = new Map([...priorityOf]);
		const violations: string[] = [];
		let stalled = 0;
		for (const e of await events.read()) {
			if (e.type === "active") {
				if (!ready.delete(e.jobId)) violations.push(`${e.jobId} leased while not ready`);
				const p = priorityOf.get(e.jobId)!;
				const lower = [...ready].find(([, q]) => q < p);
				if (lower)
					violations.push(`${e.jobId} (${p}) leased while ${lower[0]} (${lower[1]}) was ready`);
			} else if (e.type === "stalled" || e.type === "waiting") {
				stalled++;
				ready.set(e.jobId, priorityOf.get(e.jobId)!);
			}
		}
		expect(violations.slice(0, 5)).toEqual([]);
		expect(ready.size).toBe(0);
		expect(stalled).toBeGreaterThan(0);

		// The ledger's clocks, independent of the store: a job's first lease asked for after
		// another's first lease was in hand (by more than the clocks of two processes may differ)
		// means it was still ready then, so its priority is not lower. (A first lease the victim
		// was granted but never logged leaves that job out.)
		const first = [...s.ledger().leasesById.values()]
			.map((leases) => leases[0]!)
			.filter((lease) => lease.attempts === 1);
		const late: string[] = [];
		for (const b of first) {
			for (const a of first) {
				if (a.sent > b.recv + CLOCK_SLACK_MS && priorityOf.get(a.id)! < priorityOf.get(b.id)!) {
					late.push(`${a.id} (${priorityOf.get(a.id)}) after ${b.id} (${priorityOf.get(b.id)})`);
				}
			}
		}
		console.info(
			`[faults] priorities: ${first.length} first leases, ${stalled} jobs swept back to their lines, ${violations.length + late.length} out of order`,
		);
		expect(late.slice(0, 5)).toEqual([]);
	});
});
