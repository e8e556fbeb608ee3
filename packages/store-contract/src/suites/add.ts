import { describe, expect, it } from "vitest";
import { addIds, ids, job, jobs, LONG, reserveAll, reserveOne, useHarness } from "../fixtures.js";
import type { ContractOptions } from "../harness.js";

/**
 * `add`: ids are unique strings in input order and never reused, a batch lands atomically, and
 * what was given is what a reservation hands back.
 */
export function addContract(options: ContractOptions): void {
	describe("add", () => {
		const h = useHarness(options);

		it("resolves one { id, created: true } per job, ids unique strings in input order", async () => {
			const { store } = h();
			const results = await store.add(jobs(5));
			expect(results).toHaveLength(5);
			for (const result of results)
				expect(result).toEqual({ id: expect.any(String), created: true });
			const added = ids(results);
			expect(new Set(added).size).toBe(5);
			expect(ids(await store.reserve({ limit: 5, leaseMs: LONG }))).toEqual(added);
		});

		it("never reuses an id, even after its job left the store", async () => {
			const { store } = h();
			const seen = new Set<string>();
			for (let round = 0; round < 3; round++) {
				for (const id of await addIds(store, jobs(10))) seen.add(id);
				for (const leased of await reserveAll(store)) {
					expect((await store.ack({ id: leased.id, token: leased.token })).ok).toBe(true);
				}
			}
			expect(seen.size).toBe(30);
		});

		it("resolves [] for an empty batch and stores nothing", async () => {
			const { store } = h();
			expect(await store.add([])).toEqual([]);
			expect(await store.stats()).toMatchObject({ ready: 0, delayed: 0, active: 0, dead: 0 });
		});

		it("lands a batch atomically: a concurrent reader sees all of it or none of it", async () => {
			const { store } = h();
			const readers = Array.from({ length: 5 }, () => store.stats());
			const adding = store.add(jobs(200));
			readers.push(...Array.from({ length: 5 }, () => store.stats()));
			await adding;
			for (const stats of await Promise.all(readers)) expect([0, 200]).toContain(stats.ready);
			expect((await store.stats()).ready).toBe(200);
		});

		it("keeps name, payload and maxAttempts as given", async () => {
			const { store } = h();
			const [withMax, withoutMax] = await addIds(store, [
				{ name: "send-welcome", payload: '{"email":"user@x.com"}', maxAttempts: 5 },
				job("plain"),
			]);
			const first = await reserveOne(store);
			expect(first).toMatchObject({
				id: withMax,
				name: "send-welcome",
				payload: '{"email":"user@x.com"}',
				maxAttempts: 5,
			});
			const second = await reserveOne(store);
			expect(second.id).toBe(withoutMax);
			expect(second.maxAttempts).toBeUndefined();
		});
	});
}
