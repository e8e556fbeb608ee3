/**
 * A silently dead connection (a network black hole: no reset, no reply), made by a proxy that
 * holds every request back: each worker-side call rejects within `workerTimeoutMs` instead of
 * hanging, each producer call within `commandTimeoutMs`, and once the path comes back the store
 * has reconnected by itself: the producer's and the wake-up connection close on their socket
 * timeout, and the worker's is reopened when one of its calls passes its deadline unanswered.
 */
import { StoreUnavailableError } from "@jobs/core";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { RedisJobStore } from "../src/index.js";
import { dropKeys, sleep, uniquePrefix } from "./support/harness.js";
import { startProxy } from "./support/proxy.js";

const url = inject("redisUrl");
const LONG = 600_000;
const job = (n: number) => ({ name: "black-hole", payload: JSON.stringify({ n }) });

/** Resolves with what `promise` settled to and how long it took. */
async function timed<T>(promise: Promise<T>): Promise<{ ms: number; value?: T; error?: unknown }> {
	const started = Date.now();
	try {
		return { ms: Date.now() - started, value: await promise };
	} catch (error) {
		return { ms: Date.now() - started, error };
	}
}

describe("a black-holed connection", () => {
	let admin: Redis;
	beforeAll(() => {
		admin = new Redis(url);
	});
	afterAll(() => admin.disconnect());

	it("bounds every worker call, and the store reconnects by itself when the path returns", async () => {
		const proxy = await startProxy(Number(new URL(url).port || 6379));
		const store = await RedisJobStore.connect({
			port: proxy.port,
			prefix: uniquePrefix(),
			commandTimeoutMs: 500,
			workerTimeoutMs: 700,
		});
		try {
			await store.add([job(1), job(2), job(3)]);
			const [a, b] = await store.reserve({ limit: 2, leaseMs: LONG });
			proxy.holdRequests = true;

			const calls = await Promise.all([
				timed(store.ack(a!)),
				timed(store.extend({ leases: [b!], leaseMs: LONG })),
				timed(store.reserve({ limit: 1, leaseMs: LONG })),
				timed(store.sweep({ limit: 10 })),
				timed(store.add([job(4)])),
				timed(store.stats()),
			]);
			for (const call of calls) {
				expect(call.error).toBeInstanceOf(StoreUnavailableError);
				// Bounded by its timeout (0.5 or 0.7 s); the slack only keeps a busy box from flaking.
				expect(call.ms).toBeLessThan(3_000);
			}
			expect((calls[0]!.error as Error).message).toMatch(/no answer from Redis in time/);

			// The dead connections are closed by their socket timeout; the held requests die with them.
			await sleep(1_000);
			proxy.holdRequests = false;
			// Both connections come back (the worker's resends its calls once its handshake is
			// through): poll until the queue shows them.
			const settledState = { ready: 0, delayed: 0, active: 2, dead: 0, completed: 0 };
			let stats: unknown;
			for (let i = 0; i < 100 && JSON.stringify(stats) !== JSON.stringify(settledState); i++) {
				stats = await store.stats().catch(() => undefined);
				await sleep(50);
			}
			// ioredis sent the calls again on the new connection. The add was refused there (past
			// its deadline: job 4 never exists); the worker calls applied once: a is acked, and the
			// reserve leased job 3 to nobody (it comes back when that lease expires).
			expect(stats).toEqual(settledState);
			expect(await store.ack(a!)).toMatchObject({ ok: false });
			expect(await store.extend({ leases: [b!], leaseMs: LONG })).toEqual([{ ok: true }]);
			expect(await store.ack(b!)).toMatchObject({ ok: true });
		} finally {
			await store.close();
			await dropKeys(admin, store);
			await proxy.close();
		}
	});

	it("reopens a worker connection that a black hole killed for good", async () => {
		const proxy = await startProxy(Number(new URL(url).port || 6379));
		const store = await RedisJobStore.connect({
			port: proxy.port,
			prefix: uniquePrefix(),
			commandTimeoutMs: 500,
			workerTimeoutMs: 500,
		});
		try {
			await store.add([job(1), job(2)]);
			const [a, b] = await store.reserve({ limit: 2, leaseMs: LONG });
			proxy.blackHole = true;
			const lost = await timed(store.ack(a!));
			expect(lost.error).toBeInstanceOf(StoreUnavailableError);
			// The path is back, but the connection it swallowed never will be: only a new one works.
			proxy.blackHole = false;
			let renewed: unknown;
			const started = Date.now();
			while (Date.now() - started < 10_000) {
				renewed = await store.extend({ leases: [b!], leaseMs: LONG }).catch((e: unknown) => e);
				if (Array.isArray(renewed)) break;
			}
			expect(renewed).toEqual([{ ok: true }]);
			expect(Date.now() - started).toBeLessThan(5_000);
			expect((await store.ack(b!)).ok).toBe(true);
		} finally {
			await store.close();
			await dropKeys(admin, store);
			await proxy.close();
		}
	});
});
