/**
 * The event stream on Redis beyond the contract: off by default (no stream written, no event
 * code in the scripts), the cap, a reader told when the cap dropped events it had not read, and
 * a blocked reader woken at once by a change made through another store (another process).
 */

import { JOB_EVENT_TYPES } from "@jobs/core/store";
import type { Redis } from "ioredis";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { EVENT_TYPES } from "../src/codec.js";
import { RedisJobStore } from "../src/index.js";
import { loadLua, scriptSpecs } from "../src/scripts.js";
import { storesCleanedUp, uniquePrefix } from "./support/harness.js";

const url = inject("redisUrl");
const LONG = 600_000;
const jobs = (count: number) =>
	Array.from({ length: count }, (_, n) => ({ name: "ev", payload: JSON.stringify({ n }) }));

describe("the scripts' event cap and codes", () => {
	it("writes each event type by a code the reader knows, and every type has one", () => {
		const lua = loadLua("lib/common");
		const table = lua.slice(
			lua.indexOf("local EVENT_CODES = {"),
			lua.indexOf("}", lua.indexOf("local EVENT_CODES = {")),
		);
		const codes = Object.fromEntries(
			[...table.matchAll(/(\w+) = '(\w\w)'/g)].map(([, type, code]) => [code!, type!]),
		);
		expect(codes).toEqual(EVENT_TYPES);
		expect(Object.values(EVENT_TYPES).sort()).toEqual([...JOB_EVENT_TYPES].sort());
	});

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

	/** The events the stream holds (the sum of its entries' counts) and the oldest one's number. */
	async function kept(store: RedisJobStore): Promise<{ events: number; oldest: number }> {
		const entries = await admin.xrange(store.keys.events, "-", "+");
		let events = 0;
		for (const [, fields] of entries) events += Number(fields[3]);
		const [id, fields] = entries[0]!;
		return { events, oldest: Number(id.split("-")[0]) - Number(fields[3]) + 1 };
	}

	it("caps the stream, and tells a reader whose cursor's successors were trimmed", async () => {
		const store = await open({ events: { maxLen: 100 } });
		await store.add(jobs(1));
		const early = await store.eventsCursor();
		for (let i = 0; i < 10; i++) await store.add(jobs(100));
		// MINID ~ trims whole stream nodes: a little more than the cap may stay, never less.
		const { events, oldest } = await kept(store);
		expect(events).toBeGreaterThanOrEqual(100);
		expect(events).toBeLessThan(400);
		const page = await store.readEvents({ after: early, limit: 10 });
		expect(page.missed).toBe(true);
		// Exact: a cursor just before the oldest kept event missed nothing.
		const edge = await store.readEvents({ after: String(oldest - 1), limit: 1 });
		expect(edge).toMatchObject({ missed: false, events: [{ id: String(oldest) }] });
		const latest = await store.eventsCursor();
		await store.add(jobs(1));
		const fresh = await store.readEvents({ after: latest, limit: 10 });
		expect(fresh.missed).toBe(false);
		expect(fresh.events).toHaveLength(1);
	});

	it("writes the events of one call in entries of at most 100, numbered in order", async () => {
		const store = await open({ events: true });
		await store.add(jobs(250));
		const entries = await admin.xrange(store.keys.events, "-", "+");
		expect(entries.map(([id, fields]) => [id, fields[3]])).toEqual([
			["100-0", "100"],
			["200-0", "100"],
			["250-0", "50"],
		]);
		const page = await store.readEvents({ after: "95", limit: 10 });
		expect(page.events.map((e) => e.id)).toEqual([
			"96",
			"97",
			"98",
			"99",
			"100",
			"101",
			"102",
			"103",
			"104",
			"105",
		]);
		expect(page.events.map((e) => JSON.parse(e.jobId))).toEqual([
			96, 97, 98, 99, 100, 101, 102, 103, 104, 105,
		]);
		expect(page.cursor).toBe("105");
	});

	it("reads from the oldest and reports missed for a cursor past the newest event (the data was lost)", async () => {
		const store = await open({ events: true });
		await store.add(jobs(3));
		const page = await store.readEvents({ after: "1000", limit: 10 });
		expect(page.missed).toBe(true);
		expect(page.events.map((e) => e.id)).toEqual(["1", "2", "3"]);
	});

	it("numbers on after the stream's newest event when the queue's counter was lost", async () => {
		const store = await open({ events: true });
		await store.add(jobs(3));
		await admin.hdel(store.keys.meta, "evseq");
		await store.add(jobs(2));
		const page = await store.readEvents({ after: "3", limit: 10 });
		expect(page).toMatchObject({ missed: false, cursor: "5" });
		expect(page.events.map((e) => e.type)).toEqual(["added", "added"]);
		expect(await store.eventsCursor()).toBe("5");
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

	it("names a job of any characters exactly in its events", async () => {
		const store = await open({ events: true });
		const jobId = "café-ü,1:日本-😀9";
		await store.add([{ name: "送信,😀:é", payload: "1", jobId }]);
		const [leased] = await store.reserve({ limit: 1, leaseMs: LONG });
		await store.ack({ ...leased!, result: '"ß"' });
		const page = await store.readEvents({ limit: 10 });
		expect(page.events.map((e) => [e.type, e.jobId, e.name, e.attempt])).toEqual([
			["added", jobId, "送信,😀:é", 0],
			["active", jobId, "送信,😀:é", 1],
			["completed", jobId, "送信,😀:é", 1],
		]);
		expect(page.events[2]!.result).toBe('"ß"');
	});

	it("refuses a cursor that is not an event number", async () => {
		const store = await open({ events: true });
		for (const after of ["12-0", "-1", "1.5", "x"]) {
			await expect(store.readEvents({ after, limit: 1 })).rejects.toMatchObject({
				code: "JOBS_INVALID_OPTION",
			});
		}
		await expect(RedisJobStore.connect({ url, events: { maxLen: 0 } })).rejects.toMatchObject({
			code: "JOBS_INVALID_OPTION",
		});
	});
});
