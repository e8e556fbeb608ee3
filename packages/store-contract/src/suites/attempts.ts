import { describe, expect, it } from "vitest";
import { addIds, failure, jobs, reserveOne, useHarness } from "../fixtures.js";
import type { ContractOptions } from "../harness.js";

/**
 * `attempts` counts reservations: `reserve` adds one, `retry` and `sweep` keep it, `release`
 * takes its reservation back, `retryDead` starts over from 0.
 */
export function attemptsContract(options: ContractOptions): void {
	describe("attempts", () => {
		const h = useHarness(options);

		it("counts 1, 2, 3 across reservations separated by retries", async () => {
			const { store } = h();
			await addIds(store, jobs(1));
			for (const expected of [1, 2, 3]) {
				const leased = await reserveOne(store);
				expect(leased.attempts).toBe(expected);
				await store.retry({ id: leased.id, token: leased.token, delay: 0, error: failure("x") });
			}
		});

		it("keeps the count across a sweep", async () => {
			const { store, elapse, lease, margin } = h();
			await addIds(store, jobs(1));
			await store.retry({ ...(await reserveOne(store)), delay: 0, error: failure("x") });
			expect((await reserveOne(store, lease)).attempts).toBe(2);
			await elapse(lease + margin);
			expect(await store.sweep({ limit: 1 })).toBe(1);
			expect((await reserveOne(store)).attempts).toBe(3);
		});

		it("takes the reservation back on release", async () => {
			const { store } = h();
			await addIds(store, jobs(1));
			const first = await reserveOne(store);
			await store.retry({ id: first.id, token: first.token, delay: 0, error: failure("x") });
			const second = await reserveOne(store);
			expect(second.attempts).toBe(2);
			await store.release({ id: second.id, token: second.token });
			const again = await reserveOne(store);
			expect(again.attempts).toBe(2);
			// Released, the job also keeps the error of its last real attempt.
			expect(again.lastError).toEqual(failure("x"));
		});

		it("records in the dead letter how many times the job was reserved", async () => {
			const { store } = h();
			await addIds(store, jobs(1));
			const first = await reserveOne(store);
			await store.retry({ id: first.id, token: first.token, delay: 0, error: failure("x") });
			const second = await reserveOne(store);
			await store.fail({ id: second.id, token: second.token, error: failure("y") });
			const [dead] = await store.deadLetter();
			expect(dead?.attempts).toBe(2);
		});

		it("starts over after retryDead: the next reservation is attempt 1", async () => {
			const { store } = h();
			const [id] = await addIds(store, jobs(1));
			const first = await reserveOne(store);
			await store.retry({ id: first.id, token: first.token, delay: 0, error: failure("x") });
			const second = await reserveOne(store);
			await store.fail({ id: second.id, token: second.token, error: failure("y") });
			expect(await store.retryDead({ ids: [id!] })).toBe(1);
			expect((await reserveOne(store)).attempts).toBe(1);
		});
	});
}
