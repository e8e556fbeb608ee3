/**
 * Settles made in one burst (`ack`, `retry`, `fail`, `release` called in the same tick) share
 * one script call: each keeps its own fencing, outcome, next jobs and errors.
 */
import {
	BadRecordError,
	InvalidOptionError,
	type LeasedJob,
	type NewJob,
	StoreUnavailableError,
} from "@jobs/core";
import { type RedisServer, startRedisServer } from "@jobs/test-support";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { TokenSource } from "../src/codec.js";
import { RedisJobStore, recordKey } from "../src/index.js";
import { dropKeys, sleep, uniquePrefix } from "./support/harness.js";

const url = inject("redisUrl");
const LONG = 600_000;
const job = (n: number, extra: Partial<NewJob> = {}): NewJob => ({
	name: "batch",
	payload: JSON.stringify({ n }),
	...extra,
});
const jobs = (count: number) => Array.from({ length: count }, (_, i) => job(i));
const next = (limit = 1, leaseMs = LONG) => ({ reserve: { limit, leaseMs } });
const idsOf = (list: readonly LeasedJob[] | undefined) => (list ?? []).map((j) => j.id);

/** Counts the script calls (EVALSHA or EVAL) `client` sends, and the arguments of each. */
function countScripts(client: Redis): { readonly calls: number; readonly args: number[] } {
	const counter = { calls: 0, args: [] as number[] };
	const send = client.sendCommand.bind(client);
	vi.spyOn(client, "sendCommand").mockImplementation((command, stream) => {
		if (/^eval/i.test(command.name)) {
			counter.calls++;
			counter.args.push(command.args.length);
		}
		return send(command, stream);
	});
	return counter;
}

/** Acks in a settle-many call: sha, key count, 1 key, token base, jobIdHistory, then 5 per ack. */
const acksIn = (args: number) => (args - 5) / 5;

