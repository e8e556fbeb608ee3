import { type JobStore, StoreClosedError, supports } from "@jobs/core";
import { describe, expect, it } from "vitest";
import { eventually, failure, jobs, LONG, track, useHarness } from "../fixtures.js";
import type { ContractOptions } from "../harness.js";

const ref = { id: "1", token: "token" };

/** Every method but `close`, called with well-formed arguments. */
const CALLS: Record<string, (store: JobStore) => Promise<unknown>> = {
	add: (s) => s.add(jobs(1)),
	reserve: (s) => s.reserve({ limit: 1, leaseMs: LONG }),
	ack: (s) => s.ack(ref),
	retry: (s) => s.retry({ ...ref, delay: 0, error: failure("x") }),
	fail: (s) => s.fail({ ...ref, error: failure("x") }),
	release: (s) => s.release(ref),
	extend: (s) => s.extend({ leases: [ref], leaseMs: LONG }),
	sweep: (s) => s.sweep({ limit: 1 }),
	stats: (s) => s.stats(),
	deadLetter: (s) => s.deadLetter(),
	retryDead: (s) => s.retryDead({ all: true }),
	removeDead: (s) => s.removeDead({ all: true }),
};

/** `close`: idempotent, and every other method rejects with `StoreClosedError` afterwards. */
export function closeContract(options: ContractOptions): void {
	describe("close", () => {
		const h = useHarness(options);

		it("is idempotent, also when called concurrently", async () => {
			const { store } = h();
			await store.add(jobs(3));
			await expect(Promise.all([store.close(), store.close()])).resolves.toBeDefined();
			await expect(store.close()).resolves.toBeUndefined();
		});

		for (const [method, call] of Object.entries(CALLS)) {
			it(`${method} rejects with StoreClosedError (JOBS_STORE_CLOSED) after close`, async () => {
				const { store } = h();
				await store.add(jobs(1));
				await store.close();
				const error = await call(store).then(
					() => new Error(`${method} resolved after close`),
					(e: unknown) => e,
				);
				expect(error).toBeInstanceOf(StoreClosedError);
				expect(error).toMatchObject({ code: "JOBS_STORE_CLOSED" });
			});
		}

		it("waitForJob rejects with StoreClosedError after close, when the store has it", async (ctx) => {
			const { store, wakeWithin } = h();
			if (!supports(store, "waitForJob")) return ctx.skip("the store does not declare waitForJob");
			await store.close();
			const abort = new AbortController();
			try {
				const wait = track(store.waitForJob({ timeoutMs: LONG, signal: abort.signal }));
				await eventually(() => wait.settled, wakeWithin);
				expect(wait.error).toBeInstanceOf(StoreClosedError);
				expect(wait.error).toMatchObject({ code: "JOBS_STORE_CLOSED" });
			} finally {
				abort.abort();
			}
		});
	});
}
