import { expect, it } from "vitest";
import { describeFaults, Scenario } from "./support/scenario.js";

/** The ledger's clock (see support/ledger.ts): one for every process of the machine. */
const hr = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describeFaults(
	"16. the queue paused from another process, through a worker SIGKILL and a Redis restart",
	() => {
		it("grants no lease asked for while paused, keeps the pause through both, and runs every job once after resume", async (ctx) => {
			const s = await Scenario.start(ctx, "pause", { aof: true });
			const config = { concurrency: 4, lease: 1_000, sweepInterval: 200, step: { sleep: 2 } };
			const victim = await s.worker("victim", config);
			// Slow first attempts, started while the victim is the only worker, so it holds all
			// four leases when it dies (they outlast any slow box: it is killed long before).
			const slow = await s.addJobs(4, () => ({ plan: { "1": { sleep: 30_000 } } }));
			await s.waitForLedger("the slow jobs to start", (a) => a.count("start") >= 4);
			await s.worker("w2", config);
			await s.addJobs(1_500);
			await s.waitForLedger("100 more starts", (a) => a.count("start") >= 104);

			const store = await s.store();
			await store.pause();
			const pausedAt = hr();
			// A worker dies with leases held and Redis restarts: the pause outlives both, and the
			// victim's jobs, swept back once their leases expire, wait with the rest.
			await s.kill(victim);
			await s.killRedis();
			await sleep(300);
			await s.startRedis();
			await s.worker("w3", config);
			await sleep(1_500);
			expect(await store.isPaused()).toBe(true);
			const before = s.ledger();
			const resumedAt = hr();
			await store.resume();
			await s.waitUntilDrained(60_000);
			const report = await s.verify({ redisRestarted: true });

			const a = s.ledger();
			const asked = (e: { sent?: number }) => (e.sent ?? 0) > pausedAt && (e.sent ?? 0) < resumedAt;
			const duringPause = a.byType("lease").filter(asked);
			console.info(
				`[faults] pause: ${before.count("start")} starts before resume, ${duringPause.length} leases asked for while paused`,
			);
			expect(duringPause).toEqual([]);
			// The pause held work back: jobs were left for after it, and they all ran; the
			// victim's slow jobs ran again, after resume.
			expect(before.count("start")).toBeLessThan(1_504);
			expect(report.acked).toBe(1_504);
			for (const id of slow) {
				expect(a.leasesById.get(id)?.length).toBe(2);
				expect(a.leasesById.get(id)![1]!.sent!).toBeGreaterThan(resumedAt);
			}
		});
	},
);
