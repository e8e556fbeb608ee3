import { expect, it } from "vitest";
import type { Analysis } from "./support/ledger.js";
import { describeFaults, Scenario } from "./support/scenario.js";
import { snapshot } from "./support/store-layout.js";

const acks = (a: Analysis) => a.byType("settle").filter((e) => e.op === "ack" && e.ok === true);

describeFaults(
	"14. a subscriber follows the job events through killed connections and a Redis restart",
	() => {
		it("sees a completed event for every job that completed, none twice, and an added one for each, with jobs kept and progress reported", async (ctx) => {
			const s = await Scenario.start(ctx, "events", { aof: true });
			const subscriber = await s.subscriber("s1");
			await Promise.all(
				["w1", "w2"].map((name) =>
					s.worker(name, {
						concurrency: 4,
						lease: 2_000,
						sweepInterval: 300,
						step: { sleep: 1 },
						events: true,
						// Retention and progress ride through the same faults: the layout checks
						// see every kept job in `done`, no progress left behind, no event gap.
						keep: { completed: { count: 300 } },
						progress: true,
					}),
				),
			);
			const producers = await Promise.all(
				["p1", "p2"].map((name) =>
					s.producer(name, {
						count: 800,
						inFlight: 4,
						pauseMs: 2,
						retryOnError: true,
						events: true,
					}),
				),
			);
			await s.waitForLedger("300 acks", (a) => acks(a).length >= 300, 60_000, 100);
			// Every client connection is cut: the subscriber's blocked read among them.
			await s.killConnections();
			await s.waitForLedger("800 acks", (a) => acks(a).length >= 800, 60_000, 100);
			await s.killRedis();
			await new Promise((resolve) => setTimeout(resolve, 500));
			await s.startRedis();
			await Promise.all(producers.map((p) => p.exited));
			await s.waitUntilDrained(60_000);
			await s.verify({ redisRestarted: true });
			// Each settle trims the kept jobs to the policy: the newest 300 stay.
			const kept = await snapshot(s.redis, s.prefix);
			expect(kept.done).toHaveLength(300);
			expect(Object.keys(kept.progress)).toEqual([]);

			// Every job is done now; the subscriber catches up with the stream, then stops.
			const completedOf = (a: Analysis) =>
				a.byType("event").filter((e) => e.pid === subscriber.pid && e.type === "completed");
			const acknowledged = [...s.ledger().acknowledged.keys()];
			await s.waitForLedger(
				"a completed event for every acknowledged job",
				(a) => {
					const seen = new Set(completedOf(a).map((e) => e.id));
					return acknowledged.every((id) => seen.has(id));
				},
				30_000,
				100,
			);
			subscriber.send({ cmd: "stop" });
			const done = await subscriber.message<{ stopped?: boolean; missed: number }>(
				(m) => m.stopped === true,
			);
			const a = s.ledger();
			const events = a.byType("event").filter((e) => e.pid === subscriber.pid);
			const count = (type: string) => {
				const per = new Map<string, number>();
				for (const e of events) if (e.type === type) per.set(e.id!, (per.get(e.id!) ?? 0) + 1);
				return per;
			};
			const completed = count("completed");
			const added = count("added");
			const missing = acknowledged.filter((id) => !completed.has(id));
			const twice = [...completed].filter(([, n]) => n > 1).map(([id]) => id);
			console.info(
				`[faults] events: ${events.length} events, ${completed.size} jobs completed, ${missing.length} missing, ${twice.length} twice, missed ${done.missed}`,
			);
			expect(acknowledged.length).toBeGreaterThanOrEqual(1_600);
			expect(missing).toEqual([]);
			// Each event is written by the one script that made the change: a resent ack finds its
			// lease gone and writes none, so no job completes twice in the stream.
			expect(twice).toEqual([]);
			for (const id of acknowledged) expect(added.get(id)).toBe(1);
			expect(done.missed).toBe(0);
		});
	},
);
