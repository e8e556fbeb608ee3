/**
 * Redis unreachable: at start, and for a while mid-run (a real server stopped and started again
 * on the same port, with AOF). Producer calls fail within a bounded time with
 * StoreUnavailableError; worker calls wait; nothing hangs; everything resumes afterwards.
 */
import { StoreUnavailableError } from "@jobs/core";
import { freePort, type RedisServer, startRedisServer } from "@jobs/test-support";
import { Redis } from "ioredis";
import { afterEach, describe, expect, inject, it } from "vitest";
import { RedisJobStore } from "../src/index.js";
import { sleep, uniquePrefix } from "./support/harness.js";

const LONG = 600_000;
/** How long the mid-run outage lasts (the 10 s with OUTAGE_MS=10000). */
const OUTAGE_MS = Number(process.env.OUTAGE_MS ?? 3_000);
const job = (n: number) => ({ name: "outage", payload: JSON.stringify({ n }) });

/** Resolves with what `promise` settled to and how long it took. */
async function timed<T>(promise: Promise<T>): Promise<{ ms: number; value?: T; error?: unknown }> {
	const started = Date.now();
	try {
		const value = await promise;
		return { ms: Date.now() - started, value };
	} catch (error) {
		return { ms: Date.now() - started, error };
	}
}

