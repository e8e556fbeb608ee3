import { describe, expect, it } from "vitest";
import { addIds, ids, jobs, LONG, reserveOne, useHarness } from "../fixtures.js";
import type { ContractOptions } from "../harness.js";

/** `reserve`: FIFO order, `limit`, fresh leases, and exclusivity under concurrent callers. */
export function reserveContract(options: ContractOptions): void {
	describe("reserve", () => {
		const h = useHarness(options);

		it("resolves [] when nothing is ready", async () => {
			const { store } = h();
			expect(await store.reserve({ limit: 3, leaseMs: LONG })).toEqual([]);
		});

		it("hands out jobs first in, first out across separate adds", async () => {
			const { store } = h();
			const added: string[] = [];
			for (let n = 0; n < 5; n++) added.push(...(await addIds(store, jobs(1, n))));
			const order: string[] = [];
			for (let n = 0; n < 5; n++) order.push((await reserveOne(store)).id);
			expect(order).toEqual(added);
		});

		it("keeps first in, first out order within and across batches when limit > 1", async () => {
			const { store } = h();
			const added = [...(await addIds(store, jobs(3))), ...(await addIds(store, jobs(3, 3)))];
			const first = await store.reserve({ limit: 4, leaseMs: LONG });
			const second = await store.reserve({ limit: 4, leaseMs: LONG });
			expect([...ids(first), ...ids(second)]).toEqual(added);
			expect(second).toHaveLength(2);
		});

		it("leases at most limit jobs and leaves the rest ready", async () => {
			const { store } = h();
			await addIds(store, jobs(5));
			expect(await store.reserve({ limit: 2, leaseMs: LONG })).toHaveLength(2);
			expect(await store.stats()).toMatchObject({ ready: 3, delayed: 0, active: 2, dead: 0 });
		});

		it("gives each leased job its own token, and attempts 1 on its first reservation", async () => {
			const { store } = h();
			await addIds(store, jobs(10));
			const leased = await store.reserve({ limit: 10, leaseMs: LONG });
			const tokens = leased.map((j) => j.token);
			for (const token of tokens) expect(typeof token).toBe("string");
			expect(new Set(tokens).size).toBe(10);
			for (const j of leased) expect(j.attempts).toBe(1);
			for (const j of leased) expect(j.lastError).toBeUndefined();
		});

		it("does not hand out a leased job again while its lease is live", async () => {
			const { store } = h();
			await addIds(store, jobs(1));
			await reserveOne(store);
			expect(await store.reserve({ limit: 5, leaseMs: LONG })).toEqual([]);
		});

		it("leases a ready job to exactly one of many concurrent reservers", async () => {
			const { store } = h();
			const added = await addIds(store, jobs(20));
			const results = await Promise.all(
				Array.from({ length: 50 }, () => store.reserve({ limit: 1, leaseMs: LONG })),
			);
			for (const result of results) expect(result.length).toBeLessThanOrEqual(1);
			const handedOut = results.flatMap(ids);
			expect(handedOut.toSorted()).toEqual(added.toSorted());
			expect(await store.stats()).toMatchObject({ ready: 0, delayed: 0, active: 20, dead: 0 });
		});

		it("hands each job out once to concurrent reservers asking for several", async () => {
			const { store } = h();
			const added = await addIds(store, jobs(20));
			const results = await Promise.all(
				Array.from({ length: 10 }, () => store.reserve({ limit: 3, leaseMs: LONG })),
			);
			for (const result of results) expect(result.length).toBeLessThanOrEqual(3);
			expect(results.flatMap(ids).toSorted()).toEqual(added.toSorted());
			expect(await store.stats()).toMatchObject({ ready: 0, delayed: 0, active: 20, dead: 0 });
		});
	});
}
