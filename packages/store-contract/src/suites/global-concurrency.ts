import { InvalidOptionError } from "@jobs/core";
import { describe, expect, it } from "vitest";
import {
	addIds,
	capable,
	declares,
	expectWokenWhenFreed,
	failure,
	jobs,
	LONG,
	rejectionOf,
	useHarness,
} from "../fixtures.js";
import type { ContractOptions } from "../harness.js";

/**
 * Capability `globalConcurrency`: at most `max` jobs active at once, whoever leased them. A lease
 * holds its slot until it is settled (any settle) or swept; `reserve` and a settle's `reserve`
 * lease only into free slots.
 */
export function globalConcurrencyContract(options: ContractOptions): void {
	describe("global concurrency", () => {
		const h = useHarness(options);
		const limited = () => capable(h().store, "globalConcurrency");

		it("leases no more than max at once, through reserve and a settle's reserve", async () => {
			const s = limited();
			await s.setGlobalConcurrency(2);
			await addIds(s, jobs(6));
			const first = await s.reserve({ limit: 5, leaseMs: LONG });
			expect(first).toHaveLength(2);
			expect(await s.reserve({ limit: 5, leaseMs: LONG })).toEqual([]);
			const acked = await s.ack({ ...first[0]!, reserve: { limit: 5, leaseMs: LONG } });
			expect(acked.ok).toBe(true);
			const next = acked.next ?? (await s.reserve({ limit: 5, leaseMs: LONG }));
			expect(next).toHaveLength(1);
			expect(await s.reserve({ limit: 5, leaseMs: LONG })).toEqual([]);
			expect(await s.stats()).toMatchObject({ active: 2, ready: 3 });
		});

		it("frees a slot on every settle: retry, fail and release", async () => {
			const s = limited();
			await s.setGlobalConcurrency(1);
			await addIds(s, jobs(4));
			const settles = [
				(j: { id: string; token: string }) => s.retry({ ...j, delay: LONG, error: failure("x") }),
				(j: { id: string; token: string }) => s.fail({ ...j, error: failure("x") }),
				(j: { id: string; token: string }) => s.release(j),
			];
			for (const settle of settles) {
				const [leased] = await s.reserve({ limit: 3, leaseMs: LONG });
				expect(leased).toBeDefined();
				expect(await s.reserve({ limit: 3, leaseMs: LONG })).toEqual([]);
				expect((await settle(leased!)).ok).toBe(true);
			}
			expect(await s.reserve({ limit: 3, leaseMs: LONG })).toHaveLength(1);
		});

		it("holds an expired lease's slot until a sweep recovers it", async () => {
			const { elapse, lease, margin } = h();
			const s = limited();
			await s.setGlobalConcurrency(1);
			await addIds(s, jobs(2));
			expect(await s.reserve({ limit: 2, leaseMs: lease })).toHaveLength(1);
			await elapse(lease + margin);
			expect(await s.reserve({ limit: 2, leaseMs: LONG })).toEqual([]);
			expect(await s.sweep({ limit: 10 })).toBe(1);
			expect(await s.reserve({ limit: 2, leaseMs: LONG })).toHaveLength(1);
		});

		it("keeps leases already granted when lowered, and leases again once below it; null removes it", async () => {
			const s = limited();
			expect(await s.getGlobalConcurrency()).toBeNull();
			await s.setGlobalConcurrency(3);
			expect(await s.getGlobalConcurrency()).toBe(3);
			await addIds(s, jobs(6));
			const held = await s.reserve({ limit: 6, leaseMs: LONG });
			expect(held).toHaveLength(3);
			await s.setGlobalConcurrency(1);
			expect((await s.ack(held[0]!)).ok).toBe(true);
			expect(await s.reserve({ limit: 6, leaseMs: LONG })).toEqual([]);
			expect((await s.ack(held[1]!)).ok).toBe(true);
			expect((await s.ack(held[2]!)).ok).toBe(true);
			expect(await s.reserve({ limit: 6, leaseMs: LONG })).toHaveLength(1);
			await s.setGlobalConcurrency(null);
			expect(await s.getGlobalConcurrency()).toBeNull();
			expect(await s.reserve({ limit: 6, leaseMs: LONG })).toHaveLength(2);
		});

		it("refuses a bad limit with a JobsError, keeping the one it had", async () => {
			const s = limited();
			await s.setGlobalConcurrency(2);
			for (const max of [0, -1, 1.5, "2", undefined, Number.POSITIVE_INFINITY]) {
				const error = await rejectionOf(s.setGlobalConcurrency(max as number));
				expect(error, String(max)).toBeInstanceOf(InvalidOptionError);
			}
			expect(await s.getGlobalConcurrency()).toBe(2);
		});

		it("wakes an idle worker when a slot frees while jobs are ready", async (ctx) => {
			const s = limited();
			if (!declares(s, "waitForJob")) return ctx.skip();
			const waiting = capable(s, "waitForJob");
			await s.setGlobalConcurrency(1);
			await addIds(s, jobs(2));
			const [held] = await s.reserve({ limit: 2, leaseMs: LONG });
			await expectWokenWhenFreed(h(), waiting, async () => {
				expect((await s.ack(held!)).ok).toBe(true);
			});
		});
	});
}
