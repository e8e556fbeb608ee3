import { describe, expect, it } from "vitest";
import { addIds, failure, job, jobs, LONG, reserveOne, useHarness } from "../fixtures.js";
import type { ContractOptions } from "../harness.js";

/** `stats`: one consistent count per state after every kind of transition. */
export function statsContract(options: ContractOptions): void {
	describe("stats", () => {
		const h = useHarness(options);

		it("counts zero everywhere in a new store", async () => {
			const { store } = h();
			expect(await store.stats()).toMatchObject({ ready: 0, delayed: 0, active: 0, dead: 0 });
		});

		it("follows a job through every kind of transition", async () => {
			const { store, elapse, lease, margin } = h();
			const expectStats = async (ready: number, delayed: number, active: number, dead: number) =>
				expect(await store.stats()).toMatchObject({ ready, delayed, active, dead });

			await addIds(store, [job(1), job(2), job("later", { delay: LONG })]);
			await expectStats(2, 1, 0, 0);
			const a = await reserveOne(store);
			await expectStats(1, 1, 1, 0);
			await store.retry({ id: a.id, token: a.token, delay: LONG, error: failure("x") });
			await expectStats(1, 2, 0, 0);
			const b = await reserveOne(store);
			await expectStats(0, 2, 1, 0);
			await store.fail({ id: b.id, token: b.token, error: failure("y") });
			await expectStats(0, 2, 0, 1);
			expect(await store.retryDead({ all: true })).toBe(1);
			await expectStats(1, 2, 0, 0);
			const c = await reserveOne(store);
			await store.release({ id: c.id, token: c.token });
			await expectStats(1, 2, 0, 0);
			const d = await reserveOne(store, lease);
			await expectStats(0, 2, 1, 0);
			await elapse(lease + margin);
			// Expired but not yet swept: still leased as far as the store knows.
			await expectStats(0, 2, 1, 0);
			expect(await store.sweep({ limit: 10 })).toBe(1);
			await expectStats(1, 2, 0, 0);
			const e = await reserveOne(store);
			expect(e.id).toBe(d.id);
			await store.ack({ id: e.id, token: e.token });
			await expectStats(0, 2, 0, 0);
			expect(await store.reserve({ limit: 5, leaseMs: LONG })).toEqual([]);
		});

		it("counts a delayed job that fell due as ready", async () => {
			const { store, elapse, delay, margin } = h();
			await addIds(store, [job(1, { delay })]);
			expect(await store.stats()).toMatchObject({ ready: 0, delayed: 1, active: 0, dead: 0 });
			await elapse(delay + margin);
			expect(await store.stats()).toMatchObject({ ready: 1, delayed: 0, active: 0, dead: 0 });
		});

		it("reads one consistent snapshot while jobs move concurrently", async () => {
			const { store } = h();
			await addIds(store, jobs(40));
			const calls = Array.from({ length: 40 }, (_, i) =>
				i % 2 === 0 ? store.reserve({ limit: 1, leaseMs: LONG }) : store.stats(),
			);
			for (const result of await Promise.all(calls)) {
				if (Array.isArray(result)) continue;
				expect(result.ready + result.active).toBe(40);
				expect(result.delayed + result.dead).toBe(0);
			}
			expect(await store.stats()).toMatchObject({ ready: 20, delayed: 0, active: 20, dead: 0 });
		});
	});
}
