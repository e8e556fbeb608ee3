import { expect, it } from "vitest";
import type { Lease } from "./support/ledger.js";
import { CLOCK_SLACK_MS, mostAtOnce } from "./support/overlap.js";
import { describeFaults, Scenario } from "./support/scenario.js";
import { snapshot, strayGroupKeys, structureViolations } from "./support/store-layout.js";

/** Maps each id of `ids` to `group`. */
function tag(groups: Map<string, string>, ids: readonly string[], group: string): void {
	for (const id of ids) groups.set(id, group);
}

/** Workers that write events, so the store's own order of leases can be replayed. */
const EVENTFUL = {
	concurrency: 8,
	lease: 5_000,
	sweepInterval: 500,
	step: { sleep: 1 },
	events: true,
};

describeFaults("19. groups across worker processes", () => {
	it("never runs more than a group's concurrency at once, per group, through a worker SIGKILL, and leaves no key of a drained group", async (ctx) => {
		const s = await Scenario.start(ctx, "group-concurrency");
		const store = await s.store();
		await store.setGroupLimits({ concurrency: 2 });
		const config = { concurrency: 6, lease: 1_000, sweepInterval: 200, step: { sleep: 5 } };
		const groupOf = new Map<string, string>();
		const victim = await s.worker("victim", config);
		// Slow first attempts of two groups, started while the victim is the only worker: it holds
		// both slots of t0 and t1 when it is killed.
		for (const g of ["t0", "t1"]) {
			tag(
				groupOf,
				await s.addJobs(2, () => ({ plan: { "1": { sleep: 30_000 } } }), { group: g }),
				g,
			);
		}
		await s.waitForLedger("the slow jobs to start", (a) => a.count("start") >= 4);
		await s.worker("w2", config);
		await s.worker("w3", config);
		const tenants = Array.from({ length: 6 }, (_, i) => `t${i}`);
		const ids = await s.addJobs(
			1_200,
			() => ({}),
			(i) => ({ group: tenants[i % 6] }),
		);
		for (const [i, id] of ids.entries()) groupOf.set(id, tenants[i % 6]!);
		await s.waitForLedger("300 starts", (a) => a.count("start") >= 300);
		// Mid-run, the groups' books balance: their states, the rotation, their lease counts.
		expect(structureViolations(await snapshot(s.redis, s.prefix))).toEqual([]);
		await s.kill(victim);
		const killedAt = s.ledger().gone.get(victim.pid) ?? performance.timeOrigin + performance.now();
		await s.waitUntilDrained(60_000);
		const report = await s.verify({ killedInFlight: true });
		expect(report.acked).toBe(1_204);

		// Each lease from the moment its worker had it to the moment it sent the settle (a lease
		// the victim held ends at its kill), each end pulled in by the clocks' slack.
		const slack = CLOCK_SLACK_MS / 2;
		const leases = [...s.ledger().leases.values()];
		const runsOf = (group: string, after = 0) =>
			leases
				.filter((l: Lease) => groupOf.get(l.id) === group)
				.map((l: Lease) => ({
					start: l.recv + slack,
					end:
						(l.settles[0]?.sent ?? (l.pid === victim.pid ? killedAt : Number.POSITIVE_INFINITY)) -
						slack,
				}))
				.filter((r) => r.start > after);
		for (const g of tenants) expect(mostAtOnce(runsOf(g)), g).toBeLessThanOrEqual(2);
		// The victim's slots of t0 and t1 came back once its leases expired and were swept: both
		// groups ran two at once again.
		const later = killedAt + 1_000 + 400;
		for (const g of ["t0", "t1"]) expect(mostAtOnce(runsOf(g, later)), g).toBe(2);
		// With 18 worker slots for 6 groups of 2, the groups' limit was what held them back.
		const all = tenants.flatMap((g) => runsOf(g));
		expect(mostAtOnce(all)).toBeLessThanOrEqual(12);
		expect(mostAtOnce(all)).toBeGreaterThan(6);
		// Drained, the groups leave nothing behind.
		expect(await strayGroupKeys(s.redis, s.prefix)).toEqual([]);
		console.info(
			`[faults] group concurrency: ${leases.length} leases of 6 groups, at most ${Math.max(...tenants.map((g) => mostAtOnce(runsOf(g))))} of a group at once (limit 2), ${mostAtOnce(all)} in all`,
		);
	});

	it("serves a small group between the jobs of a huge backlogged one, one lease of it apart", async (ctx) => {
		const s = await Scenario.start(ctx, "group-fairness", { events: true });
		const store = await s.store();
		const events = await s.eventLog();
		const big = await s.addJobs(6_000, () => ({}), { group: "big" });
		await Promise.all(["w1", "w2", "w3"].map((name) => s.worker(name, EVENTFUL)));
		await s.waitForLedger("the big group to run", (a) => a.count("start") >= 500);
		const small = await s.addJobs(20, () => ({}), { group: "small" });
		await s.waitForLedger("the small group to run", (a) =>
			small.every((id) => a.leasesById.has(id)),
		);
		// The big backlog was still there: the small group did not wait for it.
		expect((await store.stats()).ready).toBeGreaterThan(2_000);
		const stream = await events.read();
		const smallIds = new Set(small);
		const bigIds = new Set(big);
		// From the small group's add to its last lease, in the store's own order of events: at most
		// one lease of the big group before each small job's.
		const addedAt = stream.findIndex((e) => e.type === "added" && smallIds.has(e.jobId));
		expect(addedAt).toBeGreaterThan(0);
		let between = 0;
		let most = 0;
		let smallLeases = 0;
		for (const e of stream.slice(addedAt)) {
			if (e.type !== "active") continue;
			if (smallIds.has(e.jobId)) {
				most = Math.max(most, between);
				between = 0;
				if (++smallLeases === small.length) break;
			} else if (bigIds.has(e.jobId)) between++;
		}
		expect(smallLeases).toBe(small.length);
		expect(most).toBeLessThanOrEqual(1);
		await s.waitUntilDrained(60_000);
		expect((await s.verify()).acked).toBe(6_020);
		expect(await strayGroupKeys(s.redis, s.prefix)).toEqual([]);
		console.info(
			`[faults] group fairness: ${small.length} small jobs added behind a backlog of thousands, at most ${most} big lease before each`,
		);
	});

	it("never starts more than a group's rate in any window, per group, while each group keeps its pace", async (ctx) => {
		const s = await Scenario.start(ctx, "group-rate");
		const store = await s.store();
		const window = 400;
		await store.setGroupLimits({ rate: { max: 20, duration: window } });
		const events = await s.eventLog();
		const groupOf = new Map<string, string>();
		const ids = await s.addJobs(
			240,
			() => ({}),
			(i) => ({ group: `r${i % 3}` }),
		);
		for (const [i, id] of ids.entries()) groupOf.set(id, `r${i % 3}`);
		await Promise.all(["w1", "w2", "w3"].map((name) => s.worker(name, EVENTFUL)));
		await s.waitUntilDrained(60_000);
		expect((await s.verify()).acked).toBe(240);
		const leasedAt = new Map<string, number[]>();
		for (const e of await events.read()) {
			if (e.type !== "active") continue;
			const g = groupOf.get(e.jobId)!;
			leasedAt.set(g, [...(leasedAt.get(g) ?? []), e.at]);
		}
		for (const [g, times] of leasedAt) {
			expect(times, g).toHaveLength(80);
			// An event carries the time its script read first, the time the limit counted the lease
			// at: a window of whole milliseconds one short of the limit's is sound.
			const most = Math.max(
				...times.map((t) => times.filter((u) => u >= t && u < t + window - 1).length),
			);
			expect(most, g).toBeLessThanOrEqual(20);
			// 80 jobs at 20 per window: four windows at least, and no stall beyond a few more.
			const span = Math.max(...times) - Math.min(...times);
			expect(span, g).toBeGreaterThanOrEqual(3 * window - CLOCK_SLACK_MS);
			expect(span, g).toBeLessThan(8 * window);
		}
		console.info(
			`[faults] group rate: 3 groups of 80 jobs, at most 20 of a group in any ${window} ms`,
		);
	});

	it("pauses one group at once for every worker while the others go on, and resumes it", async (ctx) => {
		const s = await Scenario.start(ctx, "group-pause");
		const store = await s.store();
		const config = { ...EVENTFUL, concurrency: 4, step: { sleep: 2 } };
		const events = await s.eventLog();
		const a = new Set(await s.addJobs(400, () => ({}), { group: "a" }));
		await s.addJobs(400, () => ({}), { group: "b" });
		await Promise.all(["w1", "w2"].map((name) => s.worker(name, config)));
		await s.waitForLedger("both groups to run", (l) => l.count("start") >= 100);
		await store.pauseGroup("a");
		expect(structureViolations(await snapshot(s.redis, s.prefix))).toEqual([]);
		// Everything after the first read that follows the pause happened after it.
		const before = (await events.read()).length;
		await s.waitForLedger("b to go on", (l) => l.count("start") >= 450);
		expect(await store.isGroupPaused("a")).toBe(true);
		const whilePaused = (await events.read()).slice(before).filter((e) => e.type === "active");
		expect(whilePaused.filter((e) => a.has(e.jobId))).toEqual([]);
		expect(whilePaused.length).toBeGreaterThan(100);
		await store.resumeGroup("a");
		await s.waitUntilDrained(60_000);
		expect((await s.verify()).acked).toBe(800);
		expect(await strayGroupKeys(s.redis, s.prefix)).toEqual([]);
	});
});
