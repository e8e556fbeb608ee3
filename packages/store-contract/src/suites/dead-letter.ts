import { describe, expect, it } from "vitest";
import {
	addIds,
	failure,
	ids,
	job,
	jobs,
	LONG,
	reserveOne,
	seedDead,
	useHarness,
} from "../fixtures.js";
import type { ContractOptions } from "../harness.js";

/**
 * The dead letter: listed oldest death first with every field, paged by `offset`/`limit`;
 * `retryDead` and `removeDead` act on ids or on all, resolve counts and ignore unknown ids.
 */
export function deadLetterContract(options: ContractOptions): void {
	describe("dead letter", () => {
		const h = useHarness(options);

		it("lists a dead job with its id, name, payload, attempts, maxAttempts, error and failedAt", async () => {
			const { store } = h();
			const [id] = await addIds(store, [
				{ name: "charge", payload: '{"amount":42}', maxAttempts: 3 },
			]);
			const leased = await reserveOne(store);
			const error = failure("card declined");
			await store.fail({ id: leased.id, token: leased.token, error });
			const [dead, ...rest] = await store.deadLetter();
			expect(rest).toEqual([]);
			expect(dead).toEqual({
				id,
				name: "charge",
				payload: '{"amount":42}',
				attempts: 1,
				maxAttempts: 3,
				error,
				failedAt: expect.any(Number),
			});
			expect(Number.isFinite(dead?.failedAt)).toBe(true);
		});

		it("stamps failedAt on the store's clock", async () => {
			const { store, elapse, delay } = h();
			await addIds(store, jobs(2));
			const a = await reserveOne(store);
			const b = await reserveOne(store);
			await store.fail({ id: a.id, token: a.token, error: failure("a") });
			await elapse(delay);
			await store.fail({ id: b.id, token: b.token, error: failure("b") });
			const [deadA, deadB] = await store.deadLetter();
			// Real timers may fire a hair early; allow 10 %.
			expect(deadB!.failedAt - deadA!.failedAt).toBeGreaterThanOrEqual(delay * 0.9);
		});

		it("lists dead jobs oldest death first, whatever their add order", async () => {
			const { store } = h();
			await addIds(store, jobs(3));
			const [a, b, c] = await store.reserve({ limit: 3, leaseMs: LONG });
			for (const j of [c!, a!, b!]) {
				await store.fail({ id: j.id, token: j.token, error: failure(j.id) });
			}
			expect(ids(await store.deadLetter())).toEqual([c!.id, a!.id, b!.id]);
		});

		it("pages with offset and limit", async () => {
			const { store } = h();
			const dead = await seedDead(store, 5);
			expect(ids(await store.deadLetter({ limit: 2 }))).toEqual(dead.slice(0, 2));
			expect(ids(await store.deadLetter({ offset: 1, limit: 2 }))).toEqual(dead.slice(1, 3));
			expect(ids(await store.deadLetter({ offset: 3 }))).toEqual(dead.slice(3));
			expect(ids(await store.deadLetter({ offset: 4, limit: 10 }))).toEqual(dead.slice(4));
			expect(await store.deadLetter({ offset: 5 })).toEqual([]);
			expect(ids(await store.deadLetter({}))).toEqual(dead);
		});

		it("retryDead by ids moves those jobs to the tail of ready and ignores unknown ids", async () => {
			const { store } = h();
			const [a, b] = await seedDead(store, 2);
			const [waiting] = await addIds(store, [job("waiting")]);
			expect(await store.retryDead({ ids: [b!, "no-such-job"] })).toBe(1);
			expect(await store.stats()).toMatchObject({ ready: 2, delayed: 0, active: 0, dead: 1 });
			expect(ids(await store.deadLetter())).toEqual([a]);
			expect(ids(await store.reserve({ limit: 2, leaseMs: LONG }))).toEqual([waiting, b]);
		});

		it("retryDead ignores ids of jobs that are not dead", async () => {
			const { store } = h();
			const [leasedId, readyId] = await addIds(store, jobs(2));
			const [delayedId] = await addIds(store, [job("delayed", { delay: LONG })]);
			const leased = await reserveOne(store);
			expect(leased.id).toBe(leasedId);
			const before = await store.stats();
			expect(await store.retryDead({ ids: [leasedId!, readyId!, delayedId!] })).toBe(0);
			expect(await store.removeDead({ ids: [leasedId!, readyId!, delayedId!] })).toBe(0);
			expect(await store.stats()).toMatchObject(before);
			expect((await store.ack({ id: leased.id, token: leased.token })).ok).toBe(true);
		});

		it("retryDead of all moves every dead job back", async () => {
			const { store } = h();
			const dead = await seedDead(store, 3);
			expect(await store.retryDead({ all: true })).toBe(3);
			expect(await store.stats()).toMatchObject({ ready: 3, delayed: 0, active: 0, dead: 0 });
			expect(await store.deadLetter()).toEqual([]);
			expect(ids(await store.reserve({ limit: 5, leaseMs: LONG })).toSorted()).toEqual(
				dead.toSorted(),
			);
		});

		it("removeDead by ids deletes those jobs for good and ignores unknown ids", async () => {
			const { store } = h();
			const [a, b, c] = await seedDead(store, 3);
			expect(await store.removeDead({ ids: [b!, "no-such-job", b!] })).toBe(1);
			expect(ids(await store.deadLetter())).toEqual([a, c]);
			expect(await store.stats()).toMatchObject({ ready: 0, delayed: 0, active: 0, dead: 2 });
			expect(await store.retryDead({ ids: [b!] })).toBe(0);
			expect(await store.reserve({ limit: 5, leaseMs: LONG })).toEqual([]);
		});

		it("removeDead of all empties the dead letter", async () => {
			const { store } = h();
			await seedDead(store, 3);
			await addIds(store, jobs(1));
			expect(await store.removeDead({ all: true })).toBe(3);
			expect(await store.deadLetter()).toEqual([]);
			expect(await store.stats()).toMatchObject({ ready: 1, delayed: 0, active: 0, dead: 0 });
		});

		it("retryDead and removeDead resolve 0 on an empty dead letter", async () => {
			const { store } = h();
			expect(await store.retryDead({ all: true })).toBe(0);
			expect(await store.removeDead({ all: true })).toBe(0);
			expect(await store.retryDead({ ids: ["no-such-job"] })).toBe(0);
			expect(await store.removeDead({ ids: [] })).toBe(0);
		});

		it("lists a revived job again, with its new error, when it dies a second time", async () => {
			const { store } = h();
			const [id] = await seedDead(store, 1);
			await store.retryDead({ ids: [id!] });
			const leased = await reserveOne(store);
			await store.fail({ id: leased.id, token: leased.token, error: failure("second death") });
			const dead = await store.deadLetter();
			expect(dead).toHaveLength(1);
			expect(dead[0]).toMatchObject({ id, attempts: 1, error: failure("second death") });
		});
	});
}
