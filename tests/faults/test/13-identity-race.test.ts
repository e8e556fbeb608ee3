import { queueKeys } from "@jobs/store-redis";
import { expect, it } from "vitest";
import type { LedgerEvent } from "./support/ledger.js";
import { describeFaults, Scenario } from "./support/scenario.js";
import { snapshot, structureViolations } from "./support/store-layout.js";

/** The add events of the ledger, grouped by id. */
function addsById(adds: LedgerEvent[]): Map<string, LedgerEvent[]> {
	const byId = new Map<string, LedgerEvent[]>();
	for (const e of adds) {
		const list = byId.get(e.id!) ?? [];
		list.push(e);
		byId.set(e.id!, list);
	}
	return byId;
}

// Four producer processes add 300 jobs each, 8 adds in flight, over only 30 ids or keys: every
// id and key is raced by all four at once, with adds of other ids in the same script calls.
describeFaults("13. producers race for the same jobIds and unique keys", () => {
	it("jobIds: 1,200 adds of 30 ids make 30 jobs, each run once while workers drain the queue", async (ctx) => {
		const s = await Scenario.start(ctx, "identity-race-ids");
		await s.worker("w1", { concurrency: 4, lease: 10_000 });
		await s.worker("w2", { concurrency: 4, lease: 10_000 });
		const producers = await Promise.all(
			[1, 2, 3, 4].map((n) =>
				s.producer(`p${n}`, { count: 300, inFlight: 8, identity: "jobId", keyMod: 30 }),
			),
		);
		await Promise.all(producers.map((p) => p.exited));
		await s.waitUntilDrained(60_000);
		const a = s.ledger();
		const adds = a.byType("add");
		expect(adds).toHaveLength(1_200);
		const byId = addsById(adds);
		expect([...byId.keys()].toSorted()).toEqual(
			Array.from({ length: 30 }, (_, i) => `order-${i}`).toSorted(),
		);
		// Exactly one add per id created its job; every other one found it, whichever process.
		for (const [id, list] of byId) {
			expect(list.filter((e) => e.created).length, id).toBe(1);
			expect(list.filter((e) => !e.created).every((e) => e.existing === "jobId")).toBe(true);
		}
		// The acked ids stay remembered: nothing ran twice, though adds went on after acks.
		const report = await s.verify();
		expect(report.acked).toBe(30);
		expect(report.runs).toBe(30);
		expect(report.errors).toEqual([]);
	});

	it("unique keys: 1,200 adds of 30 keys make 30 waiting jobs, one per key", async (ctx) => {
		const s = await Scenario.start(ctx, "identity-race-unique");
		const producers = await Promise.all(
			[1, 2, 3, 4].map((n) =>
				s.producer(`p${n}`, { count: 300, inFlight: 8, identity: "unique", keyMod: 30 }),
			),
		);
		await Promise.all(producers.map((p) => p.exited));
		const adds = s.ledger().byType("add");
		expect(adds).toHaveLength(1_200);
		const created = adds.filter((e) => e.created);
		expect(created).toHaveLength(30);
		// Every add of a key resolved the one job that holds it.
		const holderOf = new Map<number, string>();
		for (const e of created) holderOf.set((e.i as number) % 30, e.id!);
		expect(holderOf.size).toBe(30);
		for (const e of adds) {
			expect(e.id).toBe(holderOf.get((e.i as number) % 30));
			if (!e.created) expect(e.existing).toBe("unique");
		}
		const snap = await snapshot(s.redis, s.prefix);
		expect(snap.ready.toSorted()).toEqual([...holderOf.values()].toSorted());
		expect(structureViolations(snap)).toEqual([]);
		expect(Object.keys(await s.redis.hgetall(queueKeys(s.prefix).uniq))).toHaveLength(30);
	});
});
