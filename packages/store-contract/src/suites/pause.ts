import { describe, expect, it } from "vitest";
import {
	addIds,
	capable,
	declares,
	eventually,
	failure,
	ids,
	job,
	LONG,
	reserveOne,
	track,
	useHarness,
} from "../fixtures.js";
import type { ContractOptions } from "../harness.js";

/**
 * Capability `pause`: a paused queue leases nothing, through `reserve` or a settle's `reserve`,
 * until it is resumed; jobs already leased settle as usual, `add` goes on, and idle workers are
 * not woken for ready jobs while it lasts, but are on resume.
 */
export function pauseContract(options: ContractOptions): void {
	describe("pause", () => {
		const h = useHarness(options);
		const pausable = () => capable(h().store, "pause");

		it("leases nothing while paused, through reserve or a settle's reserve, and add goes on", async () => {
			const store = pausable();
			await addIds(store, [job(1), job(2), job(3)]);
			const leased = await reserveOne(store);
			expect(await store.isPaused()).toBe(false);
			await store.pause();
			expect(await store.isPaused()).toBe(true);
			expect(await store.reserve({ limit: 10, leaseMs: LONG })).toEqual([]);
			await addIds(store, [job(4)]);
			const acked = await store.ack({ ...leased, reserve: { limit: 5, leaseMs: LONG } });
			expect(acked.ok).toBe(true);
			expect(acked.next ?? []).toEqual([]);
			expect(await store.stats()).toMatchObject({ ready: 3, active: 0 });
		});

		it("hands out the jobs in their order once resumed", async () => {
			const store = pausable();
			const added = await addIds(store, [job(1), job(2)]);
			await store.pause();
			added.push(...(await addIds(store, [job(3)])));
			await store.resume();
			expect(await store.isPaused()).toBe(false);
			expect(ids(await store.reserve({ limit: 10, leaseMs: LONG }))).toEqual(added);
		});

		it("lets a job leased before the pause renew, retry and settle, and leases its retry only after resume", async () => {
			const store = pausable();
			const [id] = await addIds(store, [job(1)]);
			const leased = await reserveOne(store);
			await store.pause();
			expect(await store.extend({ leases: [leased], leaseMs: LONG })).toEqual([{ ok: true }]);
			expect((await store.retry({ ...leased, delay: 0, error: failure("again") })).ok).toBe(true);
			expect(await store.reserve({ limit: 1, leaseMs: LONG })).toEqual([]);
			await store.resume();
			const again = await reserveOne(store);
			expect(again).toMatchObject({ id, attempts: 2 });
			expect((await store.ack(again)).ok).toBe(true);
		});

		it("keeps a delayed job that falls due while paused until resume", async () => {
			const { elapse, delay, margin } = h();
			const store = pausable();
			const [id] = await addIds(store, [job(1, { delay })]);
			await store.pause();
			await elapse(delay + margin);
			expect(await store.reserve({ limit: 1, leaseMs: LONG })).toEqual([]);
			await store.resume();
			expect((await reserveOne(store)).id).toBe(id);
		});

		it("is idempotent: pausing twice stays paused, resuming twice stays resumed", async () => {
			const store = pausable();
			await addIds(store, [job(1)]);
			await store.pause();
			await store.pause();
			expect(await store.isPaused()).toBe(true);
			expect(await store.reserve({ limit: 1, leaseMs: LONG })).toEqual([]);
			await store.resume();
			await store.resume();
			expect(await store.isPaused()).toBe(false);
			expect(await store.reserve({ limit: 1, leaseMs: LONG })).toHaveLength(1);
		});

		it("does not wake an idle worker for ready jobs while paused (it would spin), and wakes it on resume", async (ctx) => {
			const { store: s, wakeWithin } = h();
			if (!declares(s, "waitForJob")) return ctx.skip();
			const store = capable(s, "pause");
			const waiting = capable(s, "waitForJob");
			await store.pause();
			await addIds(store, [job(1)]);
			// As a worker does: a reserve that finds nothing, then a wait.
			expect(await store.reserve({ limit: 1, leaseMs: LONG })).toEqual([]);
			const abort = new AbortController();
			try {
				const wait = track(waiting.waitForJob({ timeoutMs: LONG, signal: abort.signal }));
				expect(await eventually(() => wait.settled, wakeWithin / 4)).toBe(false);
				await store.resume();
				expect(await eventually(() => wait.settled, wakeWithin)).toBe(true);
				expect(wait.error).toBeUndefined();
				expect(await store.reserve({ limit: 1, leaseMs: LONG })).toHaveLength(1);
			} finally {
				abort.abort();
			}
		});
	});
}
