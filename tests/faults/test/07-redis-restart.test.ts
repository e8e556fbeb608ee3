import { expect, it } from "vitest";
import type { Analysis } from "./support/ledger.js";
import { describeFaults, Scenario } from "./support/scenario.js";

const acks = (a: Analysis) => a.byType("settle").filter((e) => e.op === "ack" && e.ok === true);

describeFaults(
	"7. redis-server SIGKILLed and restarted (appendonly yes, appendfsync always)",
	() => {
		it("loses no acknowledged add, undoes no acknowledged ack, and workers and producers resume by themselves", async (ctx) => {
			const s = await Scenario.start(ctx, "restart", { aof: true });
			const workers = await Promise.all(
				["w1", "w2"].map((name) =>
					s.worker(name, { concurrency: 4, lease: 2_000, sweepInterval: 300, step: { sleep: 2 } }),
				),
			);
			const producers = await Promise.all(
				["p1", "p2"].map((name) =>
					s.producer(name, { count: 1_500, inFlight: 4, pauseMs: 2, retryOnError: true }),
				),
			);
			const outages: { killedAt: number; restartedAt: number }[] = [];
			for (let round = 1; round <= 2; round++) {
				const before = acks(s.ledger()).length;
				await s.waitForLedger(
					`400 more acks before outage ${round}`,
					(a) => acks(a).length >= before + 400,
					60_000,
					100,
				);
				const killedAt = performance.timeOrigin + performance.now();
				await s.killRedis();
				await new Promise((resolve) => setTimeout(resolve, 700));
				await s.startRedis();
				outages.push({ killedAt, restartedAt: performance.timeOrigin + performance.now() });
			}
			await Promise.all(producers.map((p) => p.exited));
			await s.waitUntilDrained(60_000);
			const report = await s.verify({ redisRestarted: true });

			const a = s.ledger();
			const last = outages[outages.length - 1]!.restartedAt;
			// The same producer and worker processes carried on after the last restart.
			for (const p of producers) {
				const done = a.byType("producer-done").find((e) => e.pid === p.pid);
				expect(done?.acked).toBe(1_500);
				expect(
					a.byType("add").filter((e) => e.pid === p.pid && e.hr > last).length,
				).toBeGreaterThan(0);
			}
			for (const w of workers) {
				expect(w.isAlive()).toBe(true);
				expect(acks(a).filter((e) => e.pid === w.pid && e.hr > last).length).toBeGreaterThan(0);
			}
			// A job whose add was never acknowledged exists only because an add call that rejected
			// had been applied all the same (its reply was lost to the kill) and the producer then
			// added it again. A job that no rejected call explains would be a phantom duplicate.
			const rejected = new Set(a.byType("add-error").map((e) => `${e.w}:${e.i}`));
			const unexplained: string[] = [];
			const seenKeys = new Map<string, string[]>();
			for (const e of a.byType("start")) {
				if (!e.key) continue;
				const ids = seenKeys.get(e.key as string) ?? [];
				if (!ids.includes(e.id!)) ids.push(e.id!);
				seenKeys.set(e.key as string, ids);
				if (!a.acknowledged.has(e.id!) && !rejected.has(e.key as string)) unexplained.push(e.id!);
			}
			expect(unexplained, "jobs that no add call explains").toEqual([]);
			// A 0.7 s restart is well within the default 5 s commandTimeoutMs: the producers' adds
			// are sent again until they get through, and none rejects.
			expect(a.count("add-error"), "adds rejected during the restarts").toBe(0);
			const duplicated = [...seenKeys.values()].filter((ids) => ids.length > 1).length;
			expect(report.acknowledged).toBe(3_000);
			expect(report.acked + report.dead).toBe(3_000);
			console.log(
				`[faults] restart: ${outages.length} outages; ${a.count("add-error")} add calls rejected during them and retried, ` +
					`${a.count("error")} worker errors, ${report.unacknowledged} jobs added by a call that rejected ` +
					`(so ${duplicated} jobs exist twice after the producer's retry), ` +
					`${report.ackedUnconfirmed} acks whose reply was lost`,
			);
		});
	},
);