describe.skipIf(!url)("batched settles", () => {
	let admin: Redis;
	const cleanup: (() => Promise<unknown>)[] = [];

	/** A store on a client of its own, with a count of the script calls it sends. */
	const open = () => {
		const client = new Redis(url!, { maxRetriesPerRequest: null });
		const store = RedisJobStore.fromClient(client, { prefix: uniquePrefix("batch") });
		const scripts = countScripts(client);
		cleanup.push(async () => {
			await store.close();
			await dropKeys(admin, store);
			client.disconnect();
		});
		return { store, client, scripts };
	};

	beforeAll(() => {
		admin = new Redis(url!);
	});
	afterEach(async () => {
		vi.restoreAllMocks();
		for (const fn of cleanup.splice(0).reverse()) await fn();
	});
	afterAll(() => admin.quit());

	it("settles one tick's calls in one script call; a stale token in the middle changes only its own entry", async () => {
		const { store, scripts } = open();
		const ids = (await store.add(jobs(5))).map((r) => r.id);
		const [a, b, c] = await store.reserve({ limit: 3, leaseMs: LONG });
		const before = scripts.calls;
		const results = await Promise.all([
			store.ack({ ...a!, ...next() }),
			store.ack({ id: b!.id, token: `${b!.token}x`, ...next() }),
			store.ack({ ...c!, ...next() }),
		]);
		expect(scripts.calls - before).toBe(1);
		expect(results.map((r) => r.ok)).toEqual([true, false, true]);
		// The stale entry leased nothing; the others got the next jobs in order.
		expect(results.map((r) => idsOf(r.next))).toEqual([[ids[3]], [], [ids[4]]]);
		// b is untouched: still active under its real token.
		expect(await store.stats()).toMatchObject({ ready: 0, delayed: 0, active: 3, dead: 0 });
		expect((await store.ack(b!)).ok).toBe(true);
	});

	it("lets a second settle of the same id in one batch see the first one's effect", async () => {
		const { store, scripts } = open();
		const ids = (await store.add(jobs(4))).map((r) => r.id);
		const [a, b, c] = await store.reserve({ limit: 3, leaseMs: LONG });
		const before = scripts.calls;
		const results = await Promise.all([
			store.ack(a!),
			store.ack(a!),
			store.retry({ ...b!, delay: LONG, error: { message: "later" } }),
			store.ack(b!),
			store.release(c!),
			store.fail({ ...c!, error: { message: "too late" } }),
		]);
		expect(scripts.calls - before).toBe(1);
		expect(results.map((r) => r.ok)).toEqual([true, false, true, false, true, false]);
		// a is gone, b waits in `delayed`, c is back at the head of `ready` and not dead.
		expect(await store.stats()).toMatchObject({ ready: 2, delayed: 1, active: 0, dead: 0 });
		const again = await store.reserve({ limit: 5, leaseMs: LONG });
		expect(idsOf(again)).toEqual([c!.id, ids[3]]);
		expect(again[0]).toMatchObject({ attempts: 1, payload: c!.payload });
		expect(again[0]!.lastError).toBeUndefined();
	});

	it("runs mixed ops in one batch and hands the next jobs out in entry order, each with its own lease", async () => {
		const { store, scripts } = open();
		const ids = (await store.add(jobs(8))).map((r) => r.id);
		const [j1, j2, j3, j4] = await store.reserve({ limit: 4, leaseMs: LONG });
		const before = scripts.calls;
		const [acked, retried, failed, released] = await Promise.all([
			store.ack({ ...j1!, ...next(1, 200) }),
			store.retry({ ...j2!, delay: 0, error: { message: "again" }, ...next() }),
			store.fail({ ...j3!, error: { name: "Boom", message: "dead" }, ...next() }),
			store.release({ ...j4!, ...next(2) }),
		]);
		expect(scripts.calls - before).toBe(1);
		expect([acked, retried, failed, released].map((r) => r!.ok)).toEqual([true, true, true, true]);
		// In order: j4 went back to the head of `ready`, j2 (due now) was promoted to its tail,
		// then the 5 next jobs were taken from the head.
		expect([acked, retried, failed, released].map((r) => idsOf(r!.next))).toEqual([
			[j4!.id],
			[ids[4]],
			[ids[5]],
			[ids[6], ids[7]],
		]);
		expect(acked!.next![0]).toMatchObject({ attempts: 1 });
		expect(await store.stats()).toMatchObject({ ready: 1, delayed: 0, active: 5, dead: 1 });
		const [dead] = await store.deadLetter();
		expect(dead).toMatchObject({
			id: j3!.id,
			attempts: 1,
			error: { name: "Boom", message: "dead" },
		});
		const [retry] = await store.reserve({ limit: 1, leaseMs: LONG });
		expect(retry).toMatchObject({ id: j2!.id, attempts: 2, lastError: { message: "again" } });
		// Only the job leased for 200 ms (to the ack) expires.
		await sleep(300);
		expect(await store.sweep({ limit: 10 })).toBe(1);
		const [swept] = await store.reserve({ limit: 1, leaseMs: LONG });
		expect(swept?.id).toBe(j4!.id);
	});

	it("rejects a bad argument on its own call only, before batching", async () => {
		const { store, scripts } = open();
		await store.add(jobs(2));
		const [a, b] = await store.reserve({ limit: 2, leaseMs: LONG });
		const before = scripts.calls;
		const results = await Promise.allSettled([
			store.ack(a!),
			store.ack({ id: 1 as unknown as string, token: "t" }),
			store.retry({ ...b!, delay: -1, error: { message: "x" } }),
			store.fail({ ...b!, error: "nope" as never }),
			store.ack({ ...b!, reserve: { limit: 0, leaseMs: LONG } }),
			store.ack(b!),
		]);
		expect(scripts.calls - before).toBe(1);
		expect(results.map((r) => r.status)).toEqual([
			"fulfilled",
			"rejected",
			"rejected",
			"rejected",
			"rejected",
			"fulfilled",
		]);
		for (const r of results) {
			if (r.status === "rejected") expect(r.reason).toBeInstanceOf(InvalidOptionError);
			else expect(r.value.ok).toBe(true);
		}
	});

	it("fails only the entry whose record cannot be read, and changes nothing for it", async () => {
		const { store } = open();
		await store.add(jobs(2));
		const [a, b] = await store.reserve({ limit: 2, leaseMs: LONG });
		const lease = (await admin.hget(store.keys.active, a!.id))!;
		const damaged = "1N99|too short for its name";
		await admin.hset(recordKey(store.keys, a!.id), a!.id, damaged);
		const [retried, acked] = await Promise.allSettled([
			store.retry({ ...a!, delay: 0, error: { message: "x" } }),
			store.ack({ ...b!, ...next() }),
		]);
		expect(retried.status).toBe("rejected");
		expect((retried as PromiseRejectedResult).reason).toBeInstanceOf(BadRecordError);
		expect((retried as PromiseRejectedResult).reason.message).toMatch(/corrupt data/);
		expect(acked).toMatchObject({ status: "fulfilled", value: { ok: true, next: [] } });
		expect(await admin.hget(store.keys.active, a!.id)).toBe(lease);
		expect(await admin.hget(recordKey(store.keys, a!.id), a!.id)).toBe(damaged);
	});

	it("caps a batch at 500 settles", async () => {
		const { store, scripts } = open();
		await store.add(jobs(1_200));
		const leased: LeasedJob[] = [];
		while (leased.length < 1_200)
			leased.push(...(await store.reserve({ limit: 1_000, leaseMs: LONG })));
		const before = scripts.calls;
		const results = await Promise.all(leased.map((j) => store.ack(j)));
		// 500 at once (in two halves: nothing else was in flight), 500, then the last 200.
		expect(scripts.args.slice(before).map(acksIn)).toEqual([250, 250, 500, 200]);
		expect(results.every((r) => r.ok)).toBe(true);
		expect(await store.stats()).toMatchObject({ ready: 0, delayed: 0, active: 0, dead: 0 });
	});

	it("sends a large burst as two calls in order while none is in flight; the same id across them still sees the first settle", async () => {
		const { store, scripts } = open();
		await store.add(jobs(50));
		const leased = await store.reserve({ limit: 50, leaseMs: LONG });
		const before = scripts.calls;
		// 40 settles: entries 19 and 20, on either side of the split, settle the same lease.
		const calls = [...leased.slice(0, 20), leased[19]!, ...leased.slice(20, 39)];
		const results = await Promise.all(calls.map((j) => store.ack(j)));
		expect(scripts.args.slice(before).map(acksIn)).toEqual([20, 20]);
		expect(results.map((r) => r.ok)).toEqual(calls.map((_, i) => i !== 20));
		expect(await store.stats()).toMatchObject({ ready: 0, delayed: 0, active: 11, dead: 0 });
		// A small burst stays one call.
		const mark = scripts.calls;
		const small = await Promise.all(leased.slice(39).map((j) => store.ack(j)));
		expect(small.every((r) => r.ok)).toBe(true);
		expect(scripts.args.slice(mark).map(acksIn)).toEqual([11]);
	});

	it("sends settles called right before close()", async () => {
		const store = await RedisJobStore.connect({ url, prefix: uniquePrefix("batch") });
		cleanup.push(() => dropKeys(admin, store));
		await store.add(jobs(2));
		const leased = await store.reserve({ limit: 2, leaseMs: LONG });
		const settling = Promise.all(leased.map((j) => store.ack(j)));
		const closing = store.close();
		expect((await settling).map((r) => r.ok)).toEqual([true, true]);
		await closing;
		expect(await admin.hmget(store.keys.active, ...leased.map((j) => j.id))).toEqual([null, null]);
	});

	it("hands out tokens that are unique across calls and stores", async () => {
		const { store } = open();
		const { store: other } = open();
		await store.add(jobs(600));
		const tokens: string[] = [];
		for (const s of [store, other, store, other]) {
			for (let i = 0; i < 30; i++) {
				const leased = await s.reserve({ limit: 5, leaseMs: LONG });
				tokens.push(...leased.map((j) => j.token));
				const results = await Promise.all(leased.map((j) => s.ack({ ...j, ...next() })));
				tokens.push(...results.flatMap((r) => (r.next ?? []).map((j) => j.token)));
			}
		}
		expect(tokens.length).toBe(600);
		expect(new Set(tokens).size).toBe(tokens.length);
	});
});

