import type { JobStore, LeasedJob, SettleResult } from "@jobs/core";
import { describe, expect, it } from "vitest";
import { addIds, failure, ids, jobs, LONG, reserveOne, useHarness } from "../fixtures.js";
import type { ContractOptions } from "../harness.js";

type SettleOp = "ack" | "retry" | "fail";

function settle(
	store: JobStore,
	op: SettleOp,
	leased: LeasedJob,
	reserve?: { limit: number; leaseMs: number },
): Promise<SettleResult> {
	const ref = { id: leased.id, token: leased.token, ...(reserve ? { reserve } : {}) };
	if (op === "ack") return store.ack(ref);
	// A long delay keeps a retried job out of the way of what the test reserves next.
	if (op === "retry") return store.retry({ ...ref, delay: LONG, error: failure("again") });
	return store.fail({ ...ref, error: failure("dead") });
}

/**
 * The settles: `ack` removes, `retry` delays with the error recorded, `fail` dead-letters,
 * `release` hands back to the head of `ready`. With `reserve`, a settle may lease the next jobs
 * in the same call; those leases are as real and exclusive as `reserve`'s.
 */
export function settleContract(options: ContractOptions): void {
	describe("settle", () => {
		const h = useHarness(options);

		it("ack removes the job from the store", async () => {
			const { store } = h();
			await addIds(store, jobs(1));
			const leased = await reserveOne(store);
			expect(await store.ack({ id: leased.id, token: leased.token })).toMatchObject({ ok: true });
			expect(await store.stats()).toMatchObject({ ready: 0, delayed: 0, active: 0, dead: 0 });
			expect(await store.deadLetter()).toEqual([]);
		});

		it("retry puts the job back as delayed until its delay has passed", async () => {
			const { store, elapse, delay, margin } = h();
			await addIds(store, jobs(1));
			const leased = await reserveOne(store);
			const result = await store.retry({
				id: leased.id,
				token: leased.token,
				delay,
				error: failure("boom"),
			});
			expect(result.ok).toBe(true);
			expect(await store.stats()).toMatchObject({ ready: 0, delayed: 1, active: 0, dead: 0 });
			expect(await store.reserve({ limit: 1, leaseMs: LONG })).toEqual([]);
			await elapse(delay + margin);
			expect((await reserveOne(store)).id).toBe(leased.id);
		});

		it("retry with delay 0 makes the job ready again at once", async () => {
			const { store } = h();
			await addIds(store, jobs(1));
			const leased = await reserveOne(store);
			const { ok } = await store.retry({
				id: leased.id,
				token: leased.token,
				delay: 0,
				error: failure("boom"),
			});
			expect(ok).toBe(true);
			expect((await reserveOne(store)).id).toBe(leased.id);
		});

		it("retry records its error as the lastError of the next reservation", async () => {
			const { store } = h();
			await addIds(store, jobs(1));
			const error = {
				name: "TypeError",
				message: "cannot read properties of undefined (reading 'email') — ünïcödé 🚨",
				stack:
					"TypeError: cannot read…\n    at handler (/app/jobs.js:12:7)\n    at run (/app/w.js:3:1)",
			};
			const first = await reserveOne(store);
			await store.retry({ id: first.id, token: first.token, delay: 0, error });
			const second = await reserveOne(store);
			expect(second.lastError).toEqual(error);

			const bare = { message: "no name, no stack" };
			await store.retry({ id: second.id, token: second.token, delay: 0, error: bare });
			expect((await reserveOne(store)).lastError).toEqual(bare);
		});

		it("fail moves the job to the dead letter with its error", async () => {
			const { store } = h();
			await addIds(store, jobs(1));
			const leased = await reserveOne(store);
			const error = failure("gave up");
			expect((await store.fail({ id: leased.id, token: leased.token, error })).ok).toBe(true);
			expect(await store.stats()).toMatchObject({ ready: 0, delayed: 0, active: 0, dead: 1 });
			const [dead] = await store.deadLetter();
			expect(dead).toMatchObject({ id: leased.id, error });
		});

		it("release hands the job back to the head of ready", async () => {
			const { store } = h();
			const [first, second] = await addIds(store, jobs(2));
			const leased = await reserveOne(store);
			expect(leased.id).toBe(first);
			expect((await store.release({ id: leased.id, token: leased.token })).ok).toBe(true);
			expect(await store.stats()).toMatchObject({ ready: 2, delayed: 0, active: 0, dead: 0 });
			expect(ids(await store.reserve({ limit: 2, leaseMs: LONG }))).toEqual([first, second]);
		});

		for (const op of ["ack", "retry", "fail"] as const) {
			it(`${op} with reserve leases the next ready jobs in first in, first out order, when the store offers it`, async () => {
				const { store } = h();
				const [, second, third, fourth] = await addIds(store, jobs(4));
				const leased = await reserveOne(store);

				const result = await settle(store, op, leased, { limit: 2, leaseMs: LONG });

				expect(result.ok).toBe(true);
				if (result.next === undefined) {
					// A store may decline; then it must not have leased anything on the side.
					expect(await store.stats()).toMatchObject({ ready: 3, active: 0 });
					return;
				}
				expect(ids(result.next)).toEqual([second, third]);
				expect(new Set(result.next.map((j) => j.token)).size).toBe(2);
				for (const j of result.next) expect(j.attempts).toBe(1);
				expect(await store.stats()).toMatchObject({ ready: 1, active: 2 });
				expect(ids(await store.reserve({ limit: 10, leaseMs: LONG }))).toEqual([fourth]);
				for (const j of result.next) {
					expect((await store.ack({ id: j.id, token: j.token })).ok).toBe(true);
				}
			});
		}

		it("a stale settle with reserve leases nothing", async () => {
			const { store } = h();
			await addIds(store, jobs(3));
			const leased = await reserveOne(store);
			await store.ack({ id: leased.id, token: leased.token });
			const before = await store.stats();

			const result = await store.ack({
				id: leased.id,
				token: leased.token,
				reserve: { limit: 2, leaseMs: LONG },
			});

			expect(result.ok).toBe(false);
			expect(result.next ?? []).toEqual([]);
			expect(await store.stats()).toMatchObject(before);
		});

		it("hands each job out once when settles with reserve race plain reserves", async () => {
			const { store } = h();
			await addIds(store, jobs(20));
			const running = await store.reserve({ limit: 5, leaseMs: LONG });
			expect(running).toHaveLength(5);

			const results = await Promise.all([
				...running.map(async (j) => {
					const { ok, next } = await store.ack({
						id: j.id,
						token: j.token,
						reserve: { limit: 2, leaseMs: LONG },
					});
					expect(ok).toBe(true);
					return next ?? [];
				}),
				...Array.from({ length: 10 }, () => store.reserve({ limit: 1, leaseMs: LONG })),
			]);

			const handedOut = results.flat();
			expect(new Set(ids(handedOut)).size).toBe(handedOut.length);
			const stats = await store.stats();
			expect(stats.active).toBe(handedOut.length);
			expect(stats.ready + stats.active).toBe(15);
			for (const j of handedOut) {
				expect((await store.ack({ id: j.id, token: j.token })).ok).toBe(true);
			}
		});
	});
}
