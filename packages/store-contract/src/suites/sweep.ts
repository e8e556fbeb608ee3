import { describe, expect, it } from "vitest";
import { addIds, ids, jobs, LONG, reserveAll, reserveOne, useHarness } from "../fixtures.js";
import type { ContractOptions } from "../harness.js";

/**
 * `sweep`: recovers expired leases only (never a live or renewed one) to the tail of `ready`,
 * at most `limit` per call, each exactly once however many sweepers run at once.
 */
export function sweepContract(options: ContractOptions): void {
	describe("sweep", () => {
		const h = useHarness(options);

		it("resolves 0 when no lease expired", async () => {
			const { store } = h();
			expect(await store.sweep({ limit: 10 })).toBe(0);
			await addIds(store, jobs(2));
			await reserveOne(store);
			expect(await store.sweep({ limit: 10 })).toBe(0);
			expect(await store.stats()).toMatchObject({ ready: 1, delayed: 0, active: 1, dead: 0 });
		});

		it("re-queues a job whose lease expired at the tail of ready", async () => {
			const { store, elapse, lease, margin } = h();
			const [first, second] = await addIds(store, jobs(2));
			await reserveOne(store, lease);
			await elapse(lease + margin);
			expect(await store.sweep({ limit: 10 })).toBe(1);
			expect(await store.stats()).toMatchObject({ ready: 2, delayed: 0, active: 0, dead: 0 });
			expect(ids(await store.reserve({ limit: 2, leaseMs: LONG }))).toEqual([second, first]);
		});

		it("never touches a live lease", async () => {
			const { store, elapse, lease, margin } = h();
			await addIds(store, jobs(2));
			const short = await reserveOne(store, lease);
			const long = await reserveOne(store, LONG);
			await elapse(lease + margin);
			expect(await store.sweep({ limit: 10 })).toBe(1);
			expect((await reserveOne(store)).id).toBe(short.id);
			expect((await store.ack({ id: long.id, token: long.token })).ok).toBe(true);
		});

		it("never re-queues a lease that was renewed and is still live", async () => {
			const { store, elapse, lease } = h();
			await addIds(store, jobs(1));
			const leased = await reserveOne(store, lease);
			await elapse(lease * 0.6);
			expect(await store.extend({ leases: [leased], leaseMs: lease })).toEqual([{ ok: true }]);
			await elapse(lease * 0.6);
			expect(await store.sweep({ limit: 10 })).toBe(0);
			expect(await store.stats()).toMatchObject({ ready: 0, delayed: 0, active: 1, dead: 0 });
			expect((await store.ack({ id: leased.id, token: leased.token })).ok).toBe(true);
		});

		it("recovers a renewed lease once the renewal expired too", async () => {
			const { store, elapse, lease, margin } = h();
			await addIds(store, jobs(1));
			const leased = await reserveOne(store, lease);
			expect(await store.extend({ leases: [leased], leaseMs: 2 * lease })).toEqual([{ ok: true }]);
			await elapse(lease + margin);
			expect(await store.sweep({ limit: 10 })).toBe(0);
			await elapse(lease);
			expect(await store.sweep({ limit: 10 })).toBe(1);
			expect(await store.sweep({ limit: 10 })).toBe(0);
		});

		it("recovers at most limit jobs per call", async () => {
			const { store, elapse, lease, margin } = h();
			await addIds(store, jobs(5));
			await store.reserve({ limit: 5, leaseMs: lease });
			await elapse(lease + margin);
			expect(await store.sweep({ limit: 2 })).toBe(2);
			expect(await store.stats()).toMatchObject({ ready: 2, active: 3 });
			expect(await store.sweep({ limit: 2 })).toBe(2);
			expect(await store.sweep({ limit: 2 })).toBe(1);
			expect(await store.sweep({ limit: 2 })).toBe(0);
			expect(await store.stats()).toMatchObject({ ready: 5, delayed: 0, active: 0, dead: 0 });
		});

		it("re-queues each expired job exactly once under many concurrent sweeps", async () => {
			const { store, elapse, lease, margin } = h();
			const added = await addIds(store, jobs(10));
			await store.reserve({ limit: 10, leaseMs: lease });
			await elapse(lease + margin);

			const counts = await Promise.all(Array.from({ length: 20 }, () => store.sweep({ limit: 3 })));

			expect(counts.reduce((a, b) => a + b, 0)).toBe(10);
			expect(await store.stats()).toMatchObject({ ready: 10, delayed: 0, active: 0, dead: 0 });
			const again = await reserveAll(store);
			expect(ids(again).toSorted()).toEqual(added.toSorted());
			for (const j of again) expect(j.attempts).toBe(2);
		});

		it("keeps attempts and records that the lease expired as lastError", async () => {
			const { store, elapse, lease, margin } = h();
			await addIds(store, jobs(1));
			const first = await reserveOne(store, lease);
			expect(first.attempts).toBe(1);
			await elapse(lease + margin);
			await store.sweep({ limit: 1 });
			const second = await reserveOne(store);
			expect(second.attempts).toBe(2);
			expect(second.lastError?.message).toMatch(/expired/i);
		});
	});
}
