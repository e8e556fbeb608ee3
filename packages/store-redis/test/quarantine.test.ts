/**
 * Corrupt or foreign records never wedge a queue nor strand a job silently: one that cannot be
 * read is set aside in the `quarantine` hash (inspectable, with its raw record), reported to the
 * store's `onError` listeners as a BadRecordError (a JobQueue's `error` event), and the jobs
 * around it keep flowing.
 */
import { BadRecordError, JobQueue } from "@jobs/core";
import type { Redis } from "ioredis";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { RedisJobStore, recordKey } from "../src/index.js";
import { sleep, storesCleanedUp, uniquePrefix } from "./support/harness.js";

const url = inject("redisUrl");
const LONG = 600_000;
const job = (n: number) => ({ name: "q", payload: JSON.stringify({ n }) });
const GARBAGE = "\u0000not a record";

describe("records that cannot be read", () => {
	const { admin: adminClient, stores } = storesCleanedUp(url);
	let admin: Redis;
	beforeAll(() => {
		admin = adminClient();
	});

	/** A store whose onError reports are collected. */
	async function open() {
		const store = await RedisJobStore.connect({ url, prefix: uniquePrefix() });
		stores.push(store);
		const errors: Error[] = [];
		store.onError((error) => errors.push(error));
		return { store, errors };
	}

	const corrupt = (store: RedisJobStore, seq: string) =>
		admin.hset(recordKey(store.keys, seq), seq, GARBAGE);

	/** Three dead jobs, the second of them corrupt. */
	async function deadThree(store: RedisJobStore) {
		const ids = (await store.add([job(1), job(2), job(3)])).map((r) => r.id);
		for (const leased of await store.reserve({ limit: 3, leaseMs: LONG })) {
			await store.fail({ ...leased, error: { message: "boom" } });
		}
		await corrupt(store, ids[1]!);
		return ids;
	}

	it("lists the dead letter around a corrupt dead record, and sets it aside", async () => {
		const { store, errors } = await open();
		const ids = await deadThree(store);
		expect((await store.deadLetter()).map((j) => j.id)).toEqual([ids[0], ids[2]]);
		expect(errors).toHaveLength(1);
		expect(errors[0]).toBeInstanceOf(BadRecordError);
		expect(errors[0]!.message).toContain(`dead entry ${ids[1]}`);
		expect(await admin.hgetall(store.keys.quarantine)).toEqual({ [`dead:${ids[1]}`]: GARBAGE });
		expect(await store.stats()).toMatchObject({ dead: 2 });
		// Set aside once: the next listing is clean.
		expect(await store.deadLetter({ offset: 1, limit: 5 })).toHaveLength(1);
		expect(errors).toHaveLength(1);
	});

	it("retries the whole dead letter around a corrupt dead record", async () => {
		const { store, errors } = await open();
		const ids = await deadThree(store);
		expect(await store.retryDead({ all: true })).toBe(2);
		expect(errors).toHaveLength(1);
		expect((await store.reserve({ limit: 5, leaseMs: LONG })).map((j) => j.id)).toEqual([
			ids[0],
			ids[2],
		]);
		expect(await store.stats()).toMatchObject({ ready: 0, delayed: 0, active: 2, dead: 0 });
	});

	it("ends the lease of a job whose record broke while it ran: the sweep sets it aside", async () => {
		const { store, errors } = await open();
		await store.add([job(1), job(2)]);
		const [a, b] = await store.reserve({ limit: 2, leaseMs: 50 });
		await corrupt(store, a!.id);
		// A retry, which rewrites the record, fails alone and changes nothing; the other settles.
		await expect(store.retry({ ...a!, delay: 0, error: { message: "x" } })).rejects.toBeInstanceOf(
			BadRecordError,
		);
		expect(await store.ack(b!)).toMatchObject({ ok: true });
		await sleep(80);
		expect(await store.sweep({ limit: 10 })).toBe(0);
		expect(errors.map((e) => e.message)).toEqual([
			expect.stringContaining(`active entry ${a!.id}`),
		]);
		expect(await store.stats()).toMatchObject({ ready: 0, delayed: 0, active: 0, dead: 0 });
		expect(await admin.hget(store.keys.quarantine, `active:${a!.id}`)).toBe(GARBAGE);
	});

	it("leases the next jobs of a settle around a corrupt ready record", async () => {
		const { store, errors } = await open();
		const ids = (await store.add([job(1), job(2), job(3)])).map((r) => r.id);
		const [first] = await store.reserve({ limit: 1, leaseMs: LONG });
		await corrupt(store, ids[1]!);
		const { ok, next } = await store.ack({ ...first!, reserve: { limit: 2, leaseMs: LONG } });
		expect(ok).toBe(true);
		expect(next?.map((j) => j.id)).toEqual([ids[2]]);
		expect(errors).toHaveLength(1);
		expect(errors[0]!.message).toContain(`ready entry ${ids[1]}`);
	});

	it("reaches a JobQueue's error event, and a dead job whose data is not JSON reads as undefined", async () => {
		const { store } = await open();
		const ids = await deadThree(store);
		// A readable record whose payload is not JSON: the record stays, its data reads undefined.
		await admin.hset(
			recordKey(store.keys, ids[2]!),
			ids[2]!,
			(await admin.hget(recordKey(store.keys, ids[2]!), ids[2]!))!.replace(/\{"n":3\}$/, "{oops"),
		);
		const queue = new JobQueue({ store, ownsStore: false });
		const errors: Error[] = [];
		queue.on("error", (error) => errors.push(error));
		const dead = await queue.deadLetter();
		expect(dead.map((j) => [j.id, j.data])).toEqual([
			[ids[0], { n: 1 }],
			[ids[2], undefined],
		]);
		expect(errors.map((e) => e.constructor.name)).toEqual(["BadRecordError", "StoreError"]);
		await queue.close();
		await sleep(0);
	});
});
