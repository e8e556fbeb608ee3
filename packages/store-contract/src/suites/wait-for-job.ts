import { type JobStore, supports, type WaitForJobCapable } from "@jobs/core";
import type { TestContext } from "vitest";
import { describe, expect, it } from "vitest";
import {
	type ContractContext,
	eventually,
	failure,
	job,
	jobs,
	LONG,
	reserveOne,
	type Tracked,
	track,
	useHarness,
} from "../fixtures.js";
import type { ContractOptions } from "../harness.js";

/** Waits (in real time, briefly) for `wait` to resolve; a rejection fails the test. */
async function expectResolved(wait: Tracked, within: number): Promise<void> {
	expect(await eventually(() => wait.settled, within), "waitForJob did not resolve").toBe(true);
	expect(wait.error).toBeUndefined();
}

type WaitingStore = JobStore & WaitForJobCapable;

/** Ways a job becomes ready while a worker idles; each must wake it. */
const WAKERS: Record<string, (c: ContractContext) => Promise<{ wake(): Promise<unknown> }>> = {
	add: async ({ store }) => ({ wake: () => store.add(jobs(1)) }),
	"retry with delay 0": async ({ store }) => {
		await store.add(jobs(1));
		const leased = await reserveOne(store);
		const { id, token } = leased;
		return { wake: () => store.retry({ id, token, delay: 0, error: failure("x") }) };
	},
	release: async ({ store }) => {
		await store.add(jobs(1));
		const leased = await reserveOne(store);
		return { wake: () => store.release({ id: leased.id, token: leased.token }) };
	},
	sweep: async ({ store, elapse, lease, margin }) => {
		await store.add(jobs(1));
		await reserveOne(store, lease);
		await elapse(lease + margin);
		return { wake: () => store.sweep({ limit: 1 }) };
	},
	retryDead: async ({ store }) => {
		await store.add(jobs(1));
		const leased = await reserveOne(store);
		await store.fail({ id: leased.id, token: leased.token, error: failure("x") });
		return { wake: () => store.retryDead({ all: true }) };
	},
};

/**
 * `waitForJob` (capability `waitForJob`; skipped with a note when the store does not declare it): wakes an idle worker
 * when a job becomes ready or falls due, and returns on timeout and on abort.
 */
export function waitForJobContract(options: ContractOptions): void {
	describe("waitForJob", () => {
		const h = useHarness(options);

		const waiting = (ctx: TestContext): ContractContext & { store: WaitingStore } => {
			const c = h();
			if (!supports(c.store, "waitForJob")) {
				ctx.skip("the store does not declare waitForJob: workers poll it");
			}
			return c as ContractContext & { store: WaitingStore };
		};

		for (const [how, setup] of Object.entries(WAKERS)) {
			it(`resolves when a job becomes ready through ${how}`, async (ctx) => {
				const c = waiting(ctx);
				const { wake } = await setup(c);
				const abort = new AbortController();
				try {
					const wait = track(c.store.waitForJob({ timeoutMs: LONG, signal: abort.signal }));
					await wake();
					await expectResolved(wait, c.wakeWithin);
				} finally {
					abort.abort();
				}
			});
		}

		it("resolves when a delayed job falls due", async (ctx) => {
			const c = waiting(ctx);
			await c.store.add([job(1, { delay: c.delay })]);
			const abort = new AbortController();
			try {
				const wait = track(c.store.waitForJob({ timeoutMs: LONG, signal: abort.signal }));
				await c.elapse(c.delay + c.margin);
				await expectResolved(wait, c.wakeWithin);
				expect(await c.store.reserve({ limit: 1, leaseMs: LONG })).toHaveLength(1);
			} finally {
				abort.abort();
			}
		});

		it("resolves when its signal aborts", async (ctx) => {
			const c = waiting(ctx);
			const abort = new AbortController();
			const wait = track(c.store.waitForJob({ timeoutMs: LONG, signal: abort.signal }));
			abort.abort();
			await expectResolved(wait, c.wakeWithin);
		});

		it("resolves at once for a signal that is already aborted", async (ctx) => {
			const c = waiting(ctx);
			const abort = new AbortController();
			abort.abort();
			const wait = track(c.store.waitForJob({ timeoutMs: LONG, signal: abort.signal }));
			await expectResolved(wait, c.wakeWithin);
		});

		it("resolves when its timeout passes", async (ctx) => {
			const c = waiting(ctx);
			const abort = new AbortController();
			try {
				const wait = track(c.store.waitForJob({ timeoutMs: c.delay, signal: abort.signal }));
				await c.elapse(c.delay + c.margin);
				await expectResolved(wait, c.wakeWithin);
			} finally {
				abort.abort();
			}
		});
	});
}