describe("lease tokens", () => {
	it("are unique over many calls, and differ between sources from the first character on", () => {
		const a = new TokenSource();
		const b = new TokenSource();
		const seen = new Set<string>();
		for (let i = 0; i < 100_000; i++) seen.add(a.next());
		expect(seen.size).toBe(100_000);
		const [first] = seen;
		expect(first).toMatch(/^[\w-]{16}[0-9a-z]+$/);
		expect(b.next().slice(0, 16)).not.toBe(first!.slice(0, 16));
	});

	it("draws a fresh random prefix before the counter could lose precision", () => {
		const source = new TokenSource(3);
		const tokens = Array.from({ length: 7 }, () => source.next());
		expect(new Set(tokens).size).toBe(7);
		const prefixes = tokens.map((t) => t.slice(0, 16));
		expect(new Set(prefixes).size).toBe(3);
		expect(prefixes[0]).toBe(prefixes[2]);
		expect(prefixes[3]).not.toBe(prefixes[2]);
	});
});

describe.skipIf(!inject("canSpawnRedis"))("batched settles during an outage", () => {
	let server: RedisServer;
	const cleanup: (() => Promise<unknown>)[] = [];
	beforeAll(async () => {
		server = await startRedisServer({ args: ["--appendonly", "yes", "--appendfsync", "always"] });
	});
	afterEach(async () => {
		vi.restoreAllMocks();
		for (const fn of cleanup.splice(0).reverse()) await fn();
	});
	afterAll(() => server.stop());

	it("rejects every call of the batch with StoreUnavailableError on a client that gives up", async () => {
		const client = new Redis(server.url, { maxRetriesPerRequest: 1, retryStrategy: () => 100 });
		client.on("error", () => {});
		const scripts = countScripts(client);
		const store = RedisJobStore.fromClient(client, { prefix: uniquePrefix("outage") });
		cleanup.push(async () => {
			await store.close();
			client.disconnect();
		});
		await store.add(jobs(4));
		const [a, b, c] = await store.reserve({ limit: 3, leaseMs: LONG });
		await server.stop();
		const before = scripts.calls;
		const results = await Promise.allSettled([
			store.ack({ ...a!, ...next() }),
			store.retry({ ...b!, delay: 0, error: { message: "x" } }),
			store.fail({ ...c!, error: { message: "y" } }),
			store.release({ id: a!.id, token: undefined as never }),
		]);
		expect(scripts.calls - before).toBe(1);
		const reasons = results.map((r) => (r as PromiseRejectedResult).reason);
		expect(results.every((r) => r.status === "rejected")).toBe(true);
		for (const reason of reasons.slice(0, 3)) expect(reason).toBeInstanceOf(StoreUnavailableError);
		expect(reasons[3]).toBeInstanceOf(InvalidOptionError);
		expect(reasons[0].message).toMatch(/\(ack\)/);
		expect(reasons[1].message).toMatch(/\(retry\)/);
		await server.restart();
		// Nothing was applied: all three are still leased under their tokens.
		const results2 = await Promise.all([store.ack(a!), store.ack(b!), store.ack(c!)]);
		expect(results2.map((r) => r.ok)).toEqual([true, true, true]);
	});

	it("waits through an outage on the worker connection and settles the whole batch once Redis is back", async () => {
		const store = await RedisJobStore.connect({ url: server.url, prefix: uniquePrefix("outage") });
		cleanup.push(() => store.close());
		const ids = (await store.add(jobs(5))).map((r) => r.id);
		const [a, b, c] = await store.reserve({ limit: 3, leaseMs: LONG });
		await server.stop();
		const settling = Promise.all([
			store.ack({ ...a!, ...next() }),
			store.ack({ id: b!.id, token: "stale", ...next() }),
			store.release({ ...c!, ...next(2) }),
		]);
		await sleep(300);
		await server.restart();
		const [acked, stale, released] = await settling;
		expect([acked.ok, stale.ok, released.ok]).toEqual([true, false, true]);
		expect(idsOf(acked.next)).toEqual([c!.id]);
		expect(idsOf(stale.next)).toEqual([]);
		expect(idsOf(released.next)).toEqual([ids[3], ids[4]]);
	});
});
