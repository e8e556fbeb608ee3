import { describe, expect, it } from "vitest";
import { addIds, ids, job, jobs, LONG, reserveOne, useHarness } from "../fixtures.js";
import type { ContractOptions } from "../harness.js";

/** 2100-01-01: in the future on any clock a test runs on, fake or real. */
const FAR_FUTURE = Date.UTC(2100, 0, 1);

/**
 * Delayed jobs: kept out of reach until due, then promoted to the tail of `ready` in due order
 * (ties in add order). `runAt` in the past and `delay: 0` mean ready at once.
 */
export function delayedContract(options: ContractOptions): void {
	describe("delayed jobs", () => {
		const h = useHarness(options);

		it("keeps a job with a delay out of reach until it is due", async () => {
			const { store, elapse, delay, margin } = h();
			const [id] = await addIds(store, [job(1, { delay })]);
			expect(await store.reserve({ limit: 1, leaseMs: LONG })).toEqual([]);
			expect(await store.stats()).toMatchObject({ ready: 0, delayed: 1, active: 0, dead: 0 });
			await elapse(delay / 2);
			expect(await store.reserve({ limit: 1, leaseMs: LONG })).toEqual([]);
			await elapse(delay / 2 + margin);
			expect((await reserveOne(store)).id).toBe(id);
		});

		it("promotes due jobs in due order, not in add order", async () => {
			const { store, elapse, delay, margin } = h();
			const [late] = await addIds(store, [job("late", { delay: 3 * delay })]);
			const [early, middle] = await addIds(store, [
				job("early", { delay }),
				job("middle", { delay: 2 * delay }),
			]);
			await elapse(3 * delay + margin);
			expect(ids(await store.reserve({ limit: 3, leaseMs: LONG }))).toEqual([early, middle, late]);
		});

		it("promotes jobs due at the same time in add order", async () => {
			const { store, elapse, delay, margin } = h();
			const added = await addIds(store, [
				job(1, { delay: 2 * delay }),
				job(2, { delay: 2 * delay }),
				job(3, { delay: 2 * delay }),
			]);
			await elapse(2 * delay + margin);
			expect(ids(await store.reserve({ limit: 3, leaseMs: LONG }))).toEqual(added);
		});

		it("promotes jobs behind those that were ready before they fell due", async () => {
			const { store, elapse, delay, margin } = h();
			const [delayed] = await addIds(store, [job("delayed", { delay })]);
			const ready = await addIds(store, jobs(2));
			await elapse(delay + margin);
			expect(ids(await store.reserve({ limit: 3, leaseMs: LONG }))).toEqual([...ready, delayed]);
		});

		it("treats delay 0 and a runAt in the past as ready at once, in add order", async () => {
			const { store } = h();
			const added = await addIds(store, [
				job(1, { delay: 0 }),
				job(2, { runAt: 0 }),
				job(3, { runAt: Date.UTC(2000, 0, 1) }),
			]);
			expect(await store.stats()).toMatchObject({ ready: 3, delayed: 0 });
			expect(ids(await store.reserve({ limit: 3, leaseMs: LONG }))).toEqual(added);
		});

		it("keeps a job with a runAt in the future delayed", async () => {
			const { store, elapse, delay } = h();
			await addIds(store, [job(1, { runAt: FAR_FUTURE })]);
			await elapse(delay);
			expect(await store.reserve({ limit: 1, leaseMs: LONG })).toEqual([]);
			expect(await store.stats()).toMatchObject({ ready: 0, delayed: 1, active: 0, dead: 0 });
		});

		it("promotes several due jobs in one reserve and leases them oldest due first", async () => {
			const { store, elapse, delay, margin } = h();
			const added: string[] = [];
			for (let n = 0; n < 5; n++)
				added.push(...(await addIds(store, [job(n, { delay: delay + n })])));
			await elapse(delay + 5 + margin);
			const first = await store.reserve({ limit: 2, leaseMs: LONG });
			const rest = await store.reserve({ limit: 10, leaseMs: LONG });
			expect([...ids(first), ...ids(rest)]).toEqual(added);
		});
	});
}
