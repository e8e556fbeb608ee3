import { expect, it } from "vitest";
import type { Lease } from "./support/ledger.js";
import { CLOCK_SLACK_MS, mostAtOnce } from "./support/overlap.js";
import { describeFaults, Scenario } from "./support/scenario.js";

describeFaults("18. rate limit and global concurrency across worker processes", () => {
	it("never runs more than the global concurrency at once, through a worker SIGKILL, and its slots come back", async (ctx) => {
		const s = await Scenario.start(ctx, "concurrency");
		const store = await s.store();
		await store.setGlobalConcurrency(6);
		const config = { concurrency: 4, lease: 1_000, sweepInterval: 200, step: { sleep: 10 } };
		const victim = await s.worker("victim", config);
		// Slow first attempts, started while the victim is the only worker: it surely holds four
		// of the six slots when it is killed.
		await s.addJobs(4, () => ({ plan: { "1": { sleep: 30_000 } } }));
		await s.waitForLedger("the slow jobs to start", (a) => a.count("start") >= 4);
		await s.worker("w2", config);
		await s.worker("w3", config);
		await s.addJobs(1_500);
		await s.waitForLedger("300 starts", (a) => a.count("start") >= 300);
		await s.kill(victim);
		const killedAt = s.ledger().gone.get(victim.pid) ?? performance.timeOrigin + performance.now();
		await s.waitUntilDrained(60_000);
		const report = await s.verify({ killedInFlight: true });
		expect(report.acked).toBe(1_504);

		// Each lease from the moment its worker had it to the moment it sent the settle: inside the
		// time the store counted it (a lease the victim held ends at its kill, no earlier), each
		// end pulled in by how far the clocks of two processes may differ.
		const slack = CLOCK_SLACK_MS / 2;
		const runs = [...s.ledger().leases.values()].map((l: Lease) => ({
			start: l.recv + slack,
			end:
				(l.settles[0]?.sent ?? (l.pid === victim.pid ? killedAt : Number.POSITIVE_INFINITY)) -
				slack,
		}));
		expect(mostAtOnce(runs)).toBeLessThanOrEqual(6);
		// Once the victim's leases expired and were swept, its slots served the others: more at
		// once than the slots its unsettled leases left them.
		const held = [...s.ledger().leases.values()].filter(
			(l) => l.pid === victim.pid && l.settles.length === 0,
		).length;
		expect(held).toBeGreaterThanOrEqual(4);
		const later = runs.filter((r) => r.start > killedAt + 1_000 + 400);
		expect(later.length).toBeGreaterThan(0);
		expect(mostAtOnce(later)).toBeGreaterThan(6 - held);
		console.info(
			`[faults] concurrency: ${runs.length} leases, at most ${mostAtOnce(runs)} at once (limit 6), ${mostAtOnce(later)} at once after the victim's ${held} slots came back`,
		);
	});

	it("never starts more than max jobs in any window, and a 429 holds the whole queue back", async (ctx) => {
		const s = await Scenario.start(ctx, "rate-limit");
		const store = await s.store();
		const window = 500;
		await store.setRateLimit({ max: 40, duration: window });
		const config = {
			concurrency: 8,
			lease: 2_000,
			sweepInterval: 200,
			step: { sleep: 1 },
			events: true,
		};
		const events = await s.eventLog();
		await Promise.all(["w1", "w2", "w3"].map((name) => s.worker(name, config)));
		await s.addJobs(200);
		// One job meets a 429 once: the queue leases nothing for 700 ms after its release.
		const [limited] = await s.addJobs(1, () => ({ plan: { "1": { rateLimit: 700 } } }));
		await s.addJobs(100);
		await s.waitUntilDrained(60_000);
		const report = await s.verify();
		expect(report.acked).toBe(301);

		// The store's own clock: the time of every lease, from its events.
		const leasedAt: number[] = [];
		let releasedAt: number | undefined;
		for (const e of await events.read()) {
			if (e.type === "active") leasedAt.push(e.at);
			if (e.type === "waiting" && e.jobId === limited) releasedAt = e.at;
		}
		expect(leasedAt).toHaveLength(302);
		// An event carries the time its script read first, the time the limit counted the lease
		// at; a window of whole milliseconds one short of the limit's is then sound.
		const most = Math.max(
			...leasedAt.map((t) => leasedAt.filter((u) => u >= t && u < t + window - 1).length),
		);
		expect(most).toBeLessThanOrEqual(40);
		expect(releasedAt).toBeDefined();
		const during = leasedAt.filter((t) => t > releasedAt! + 1 && t < releasedAt! + 700 - 1);
		expect(during).toEqual([]);

		// The ledger's clocks, independent of the store: leases asked for and received within one
		// span were granted inside it. The store counts whole milliseconds of its own clock, and
		// each process reads the machine's clock from its own start: a span a few ms short of the
		// window is sound (CI saw 42 in a span of the full window).
		const leases = [...s.ledger().leases.values()];
		const span = window - CLOCK_SLACK_MS;
		const inWindow = Math.max(
			...leases.map((a) => leases.filter((b) => b.sent >= a.sent && b.recv < a.sent + span).length),
		);
		expect(inWindow).toBeLessThanOrEqual(40);
		const seconds = (Math.max(...leasedAt) - Math.min(...leasedAt)) / 1000;
		console.info(
			`[faults] rate limit: ${leasedAt.length} leases, at most ${most} in any ${window} ms (limit 40), ${(leasedAt.length / seconds).toFixed(0)}/s achieved for 80/s asked, with a 700 ms hold`,
		);
	});
});
