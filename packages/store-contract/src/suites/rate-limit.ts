import { InvalidOptionError, JobsError, MAX_RATE_LIMIT, type RateLimit } from "@jobs/core";
import { describe, expect, it } from "vitest";
import {
	addIds,
	capable,
	declares,
	eventually,
	jobs,
	LONG,
	rejectionOf,
	reserveOne,
	track,
	useHarness,
} from "../fixtures.js";
import type { ContractOptions } from "../harness.js";

/**
 * Capability `rateLimit`: at most `max` jobs leased in any `duration` ms, by `reserve` and by a
 * settle's `reserve`, with the window sliding (a start leaves it `duration` ms after it was
 * made); and a release's `limitFor`, which hands the job back and leases nothing for a while.
 */
export function rateLimitContract(options: ContractOptions): void {
	describe("rate limit", () => {
		const h = useHarness(options);
		const limited = () => capable(h().store, "rateLimit");
		/** A window the test's calls fit in many times over, scaled with the harness. */
		const windowMs = () => 5 * h().delay;

		it("leases at most max jobs in a window, through reserve and a settle's reserve, and more once it passed", async () => {
			const { elapse, margin } = h();
			const s = limited();
			await s.setRateLimit({ max: 3, duration: windowMs() });
			await addIds(s, jobs(10));
			const first = await s.reserve({ limit: 10, leaseMs: LONG });
			expect(first).toHaveLength(3);
			expect(await s.reserve({ limit: 10, leaseMs: LONG })).toEqual([]);
			const acked = await s.ack({ ...first[0]!, reserve: { limit: 5, leaseMs: LONG } });
			expect(acked.ok).toBe(true);
			expect(acked.next ?? []).toEqual([]);
			expect(await s.stats()).toMatchObject({ ready: 7, active: 2 });
			await elapse(windowMs() + margin);
			expect(await s.reserve({ limit: 10, leaseMs: LONG })).toHaveLength(3);
		});

		it("slides: a start leaves the window duration ms after it was made, not at a fixed boundary", async () => {
			const { elapse, margin } = h();
			const s = limited();
			const w = windowMs();
			await s.setRateLimit({ max: 2, duration: w });
			await addIds(s, jobs(10));
			expect(await s.reserve({ limit: 1, leaseMs: LONG })).toHaveLength(1);
			await elapse(w / 2);
			// One start in the window: one more may start, not two.
			expect(await s.reserve({ limit: 5, leaseMs: LONG })).toHaveLength(1);
			expect(await s.reserve({ limit: 5, leaseMs: LONG })).toEqual([]);
			await elapse(w / 2 + margin);
			// The first start has left the window; the second has not.
			expect(await s.reserve({ limit: 5, leaseMs: LONG })).toHaveLength(1);
			expect(await s.reserve({ limit: 5, leaseMs: LONG })).toEqual([]);
		});

		it("keeps the limit it was given until it is set again, and null removes it", async () => {
			const s = limited();
			expect(await s.getRateLimit()).toBeNull();
			await s.setRateLimit({ max: 1, duration: LONG });
			expect(await s.getRateLimit()).toEqual({ max: 1, duration: LONG });
			await addIds(s, jobs(5));
			expect(await s.reserve({ limit: 5, leaseMs: LONG })).toHaveLength(1);
			expect(await s.reserve({ limit: 5, leaseMs: LONG })).toEqual([]);
			await s.setRateLimit({ max: 3, duration: LONG });
			// The start already made counts against the new limit.
			expect(await s.reserve({ limit: 5, leaseMs: LONG })).toHaveLength(2);
			await s.setRateLimit(null);
			expect(await s.getRateLimit()).toBeNull();
			expect(await s.reserve({ limit: 5, leaseMs: LONG })).toHaveLength(2);
		});

		it("refuses a bad limit with a JobsError, keeping the one it had", async () => {
			const s = limited();
			await s.setRateLimit({ max: 2, duration: LONG });
			const bad = [
				{ max: 0, duration: 1_000 },
				{ max: 1, duration: 0 },
				{ max: 1.5, duration: 1_000 },
				{ max: -1, duration: 1_000 },
				{ max: MAX_RATE_LIMIT + 1, duration: 1_000 },
				{ max: 1, duration: 1.5 },
				{ max: 1 },
				{ max: 1, duration: 1_000, per: "second" },
				"10/s",
				undefined,
			];
			for (const limit of bad) {
				const error = await rejectionOf(s.setRateLimit(limit as unknown as RateLimit));
				expect(error, JSON.stringify(limit)).toBeInstanceOf(InvalidOptionError);
			}
			expect(await s.getRateLimit()).toEqual({ max: 2, duration: LONG });
		});

		it("a release with limitFor hands the job back uncounted and leases nothing until it passed", async () => {
			const { elapse, margin } = h();
			const s = limited();
			const [a] = await addIds(s, jobs(3));
			const leased = await reserveOne(s);
			expect(leased.id).toBe(a);
			const released = await s.release({
				...leased,
				limitFor: windowMs(),
				reserve: { limit: 3, leaseMs: LONG },
			});
			expect(released.ok).toBe(true);
			expect(released.next ?? []).toEqual([]);
			expect(await s.reserve({ limit: 3, leaseMs: LONG })).toEqual([]);
			expect(await s.stats()).toMatchObject({ ready: 3, active: 0 });
			await elapse(windowMs() + margin);
			const again = await s.reserve({ limit: 1, leaseMs: LONG });
			expect(again).toMatchObject([{ id: a, attempts: 1 }]);
		});

		it("does not let a shorter limitFor cut a longer one short", async () => {
			const { elapse, margin } = h();
			const s = limited();
			await addIds(s, jobs(2));
			const [x, y] = await s.reserve({ limit: 2, leaseMs: LONG });
			expect((await s.release({ ...x!, limitFor: 2 * windowMs() })).ok).toBe(true);
			expect((await s.release({ ...y!, limitFor: 1 })).ok).toBe(true);
			await elapse(windowMs());
			expect(await s.reserve({ limit: 2, leaseMs: LONG })).toEqual([]);
			await elapse(windowMs() + margin);
			expect(await s.reserve({ limit: 2, leaseMs: LONG })).toHaveLength(2);
		});

		it("refuses a bad limitFor with a JobsError and changes nothing", async () => {
			const s = limited();
			await addIds(s, jobs(1));
			const leased = await reserveOne(s);
			for (const limitFor of [0, -5, Number.NaN, "1000"]) {
				const error = await rejectionOf(s.release({ ...leased, limitFor: limitFor as number }));
				expect(error, String(limitFor)).toBeInstanceOf(JobsError);
			}
			expect(await s.stats()).toMatchObject({ active: 1, ready: 0 });
			expect((await s.ack(leased)).ok).toBe(true);
		});

		it("wakes an idle worker when the window lets the next job start", async (ctx) => {
			const { elapse, margin, wakeWithin } = h();
			const s = limited();
			if (!declares(s, "waitForJob")) return ctx.skip();
			const waiting = capable(s, "waitForJob");
			await s.setRateLimit({ max: 1, duration: windowMs() });
			await addIds(s, jobs(2));
			expect(await s.reserve({ limit: 2, leaseMs: LONG })).toHaveLength(1);
			// As a worker does: a reserve that the limit holds back, then a wait.
			expect(await s.reserve({ limit: 2, leaseMs: LONG })).toEqual([]);
			const abort = new AbortController();
			try {
				const wait = track(waiting.waitForJob({ timeoutMs: LONG, signal: abort.signal }));
				await elapse(windowMs() + margin);
				expect(await eventually(() => wait.settled, wakeWithin)).toBe(true);
				expect(wait.error).toBeUndefined();
				expect(await s.reserve({ limit: 2, leaseMs: LONG })).toHaveLength(1);
			} finally {
				abort.abort();
			}
		});
	});
}
