import { describe, expect, it } from "vitest";
import { addIds, FENCED_OPS, fenced, jobs, LONG, reserveOne, useHarness } from "../fixtures.js";
import type { ContractOptions } from "../harness.js";

/**
 * Leases and fencing: `ack`, `retry`, `fail`, `release` and `extend` act only with the job's
 * current, unexpired token; otherwise they change nothing and say so instead of throwing.
 * `extend` keeps a slow job's lease alive.
 */
export function leaseContract(options: ContractOptions): void {
	describe("leases and fencing", () => {
		const h = useHarness(options);

		for (const op of FENCED_OPS) {
			it(`${op} with a stale token, after the job was swept and leased again, changes nothing and reports it`, async () => {
				const { store, elapse, lease, margin } = h();
				await addIds(store, jobs(1));
				const stale = await reserveOne(store, lease);
				await elapse(lease + margin);
				expect(await store.sweep({ limit: 10 })).toBe(1);
				const current = await reserveOne(store);
				expect(current.id).toBe(stale.id);
				expect(current.token).not.toBe(stale.token);
				const before = await store.stats();

				expect(await fenced(store, op, stale)).toBe(false);

				expect(await store.stats()).toMatchObject(before);
				expect(await store.reserve({ limit: 1, leaseMs: LONG })).toEqual([]);
				expect((await store.ack({ id: current.id, token: current.token })).ok).toBe(true);
			});

			it(`${op} with a wrong token on a live lease changes nothing and reports it`, async () => {
				const { store } = h();
				await addIds(store, jobs(1));
				const leased = await reserveOne(store);
				const before = await store.stats();

				expect(await fenced(store, op, { id: leased.id, token: `${leased.token}-forged` })).toBe(
					false,
				);
				expect(await fenced(store, op, { id: leased.id, token: "" })).toBe(false);

				expect(await store.stats()).toMatchObject(before);
				expect((await store.ack({ id: leased.id, token: leased.token })).ok).toBe(true);
			});

			it(`${op} after the lease expired, before any sweep, is refused`, async () => {
				const { store, elapse, lease, margin } = h();
				await addIds(store, jobs(1));
				const leased = await reserveOne(store, lease);
				await elapse(lease + margin);

				expect(await fenced(store, op, leased)).toBe(false);

				// The job was not settled: the sweep still finds it and hands it back.
				expect(await store.sweep({ limit: 10 })).toBe(1);
				expect((await reserveOne(store)).id).toBe(leased.id);
			});

			it(`${op} of an unknown job id reports false`, async () => {
				const { store } = h();
				expect(await fenced(store, op, { id: "no-such-job", token: "no-such-token" })).toBe(false);
				expect(await store.stats()).toMatchObject({ ready: 0, delayed: 0, active: 0, dead: 0 });
			});
		}

		for (const op of ["ack", "retry", "fail", "release"] as const) {
			it(`${op} ends the lease: the same token is refused afterwards`, async () => {
				const { store } = h();
				await addIds(store, jobs(1));
				const leased = await reserveOne(store);
				expect(await fenced(store, op, leased)).toBe(true);
				const before = await store.stats();
				for (const again of FENCED_OPS) expect(await fenced(store, again, leased)).toBe(false);
				expect(await store.stats()).toMatchObject(before);
			});
		}

		it("a token of one job does not settle another", async () => {
			const { store } = h();
			await addIds(store, jobs(2));
			const a = await reserveOne(store);
			const b = await reserveOne(store);
			expect((await store.ack({ id: b.id, token: a.token })).ok).toBe(false);
			expect(await store.stats()).toMatchObject({ active: 2 });
			expect((await store.ack({ id: b.id, token: b.token })).ok).toBe(true);
			expect((await store.ack({ id: a.id, token: a.token })).ok).toBe(true);
		});

		it("extend renews a live lease so it outlives its first expiry", async () => {
			const { store, elapse, lease } = h();
			await addIds(store, jobs(1));
			const leased = await reserveOne(store, lease);
			await elapse(lease * 0.6);
			expect(await store.extend({ leases: [leased], leaseMs: lease })).toEqual([{ ok: true }]);
			await elapse(lease * 0.6);
			// Past the first expiry, within the renewed one.
			expect(await store.sweep({ limit: 10 })).toBe(0);
			expect((await store.ack({ id: leased.id, token: leased.token })).ok).toBe(true);
		});

		it("extend resolves one result per lease, in input order, with why a refused one failed", async () => {
			const { store } = h();
			await addIds(store, jobs(3));
			const [a, b, c] = await store.reserve({ limit: 3, leaseMs: LONG });
			const result = await store.extend({
				leases: [
					{ id: a!.id, token: a!.token },
					{ id: b!.id, token: "forged" },
					{ id: "no-such-job", token: c!.token },
					{ id: c!.id, token: c!.token },
				],
				leaseMs: LONG,
			});
			expect(result).toEqual([
				{ ok: true },
				{ ok: false, reason: "stale" },
				{ ok: false, reason: "stale" },
				{ ok: true },
			]);
		});

		it("extend keeps the lease's token: the job settles with the token reserve gave", async () => {
			const { store } = h();
			await addIds(store, jobs(1));
			const leased = await reserveOne(store);
			expect(await store.extend({ leases: [leased], leaseMs: LONG })).toEqual([{ ok: true }]);
			expect(await store.extend({ leases: [leased], leaseMs: LONG })).toEqual([{ ok: true }]);
			expect((await store.ack({ id: leased.id, token: leased.token })).ok).toBe(true);
		});
	});
}