describe.skipIf(!inject("canSpawnRedis"))("Redis unreachable", () => {
	const cleanup: (() => Promise<void>)[] = [];
	afterEach(async () => {
		for (const fn of cleanup.splice(0).reverse()) await fn();
	});

	it("at start: add rejects in bounded time, worker calls wait, and all resume once Redis is up", async () => {
		const port = await freePort();
		const store = await RedisJobStore.connect({
			port,
			prefix: uniquePrefix(),
			commandTimeoutMs: 2_000,
		});
		cleanup.push(() => store.close());

		const add = await timed(store.add([job(1)]));
		expect(add.error).toBeInstanceOf(StoreUnavailableError);
		// Bounded by commandTimeoutMs (2 s); the slack only keeps a busy machine from flaking.
		expect(add.ms).toBeLessThan(6_000);
		expect((add.error as Error).message).toMatch(/ECONNREFUSED|unavailable/i);
		// Redis was never reached: the store knows nothing was added.
		expect((add.error as Error).message).toContain("the jobs were not added, nothing was sent");
		await expect(store.stats()).rejects.toBeInstanceOf(StoreUnavailableError);

		// A worker waits: its wait returns on timeout, its reserve stays pending.
		const abort = new AbortController();
		const wait = await timed(store.waitForJob({ timeoutMs: 200, signal: abort.signal }));
		expect(wait.error).toBeUndefined();
		let reserved: unknown;
		const reserving = store.reserve({ limit: 5, leaseMs: LONG }).then((jobs) => {
			reserved = jobs;
			return jobs;
		});
		await sleep(300);
		expect(reserved).toBeUndefined();

		const server = await startRedisServer({ port });
		cleanup.push(() => server.stop());
		expect(await reserving).toEqual([]);
		const ids = (await store.add([job(2)])).map((r) => r.id);
		expect((await store.reserve({ limit: 5, leaseMs: LONG })).map((j) => j.id)).toEqual(ids);
	});

	it("does not spin on wake-ups when the caller's client fails commands at once while Redis is down", async () => {
		const server = await startRedisServer();
		cleanup.push(() => server.stop());
		// No offline queue: while the connection is down every command fails at once.
		const client = new Redis(server.url, { maxRetriesPerRequest: 0, enableOfflineQueue: false });
		client.on("error", () => {});
		await new Promise((resolve) => client.once("ready", resolve));
		let pops = 0;
		const duplicate = client.duplicate.bind(client);
		client.duplicate = (...args: Parameters<typeof client.duplicate>) => {
			const blocker = duplicate(...args);
			blocker.on("error", () => {});
			const blpop = blocker.blpop.bind(blocker);
			blocker.blpop = ((...a: Parameters<typeof blpop>) => {
				pops++;
				return blpop(...a);
			}) as typeof blocker.blpop;
			return blocker;
		};
		const store = RedisJobStore.fromClient(client, { prefix: uniquePrefix() });
		cleanup.push(async () => {
			await store.close();
			client.disconnect();
		});
		expect(await store.reserve({ limit: 1, leaseMs: LONG })).toEqual([]); // next due time known
		await server.stop();
		const abort = new AbortController();
		const started = Date.now();
		await store.waitForJob({ timeoutMs: 600, signal: abort.signal });
		expect(Date.now() - started).toBeGreaterThanOrEqual(550);
		console.info(`[outage] ${pops} BLPOP tries in 600 ms`);
		// About one try per 100 ms, not thousands.
		expect(pops).toBeGreaterThan(0);
		expect(pops).toBeLessThanOrEqual(12);
	});

	it(`mid-run (${OUTAGE_MS} ms): bounded add failures, waiting workers resume, no acknowledged add lost`, async () => {
		const server: RedisServer = await startRedisServer({
			args: ["--appendonly", "yes", "--appendfsync", "always"],
		});
		cleanup.push(() => server.stop());
		const prefix = uniquePrefix();
		const producer = await RedisJobStore.connect({
			url: server.url,
			prefix,
			commandTimeoutMs: 2_000,
		});
		const worker = await RedisJobStore.connect({ url: server.url, prefix });
		cleanup.push(
			() => producer.close(),
			() => worker.close(),
		);

		const before = (await producer.add([job(1), job(2), job(3)])).map((r) => r.id);
		const abort = new AbortController();
		cleanup.push(async () => abort.abort());
		await worker.waitForJob({ timeoutMs: 50, signal: abort.signal }); // subscribed
		const [held] = await worker.reserve({ limit: 1, leaseMs: LONG });
		expect(held?.id).toBe(before[0]);

		await server.stop();
		const outageStarted = Date.now();

		// Producer calls fail within a bounded time, again and again.
		for (let i = 0; i < 2; i++) {
			const add = await timed(producer.add([job(10 + i)]));
			expect(add.error).toBeInstanceOf(StoreUnavailableError);
			expect(add.ms).toBeLessThan(6_000);
		}
		// A waiting worker is not stuck: its wait returns on timeout.
		const wait = await timed(worker.waitForJob({ timeoutMs: 200, signal: abort.signal }));
		expect(wait.error).toBeUndefined();
		expect(wait.ms).toBeLessThan(3_000);
		// Worker calls wait for Redis instead of failing.
		const acking = worker.ack({
			id: held!.id,
			token: held!.token,
			reserve: { limit: 5, leaseMs: LONG },
		});
		const waiting = worker.waitForJob({ timeoutMs: 60_000, signal: abort.signal });

		await sleep(Math.max(0, OUTAGE_MS - (Date.now() - outageStarted)));
		await server.restart();

		const acked = await acking;
		expect(acked.ok).toBe(true);
		// Nothing acknowledged was lost across the restart (AOF): jobs 2 and 3 come next.
		expect(acked.next?.map((j) => j.id)).toEqual(before.slice(1));
		for (const j of acked.next ?? []) expect((await worker.ack(j)).ok).toBe(true);
		// The waiting worker resumed: the re-subscription wakes it.
		await waiting;
		const [later] = (await producer.add([job(99)])).map((r) => r.id);
		expect((await worker.reserve({ limit: 5, leaseMs: LONG })).map((j) => j.id)).toEqual([later]);
		// And the wake-up path works again after the restart.
		expect(await worker.reserve({ limit: 1, leaseMs: LONG })).toEqual([]);
		const woken = timed(worker.waitForJob({ timeoutMs: 30_000, signal: abort.signal }));
		await sleep(20);
		await producer.add([job(100)]);
		expect((await woken).ms).toBeLessThan(15_000);
	});
});
