/**
 * Store-specific behaviour against a live Redis: script cache flushes, connections killed with
 * jobs in flight, a lost reply to an add, numbers past 300,000,000, a large sweep, wake-ups.
 */
import {
	BadRecordError,
	IdsExhaustedError,
	InvalidOptionError,
	type LeasedJob,
	type NewJob,
} from "@jobs/core";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { RedisJobStore } from "../src/index.js";
import { dropKeys, sleep, uniquePrefix } from "./support/harness.js";
import { startProxy } from "./support/proxy.js";

const url = inject("redisUrl");
const LONG = 600_000;
const job = (n: number, extra: Partial<NewJob> = {}): NewJob => ({
	name: "live",
	payload: JSON.stringify({ n }),
	...extra,
});
const jobs = (count: number) => Array.from({ length: count }, (_, i) => job(i));

describe.skipIf(!url)("RedisJobStore on a live server", () => {
	let admin: Redis;
	const stores: RedisJobStore[] = [];
	const open = async (options: { url?: string; port?: number; commandTimeoutMs?: number } = {}) => {
		const store = await RedisJobStore.connect({ url, prefix: uniquePrefix(), ...options });
		stores.push(store);
		return store;
	};

	beforeAll(() => {
		admin = new Redis(url);
	});
	afterEach(async () => {
		for (const store of stores.splice(0)) {
			await store.close();
			await dropKeys(admin, store);
		}
	});
	afterAll(() => admin.quit());

	/** Kills every connection the store opened (they carry its prefix in their name). */
	const killConnections = async (store: RedisJobStore): Promise<number> => {
		const list = (await admin.client("LIST")) as string;
		const ids = list
			.split("\n")
			.filter((line) => line.includes(` name=jobs:${store.prefix}:`))
			.map((line) => /(?:^|\s)id=(\d+)/.exec(line)![1]!);
		for (const id of ids) await admin.client("KILL", "ID", id);
		return ids.length;
	};

	describe("script cache", () => {
		it("recovers from SCRIPT FLUSH between calls", async () => {
			const store = await open();
			const [id] = (await store.add(jobs(2))).map((r) => r.id);
			await admin.script("FLUSH");
			const [leased] = await store.reserve({ limit: 1, leaseMs: LONG });
			expect(leased?.id).toBe(id);
			await admin.script("FLUSH");
			const { ok, next } = await store.ack({ ...leased!, reserve: { limit: 1, leaseMs: LONG } });
			expect(ok).toBe(true);
			expect(next).toHaveLength(1);
			await admin.script("FLUSH");
			expect(await store.stats()).toMatchObject({ ready: 0, delayed: 0, active: 1, dead: 0 });
		});

		it("recovers from SCRIPT FLUSH while calls are in flight", async () => {
			const store = await open();
			const flusher = (async () => {
				for (let i = 0; i < 20; i++) {
					await admin.script("FLUSH");
					await sleep(1);
				}
			})();
			const added = (await Promise.all(Array.from({ length: 200 }, (_, i) => store.add([job(i)]))))
				.flat()
				.map((r) => r.id);
			const leased: LeasedJob[] = [];
			for (let round = 0; round < 50 && leased.length < 200; round++) {
				leased.push(...(await store.reserve({ limit: 10, leaseMs: LONG })));
			}
			await flusher;
			expect(leased.map((j) => j.id).toSorted()).toEqual(added.toSorted());
			const settled = await Promise.all(leased.map((j) => store.ack(j)));
			expect(settled.every((r) => r.ok)).toBe(true);
			expect(await store.stats()).toMatchObject({ ready: 0, delayed: 0, active: 0, dead: 0 });
		});

		it("never fails a call while SCRIPT FLUSH runs in a tight loop", async () => {
			// Many calls in flight on one socket: ioredis' own one-shot NOSCRIPT resend is not
			// enough here (it can go out as EVALSHA again and meet the next flush).
			const store = await open();
			const flusher = new Redis(url);
			let running = true;
			let flushes = 0;
			const flushing = (async () => {
				while (running) {
					await flusher.script("FLUSH");
					flushes++;
				}
			})();
			const failures: unknown[] = [];
			try {
				for (let round = 0; round < 300; round++) {
					const calls: Promise<unknown>[] = [
						...Array.from({ length: 20 }, () => store.stats()),
						store.add([job(round)]),
						store
							.reserve({ limit: 5, leaseMs: LONG })
							.then((leased) => Promise.all(leased.map((j) => store.ack(j)))),
					];
					for (const r of await Promise.allSettled(calls)) {
						if (r.status === "rejected") failures.push(r.reason);
					}
				}
			} finally {
				running = false;
				await flushing;
				flusher.disconnect();
			}
			expect(failures).toEqual([]);
			expect(flushes).toBeGreaterThan(20);
		});
	});

	describe("connection drops", () => {
		it("resumes after CLIENT KILL of its connections with jobs in flight: nothing lost or held twice", async () => {
			const store = await open();
			const added = (await store.add(jobs(400))).map((r) => r.id);
			const leaseMs = 600;
			/** Local time before which a job we hold may not be handed out again. */
			const heldUntil = new Map<string, number>();
			const seen = new Set<string>();
			const okAcks = new Map<string, number>();
			const violations: string[] = [];

			const take = (batch: LeasedJob[], sentAt: number) => {
				for (const j of batch) {
					const until = heldUntil.get(j.id);
					if (until !== undefined && sentAt < until)
						violations.push(`job ${j.id} handed out twice`);
					heldUntil.set(j.id, sentAt + leaseMs);
					seen.add(j.id);
				}
			};
			const worker = async () => {
				let sentAt = Date.now();
				let batch = await store.reserve({ limit: 3, leaseMs });
				take(batch, sentAt);
				while (batch.length > 0) {
					const next: LeasedJob[] = [];
					for (const j of batch) {
						sentAt = Date.now();
						const result = await store.ack({
							id: j.id,
							token: j.token,
							reserve: { limit: 1, leaseMs },
						});
						if (result.ok) okAcks.set(j.id, (okAcks.get(j.id) ?? 0) + 1);
						heldUntil.delete(j.id);
						take(result.next ?? [], sentAt);
						next.push(...(result.next ?? []));
					}
					batch = next;
				}
			};

			let killed = 0;
			const deadline = Date.now() + 15_000;
			while (Date.now() < deadline) {
				let done = false;
				const round = Promise.all(Array.from({ length: 4 }, worker)).finally(() => {
					done = true;
				});
				// Kill again and again while the round's calls are on the wire.
				while (!done) {
					await sleep(5);
					killed += await killConnections(store);
				}
				await round;
				const stats = await store.stats();
				if (stats.ready + stats.active === 0) break;
				if (stats.ready === 0) {
					// Leases whose reply was lost: wait them out, then sweep them back.
					await sleep(leaseMs + 50);
					await store.sweep({ limit: 1_000 });
				}
			}
			expect(killed).toBeGreaterThan(0);
			expect(violations).toEqual([]);
			expect(await store.stats()).toMatchObject({ ready: 0, delayed: 0, active: 0, dead: 0 });
			// Every job was handed out; none was acked twice.
			expect([...seen].toSorted()).toEqual(added.toSorted());
			expect([...okAcks.values()].every((n) => n === 1)).toBe(true);
		});

		it("wakes a waiting worker again after its wake-up connection was killed", async () => {
			const store = await open();
			const abort = new AbortController();
			await store.waitForJob({ timeoutMs: 50, signal: abort.signal }); // opens the subscription
			await store.reserve({ limit: 1, leaseMs: LONG });
			await store.waitForJob({ timeoutMs: 100, signal: abort.signal });
			await store.reserve({ limit: 1, leaseMs: LONG });
			await killConnections(store);
			// The reconnect itself wakes waiters (messages sent while down are lost)…
			await store.waitForJob({ timeoutMs: 10_000, signal: abort.signal });
			await store.reserve({ limit: 1, leaseMs: LONG });
			// …and an add after it wakes one, long before the timeout.
			const started = Date.now();
			const waiting = store.waitForJob({ timeoutMs: 10_000, signal: abort.signal });
			await sleep(20);
			await store.add([job(1)]);
			await waiting;
			expect(Date.now() - started).toBeLessThan(5_000);
			expect(await store.reserve({ limit: 1, leaseMs: LONG })).toHaveLength(1);
		});
	});

	describe("lost replies", () => {
		it("creates one job for an add whose reply was lost and that ioredis sent again", async () => {
			const port = Number(new URL(url).port || 6379);
			const proxy = await startProxy(port);
			try {
				const prefix = uniquePrefix();
				const store = await RedisJobStore.connect({ port: proxy.port, prefix });
				stores.push(store);
				await store.stats(); // connected, scripts loaded
				proxy.dropReplies = true;
				const adding = store.add([job(1), job(2)]);
				// Wait until Redis executed the add, then cut the connection before the reply.
				const ready = store.keys.ready;
				for (let i = 0; i < 200 && (await admin.llen(ready)) === 0; i++) await sleep(5);
				expect(await admin.llen(ready)).toBe(2);
				proxy.dropReplies = false;
				proxy.cutAll();
				const ids = (await adding).map((r) => r.id);
				expect(await admin.llen(ready)).toBe(2);
				const leased = await store.reserve({ limit: 10, leaseMs: LONG });
				expect(leased.map((j) => j.id)).toEqual(ids);
			} finally {
				await proxy.close();
			}
		});
	});

	describe("huge inputs", () => {
		it("adds 200,000 jobs in one add, in order, in calls of 10,000", async () => {
			const store = await open({ commandTimeoutMs: 30_000 });
			const results = await store.add(Array.from({ length: 200_000 }, (_, i) => job(i)));
			expect(results).toHaveLength(200_000);
			expect(results.map((r) => Number(r.id))).toEqual(
				Array.from({ length: 200_000 }, (_, i) => i + 1),
			);
			expect((await store.stats()).ready).toBe(200_000);
		});

		it("retries and removes dead jobs by 200,000 ids without overflowing the client", async () => {
			const store = await open({ commandTimeoutMs: 30_000 });
			await store.add([job(1), job(2)]);
			const leased = await store.reserve({ limit: 2, leaseMs: LONG });
			await Promise.all(leased.map((j) => store.fail({ ...j, error: { message: "x" } })));
			const ids = Array.from({ length: 200_000 }, (_, i) => `missing-${i}`);
			ids[150_000] = leased[0]!.id;
			expect(await store.retryDead({ ids })).toBe(1);
			ids[150_000] = leased[1]!.id;
			expect(await store.removeDead({ ids })).toBe(1);
			expect(await store.stats()).toMatchObject({ ready: 1, dead: 0 });
		});

		it("reads a dead letter of 2,500 in pages, oldest death first, offset and limit across pages", async () => {
			const store = await open({ commandTimeoutMs: 30_000 });
			const ids = (await store.add(Array.from({ length: 2_500 }, (_, i) => job(i)))).map(
				(r) => r.id,
			);
			for (;;) {
				const batch = await store.reserve({ limit: 500, leaseMs: LONG });
				if (batch.length === 0) break;
				for (const j of batch)
					expect((await store.fail({ ...j, error: { message: "x" } })).ok).toBe(true);
			}
			const all = await store.deadLetter();
			expect(all.map((j) => j.id)).toEqual(ids);
			const middle = await store.deadLetter({ offset: 900, limit: 1_300 });
			expect(middle.map((j) => j.id)).toEqual(ids.slice(900, 2_200));
			expect(await store.deadLetter({ offset: 2_400, limit: 1_000 })).toHaveLength(100);
		});
	});

	describe("numbers", () => {
		it("refuses an add that would assign an id past 2^53 - 1, changing nothing", async () => {
			const store = await open();
			const max = Number.MAX_SAFE_INTEGER;
			await admin.hset(store.keys.meta, "id", String(max - 2));
			const error = await store.add([job(1), job(2), job(3)]).catch((e: unknown) => e);
			expect(error).toBeInstanceOf(IdsExhaustedError);
			expect((error as IdsExhaustedError).code).toBe("JOBS_IDS_EXHAUSTED");
			expect(await admin.hget(store.keys.meta, "id")).toBe(String(max - 2));
			expect(await store.stats()).toMatchObject({ ready: 0, delayed: 0, active: 0, dead: 0 });
			const ids = (await store.add([job(1), job(2)])).map((r) => r.id);
			expect(ids).toEqual([String(max - 1), String(max)]);
			await expect(store.add([{ ...job(3), jobId: "order-3" }])).rejects.toBeInstanceOf(
				IdsExhaustedError,
			);
			expect((await store.reserve({ limit: 5, leaseMs: LONG })).map((j) => j.id)).toEqual(ids);
		});

		for (const start of [299_999_999, 999_999_999_999_998]) {
			it(`keeps ids past ${start.toLocaleString("en")} plain decimal in every state`, async () => {
				const store = await open();
				await admin.hset(store.keys.meta, "id", String(start), "dseq", String(start));
				const ids = (await store.add([job(1), job(2), job(3, { delay: 50 })])).map((r) => r.id);
				expect(ids).toEqual([start + 1, start + 2, start + 3].map((n) => BigInt(n).toString()));
				const raw = [
					...(await admin.lrange(store.keys.ready, 0, -1)),
					...(await admin.zrange(store.keys.delayed, "0", "-1", "WITHSCORES")),
				].join(" ");
				expect(raw).not.toMatch(/e\+/);
				const [a, b] = await store.reserve({ limit: 2, leaseMs: LONG });
				expect([a?.id, b?.id]).toEqual(ids.slice(0, 2));
				expect((await admin.hvals(store.keys.active)).join(" ")).not.toMatch(/e\+/);
				await store.fail({ ...a!, error: { message: "x" } });
				await store.retry({ ...b!, delay: 10, error: { message: "y" } });
				expect(await admin.zrange(store.keys.deadOrder, "0", "-1", "WITHSCORES")).toEqual([
					ids[0],
					BigInt(start + 1).toString(),
				]);
				const [dead] = await store.deadLetter();
				expect(dead?.id).toBe(ids[0]);
				await sleep(80);
				const again = await store.reserve({ limit: 5, leaseMs: LONG });
				expect(again.map((j) => j.id).toSorted()).toEqual([ids[1], ids[2]].toSorted());
				expect(await store.retryDead({ ids: [ids[0]!] })).toBe(1);
			});
		}
	});

	describe("sweep", () => {
		it("recovers 20,000 expired leases in bounded batches", async () => {
			const store = await open({ commandTimeoutMs: 30_000 });
			await store.add(Array.from({ length: 20_000 }, (_, i) => job(i)));
			let leased = 0;
			for (;;) {
				const batch = await store.reserve({ limit: 1_000, leaseMs: 1 });
				if (batch.length === 0) break;
				leased += batch.length;
			}
			expect(leased).toBe(20_000);
			await sleep(20);
			let recovered = 0;
			let calls = 0;
			for (;;) {
				const n = await store.sweep({ limit: 1_000 });
				recovered += n;
				calls++;
				if (n < 1_000) break;
			}
			expect(recovered).toBe(20_000);
			expect(calls).toBeGreaterThanOrEqual(20);
			expect(await store.stats()).toMatchObject({ ready: 20_000, delayed: 0, active: 0, dead: 0 });
		});
	});

	describe("sweep of large payloads", () => {
		it("bounds each call by the bytes of records it reads, and recovers everything over a few calls", async () => {
			const store = await open({ commandTimeoutMs: 30_000 });
			const big = JSON.stringify({ blob: "x".repeat(512 * 1024) });
			await store.add(Array.from({ length: 40 }, () => ({ name: "big", payload: big })));
			expect(await store.reserve({ limit: 40, leaseMs: 1 })).toHaveLength(40);
			await sleep(20);
			const counts: number[] = [];
			for (let total = 0; total < 40 && counts.length < 10; ) {
				const n = await store.sweep({ limit: 1_000 });
				counts.push(n);
				total += n;
			}
			// 40 × 0.5 MB is over one call's 8 MB budget: more than one call, none empty.
			expect(counts.length).toBeGreaterThan(1);
			expect(counts.every((n) => n > 0)).toBe(true);
			expect(counts.reduce((a, b) => a + b, 0)).toBe(40);
			const again = await store.reserve({ limit: 40, leaseMs: LONG });
			expect(again.every((j) => j.payload === big)).toBe(true);
		});
	});

	describe("bad input and bad data", () => {
		it("recovers a job whose active entry lost its lease part (a partial write or hand edit)", async () => {
			const store = await open();
			const [id] = (await store.add([job(1)])).map((r) => r.id);
			const [leased] = await store.reserve({ limit: 1, leaseMs: LONG });
			await admin.hset(store.keys.active, id!, "not a lease");
			expect(await store.extend({ leases: [leased!], leaseMs: LONG })).toEqual([
				{ ok: false, reason: "stale" },
			]);
			expect(await store.sweep({ limit: 10 })).toBe(1);
			const [again] = await store.reserve({ limit: 1, leaseMs: LONG });
			expect(again).toMatchObject({ id, attempts: 2, payload: leased!.payload });
			expect(again?.lastError?.message).toMatch(/expired/);
		});

		it("refuses a job it could not read back, and stores nothing", async () => {
			const store = await open();
			await expect(store.add([job(1), job(2, { maxAttempts: 2.5 })])).rejects.toBeInstanceOf(
				InvalidOptionError,
			);
			await expect(store.add([job(1, { delay: Number.NaN })])).rejects.toBeInstanceOf(
				InvalidOptionError,
			);
			expect(await store.stats()).toMatchObject({ ready: 0, delayed: 0, active: 0, dead: 0 });
		});

		it("sets a corrupt ready entry aside and leases the jobs around it, reporting it", async () => {
			const store = await open();
			const errors: Error[] = [];
			store.onError((error) => errors.push(error));
			await store.add([job(1)]);
			await admin.rpush(store.keys.ready, "not a job record");
			await store.add([job(2)]);
			const leased = await store.reserve({ limit: 10, leaseMs: LONG });
			expect(leased.map((j) => j.payload)).toEqual([job(1).payload, job(2).payload]);
			expect(errors).toHaveLength(1);
			expect(errors[0]).toBeInstanceOf(BadRecordError);
			expect(errors[0]!.message).toMatch(
				/reserve set aside .*ready entry not a job record: not a seq/,
			);
			expect(await admin.hgetall(store.keys.quarantine)).toEqual({ "ready:not a job record": "" });
			expect(await store.stats()).toMatchObject({ ready: 0, active: 2 });
		});

		it("restores a lost due-time marker on sweep, so delayed jobs still fall due", async () => {
			const store = await open();
			const [id] = (await store.add([job(1, { delay: 30 })])).map((r) => r.id);
			await admin.hdel(store.keys.active, ":due");
			await sleep(60);
			expect(await store.reserve({ limit: 1, leaseMs: LONG })).toEqual([]);
			await store.sweep({ limit: 10 });
			expect((await store.reserve({ limit: 1, leaseMs: LONG })).map((j) => j.id)).toEqual([id]);
		});
	});

	describe("wake-ups and batching", () => {
		it("wakes an idle worker on add long before its poll timeout", async () => {
			const store = await open();
			// Another client adds to the worker store's queue.
			const shared = RedisJobStore.fromClient(admin, { prefix: store.prefix });
			const abort = new AbortController();
			await store.waitForJob({ timeoutMs: 50, signal: abort.signal });
			expect(await store.reserve({ limit: 1, leaseMs: LONG })).toEqual([]);
			const started = Date.now();
			const waiting = store.waitForJob({ timeoutMs: 20_000, signal: abort.signal });
			await sleep(10);
			await shared.add([job(1)]);
			await waiting;
			expect(Date.now() - started).toBeLessThan(10_000);
			expect(await store.reserve({ limit: 1, leaseMs: LONG })).toHaveLength(1);
			await shared.close();
		});

		it("wakes an idle worker when a delayed job it did not know of falls due", async () => {
			const store = await open();
			const abort = new AbortController();
			await store.waitForJob({ timeoutMs: 50, signal: abort.signal });
			expect(await store.reserve({ limit: 1, leaseMs: LONG })).toEqual([]);
			const waiting = store.waitForJob({ timeoutMs: 20_000, signal: abort.signal });
			const started = Date.now();
			await store.add([job(1, { delay: 150 })]);
			await waiting; // woken by the add: the due time moved earlier
			expect(await store.reserve({ limit: 1, leaseMs: LONG })).toEqual([]);
			await store.waitForJob({ timeoutMs: 20_000, signal: abort.signal });
			expect(Date.now() - started).toBeLessThan(10_000);
			expect(await store.reserve({ limit: 1, leaseMs: LONG })).toHaveLength(1);
		});

		it("gives concurrent adds their own ids in call order", async () => {
			const store = await open();
			const results = await Promise.all(
				Array.from({ length: 100 }, (_, i) =>
					store.add(i % 10 === 0 ? [job(i), job(i + 0.5)] : [job(i)]),
				),
			);
			const all = results.flat().map((r) => r.id);
			expect(new Set(all).size).toBe(110);
			expect(all.map(Number)).toEqual(all.map(Number).toSorted((a, b) => a - b));
			const leased = await store.reserve({ limit: 200, leaseMs: LONG });
			expect(leased.map((j) => j.id)).toEqual(all);
		});
	});
});
