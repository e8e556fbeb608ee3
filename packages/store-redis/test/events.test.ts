/**
 * The event stream on Redis beyond the contract: off by default (no stream written, no event
 * code in the scripts), the cap, a reader told when the cap dropped events it had not read, and
 * a blocked reader woken at once by a change made through another store (another process).
 */
import type { Redis } from "ioredis";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { RedisJobStore } from "../src/index.js";
import { loadLua, scriptSpecs } from "../src/scripts.js";
import { storesCleanedUp, uniquePrefix } from "./support/harness.js";

const url = inject("redisUrl");
const LONG = 600_000;
const jobs = (count: number) =>
	Array.from({ length: count }, (_, n) => ({ name: "ev", payload: JSON.stringify({ n }) }));

describe("the scripts' event cap", () => {
	it("is compiled into every script: 0 when events are off, the cap when on", () => {
		for (const file of Object.values(scriptSpecs)) {
			expect(loadLua(file)).toMatch(/^local EVENTS_MAX = 0$/m);
			expect(loadLua(file, 777)).toMatch(/^local EVENTS_MAX = 777$/m);
		}
	});
});

describe.skipIf(!url)("events on Redis", () => {
	const { admin: adminClient, stores } = storesCleanedUp(url!);
	let admin: Redis;
	const open = async (
		options: { events?: boolean | { maxLen?: number }; prefix?: string } = {},
	) => {
		const store = await RedisJobStore.connect({ url, prefix: uniquePrefix("events"), ...options });
		stores.push(store);
		return store;
	};
	beforeAll(() => {
		admin = adminClient();
	});

	it("writes no stream and declares no events capability when events are off", async () => {
		const store = await open();
		expect(store.capabilities.events).toBeUndefined();
		await store.add(jobs(3));
		for (const job of await store.reserve({ limit: 3, leaseMs: LONG })) await store.ack(job);
		expect(await admin.exists(store.keys.events)).toBe(0);
		await expect(store.readEvents({ limit: 1 })).rejects.toMatchObject({
			code: "JOBS_UNSUPPORTED",
		});
	});

	it("caps the stream, and tells a reader whose cursor's successors were trimmed", async () => {
		const store = await open({ events: { maxLen: 100 } });
		await store.add(jobs(1));
		const early = await store.eventsCursor();
		for (let i = 0; i < 10; i++) await store.add(jobs(100));
		// MAXLEN ~ trims whole stream nodes: a little more than the cap may stay.
		expect(await admin.xlen(store.keys.events)).toBeLessThan(400);
		const page = await store.readEvents({ after: early, limit: 10 });
		expect(page.missed).toBe(true);
		const latest = await store.eventsCursor();
		await store.add(jobs(1));
		const fresh = await store.readEvents({ after: latest, limit: 10 });
		expect(fresh.missed).toBe(false);
		expect(fresh.events).toHaveLength(1);
	});

	it("wakes a blocked reader at once when another store instance changes a job", async () => {
		const prefix = uniquePrefix("events");
		const reader = await open({ events: true, prefix });
		const writer = await open({ events: true, prefix });
		const cursor = await reader.eventsCursor();
		const reading = reader.readEvents({ after: cursor, limit: 10, waitMs: 10_000 });
		await new Promise((resolve) => setTimeout(resolve, 50));
		const started = Date.now();
		const [added] = await writer.add(jobs(1));
		const page = await reading;
		expect(Date.now() - started).toBeLessThan(1_000);
		expect(page.events.map((e) => [e.type, e.jobId])).toEqual([["added", added!.id]]);
		expect(page.events[0]!.at).toBeGreaterThan(Date.now() - 60_000);
	});

	it("refuses a cursor that is not a stream id", async () => {
		const store = await open({ events: true });
		await expect(store.readEvents({ after: "12", limit: 1 })).rejects.toMatchObject({
			code: "JOBS_INVALID_OPTION",
		});
		await expect(RedisJobStore.connect({ url, events: { maxLen: 0 } })).rejects.toMatchObject({
			code: "JOBS_INVALID_OPTION",
		});
	});
});
