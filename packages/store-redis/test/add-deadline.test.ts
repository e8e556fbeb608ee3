/**
 * An `add` carries a deadline in server time, past which Redis refuses it, and its add key is
 * kept until a little after that deadline, whatever the number of other adds:
 * - an add that rejected never applies later, even when its bytes reach Redis late;
 * - producers ride through a short restart, sending the call again with the same key;
 * - the add keys a queue remembers are bounded by time and forgotten by adds and sweeps.
 */
import { StoreUnavailableError } from "@jobs/core";
import { startRedisServer } from "@jobs/test-support";
import type { Redis } from "ioredis";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { RedisJobStore } from "../src/index.js";
import { sleep, storesCleanedUp, uniquePrefix } from "./support/harness.js";
import { startProxy } from "./support/proxy.js";

const url = inject("redisUrl");
const LONG = 600_000;
const job = (n: number) => ({ name: "deadline", payload: JSON.stringify({ n }) });

describe("the deadline of an add", () => {
	const { admin: adminClient, stores } = storesCleanedUp(url);
	let admin: Redis;
	beforeAll(() => {
		admin = adminClient();
	});

	it("an add that rejected never applies, even when Redis receives it after the timeout", async () => {
		const proxy = await startProxy(Number(new URL(url).port || 6379));
		try {
			const store = await RedisJobStore.connect({
				port: proxy.port,
				prefix: uniquePrefix(),
				commandTimeoutMs: 300,
			});
			stores.push(store);
			await store.add([job(0)]); // connected, scripts loaded, server clock read
			proxy.holdRequests = true; // a black hole: no reply, no reset
			const error = await store.add([job(1)]).catch((e: unknown) => e);
			expect(error).toBeInstanceOf(StoreUnavailableError);
			expect((error as Error).message).toMatch(/if they were not, they never will be/);
			// The held request reaches Redis now, after the add rejected: Redis refuses it.
			proxy.holdRequests = false;
			await sleep(100);
			expect(await store.stats()).toMatchObject({ ready: 1 });
			expect(await admin.lrange(store.keys.ready, 0, -1)).toEqual(["1"]);
		} finally {
			await proxy.close();
		}
	});

	it("an add held back within its timeout still applies once, and resolves", async () => {
		const proxy = await startProxy(Number(new URL(url).port || 6379));
		try {
			const store = await RedisJobStore.connect({
				port: proxy.port,
				prefix: uniquePrefix(),
				commandTimeoutMs: 3_000,
			});
			stores.push(store);
			await store.add([job(0)]);
			proxy.holdRequests = true;
			const adding = store.add([job(1)]);
			await sleep(200);
			proxy.holdRequests = false;
			expect((await adding).map((r) => r.id)).toEqual(["2"]);
			expect(await store.stats()).toMatchObject({ ready: 2 });
		} finally {
			await proxy.close();
		}
	});

	it("recognises a resent add after any number of other adds while its key is kept", async () => {
		const proxy = await startProxy(Number(new URL(url).port || 6379));
		try {
			const prefix = uniquePrefix();
			const store = await RedisJobStore.connect({ port: proxy.port, prefix });
			stores.push(store);
			await store.add([job(0)]);
			proxy.dropReplies = true;
			const adding = store.add([job(1), job(2)]);
			for (let i = 0; i < 200 && (await admin.llen(store.keys.ready)) < 3; i++) await sleep(5);
			// 20,000 other add calls' keys since (the old window kept the last 10,000 calls).
			const keepUntil = (Date.now() + 60_000).toString(36);
			const others: (string | number)[] = [];
			for (let i = 0; i < 20_000; i++) others.push(1_000 + i, `${keepUntil}.other${i}`);
			for (let i = 0; i < others.length; i += 2_000) {
				await admin.zadd(store.keys.adds, ...others.slice(i, i + 2_000));
			}
			// Another producer's add, which forgets keys past their time only.
			const other = await RedisJobStore.connect({ url, prefix });
			stores.push(other);
			await other.add(Array.from({ length: 1_100 }, (_, i) => job(3 + i)));
			proxy.dropReplies = false;
			proxy.cutAll(); // ioredis sends the add again on the new connection
			expect((await adding).map((r) => r.id)).toEqual(["2", "3"]);
			const ready = await admin.lrange(store.keys.ready, 0, -1);
			expect(ready).toEqual(Array.from({ length: 1_103 }, (_, i) => String(i + 1)));
		} finally {
			await proxy.close();
		}
	});

	it("forgets add keys once they are past their time, in adds and in sweeps", async () => {
		const store = await RedisJobStore.connect({
			url,
			prefix: uniquePrefix(),
			commandTimeoutMs: 200,
		});
		stores.push(store);
		for (let i = 0; i < 30; i++) await store.add([job(i)]);
		expect(await admin.zcard(store.keys.adds)).toBe(30);
		// Kept for the timeout plus max(1 s, timeout) after the call.
		await sleep(1_400);
		await store.sweep({ limit: 10 });
		expect(await admin.zcard(store.keys.adds)).toBe(0);
		for (let i = 0; i < 5; i++) await store.add([job(i)]);
		await sleep(1_400);
		await store.add([job(99)]); // an add forgets up to 8 old keys
		expect(await admin.zcard(store.keys.adds)).toBe(1);
	});
});

describe.skipIf(!inject("canSpawnRedis"))("a producer during a 1 s Redis restart", () => {
	it("rejects no add, and every add is stored exactly once", async () => {
		const server = await startRedisServer({
			args: ["--appendonly", "yes", "--appendfsync", "always"],
		});
		const store = await RedisJobStore.connect({ url: server.url, prefix: uniquePrefix() });
		try {
			await store.add([job(-1)]);
			const adds: Promise<string[]>[] = [];
			let adding = true;
			const producer = (async () => {
				for (let n = 0; adding; n++) {
					adds.push(store.add([job(n)]).then((results) => results.map((r) => r.id)));
					await sleep(2);
				}
			})();
			await sleep(300);
			server.kill("SIGKILL");
			await sleep(1_000);
			await server.restart();
			await sleep(300);
			adding = false;
			await producer;
			const settled = await Promise.allSettled(adds);
			const rejected = settled.filter((s) => s.status === "rejected");
			expect(rejected).toEqual([]);
			const ids = settled.flatMap((s) => (s.status === "fulfilled" ? s.value : []));
			expect(ids.length).toBe(adds.length);
			expect(new Set(ids).size).toBe(ids.length);
			// Stored exactly once each, plus the first one.
			expect(await store.stats()).toMatchObject({ ready: adds.length + 1 });
			const leased = await store.reserve({ limit: adds.length + 1, leaseMs: LONG });
			expect(leased.map((j) => j.id).toSorted()).toEqual(["1", ...ids].toSorted());
		} finally {
			await store.close();
			await server.stop();
		}
	}, 30_000);
});
