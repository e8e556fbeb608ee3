import { InvalidOptionError, type UniqueSpec } from "@jobs/core";
import { describe, expect, it } from "vitest";
import {
	addIds,
	capable,
	declares,
	EMPTY,
	failure,
	job,
	LONG,
	rejectionOf,
	reserveOne,
	useHarness,
} from "../fixtures.js";
import type { ContractOptions } from "../harness.js";

const WHILE_UNFINISHED: UniqueSpec = {
	key: "k",
	states: ["ready", "delayed", "active"],
	onConflict: "keep",
};

/** A job claiming unique key `key` (default: held while ready, delayed or active; keep). */
const unique = (n: number | string, spec: Partial<UniqueSpec> = {}, extra = {}) =>
	job(n, { unique: { ...WHILE_UNFINISHED, ...spec }, ...extra });

/**
 * Capability `unique`: a job holds its unique key for the scope it was added with (while in
 * `states`, for at most `ttl`); an add that clashes creates nothing and resolves the holder's
 * id, or with `onConflict: "replace"` gives a holder that has not started its payload and due
 * time.
 */
export function uniqueContract(options: ContractOptions): void {
	describe("unique jobs", () => {
		const h = useHarness(options);

		it("creates one job for two adds of one key, and resolves the holder's id to the second", async () => {
			const store = capable(h().store, "unique");
			const [first] = await store.add([unique(1)]);
			const [second] = await store.add([unique(2)]);
			expect(first).toEqual({ id: expect.any(String), created: true });
			expect(second).toEqual({
				id: first!.id,
				created: false,
				existing: "unique",
				replaced: false,
			});
			expect(await store.stats()).toMatchObject({ ...EMPTY, ready: 1 });
			expect((await reserveOne(store)).payload).toBe('{"n":1}');
		});

		it("keeps different keys apart", async () => {
			const store = capable(h().store, "unique");
			const results = await store.add([unique(1, { key: "a" }), unique(2, { key: "b" })]);
			expect(results.map((r) => r.created)).toEqual([true, true]);
		});

		it("applies one call in order: a key given twice in it creates one job", async () => {
			const store = capable(h().store, "unique");
			const results = await store.add([unique(1), job(2), unique(3)]);
			expect(results.map((r) => r.created)).toEqual([true, true, false]);
			expect(results[2]!.id).toBe(results[0]!.id);
		});

		it("creates exactly one job when many adds race for one key", async () => {
			const store = capable(h().store, "unique");
			const results = (
				await Promise.all(Array.from({ length: 20 }, (_, i) => store.add([unique(i)])))
			).flat();
			expect(results.filter((r) => r.created)).toHaveLength(1);
			expect(new Set(results.map((r) => r.id)).size).toBe(1);
			expect(await store.stats()).toMatchObject({ ...EMPTY, ready: 1 });
		});

		it("holds the key while the job is active, and frees it once the job is acked", async () => {
			const store = capable(h().store, "unique");
			await addIds(store, [unique(1)]);
			const leased = await reserveOne(store);
			expect((await store.add([unique(2)]))[0]).toMatchObject({ id: leased.id, created: false });
			await store.ack(leased);
			expect((await store.add([unique(3)]))[0]!.created).toBe(true);
		});

		it("frees the key once the job dies", async () => {
			const store = capable(h().store, "unique");
			await addIds(store, [unique(1)]);
			const leased = await reserveOne(store);
			await store.fail({ ...leased, error: failure("died") });
			expect((await store.add([unique(2)]))[0]!.created).toBe(true);
		});

		it("holds the key only in the states it was claimed for", async () => {
			const store = capable(h().store, "unique");
			await addIds(store, [unique(1, { states: ["ready"] })]);
			expect((await store.add([unique(2)]))[0]!.created).toBe(false);
			await reserveOne(store);
			const [after] = await store.add([unique(3)]);
			expect(after!.created).toBe(true);
			expect(await store.stats()).toMatchObject({ ...EMPTY, ready: 1, active: 1 });
		});

		it("with a ttl alone, holds the key for the ttl whatever becomes of the job", async () => {
			const { store: s, elapse, delay, margin } = h();
			const store = capable(s, "unique");
			const throttle = { ttl: 2 * delay, states: undefined };
			await addIds(store, [unique(1, throttle)]);
			await store.ack(await reserveOne(store));
			expect((await store.add([unique(2, throttle)]))[0]!.created).toBe(false);
			expect(await store.stats()).toMatchObject(EMPTY);
			await elapse(2 * delay + margin);
			expect((await store.add([unique(3, throttle)]))[0]!.created).toBe(true);
		});

		it("with a ttl and states, frees the key when the ttl ends though the job still waits", async () => {
			const { store: s, elapse, delay, margin } = h();
			const store = capable(s, "unique");
			await addIds(store, [unique(1, { ttl: delay })]);
			expect((await store.add([unique(2, { ttl: delay })]))[0]!.created).toBe(false);
			await elapse(delay + margin);
			expect((await store.add([unique(3, { ttl: delay })]))[0]!.created).toBe(true);
			expect((await store.stats()).ready).toBe(2);
		});

		it("replace gives a ready holder the new payload, keeping its id and its place in line", async () => {
			const store = capable(h().store, "unique");
			const [before, holder] = await addIds(store, [job("before"), unique(1)]);
			await addIds(store, [job("after")]);
			const [clash] = await store.add([unique(2, { onConflict: "replace" }, { maxAttempts: 7 })]);
			expect(clash).toEqual({ id: holder, created: false, existing: "unique", replaced: true });
			expect((await reserveOne(store)).id).toBe(before);
			expect(await reserveOne(store)).toMatchObject({
				id: holder,
				payload: '{"n":2}',
				maxAttempts: 7,
			});
		});

		it("replace gives the holder the new delay: a ready one becomes delayed", async () => {
			const { store: s, elapse, delay, margin } = h();
			const store = capable(s, "unique");
			const [holder] = await addIds(store, [unique(1)]);
			await store.add([unique(2, { onConflict: "replace" }, { delay })]);
			expect(await store.stats()).toMatchObject({ ...EMPTY, delayed: 1 });
			expect(await store.reserve({ limit: 5, leaseMs: LONG })).toEqual([]);
			await elapse(delay + margin);
			expect(await reserveOne(store)).toMatchObject({ id: holder, payload: '{"n":2}' });
		});

		it("replace gives a delayed holder an earlier due time, or makes it ready", async () => {
			const store = capable(h().store, "unique");
			const [holder] = await addIds(store, [unique(1, {}, { delay: LONG })]);
			await store.add([unique(2, { onConflict: "replace" })]);
			expect(await store.stats()).toMatchObject({ ...EMPTY, ready: 1 });
			expect(await reserveOne(store)).toMatchObject({ id: holder, payload: '{"n":2}' });
		});

		it("replace within one call: a later add gives an earlier job of the call its payload, keeping its place", async () => {
			const store = capable(h().store, "unique");
			const results = await store.add([
				unique(1),
				job("between"),
				unique(2, { onConflict: "replace" }, { maxAttempts: 3 }),
			]);
			expect(results[2]).toEqual({
				id: results[0]!.id,
				created: false,
				existing: "unique",
				replaced: true,
			});
			const leased = await store.reserve({ limit: 5, leaseMs: LONG });
			expect(leased.map((j) => [j.id, j.payload, j.maxAttempts])).toEqual([
				[results[0]!.id, '{"n":2}', 3],
				[results[1]!.id, '{"n":"between"}', undefined],
			]);
		});

		it("replace within one call moves jobs in call order: a delayed holder made ready joins the tail then", async () => {
			const { store: s, elapse, delay, margin } = h();
			const store = capable(s, "unique");
			const [holder] = await addIds(store, [unique(1, {}, { delay: LONG })]);
			const results = await store.add([
				job("first"),
				unique(2, { onConflict: "replace" }),
				job("last"),
				unique("b", { key: "b" }),
				unique("b2", { key: "b", onConflict: "replace" }, { delay }),
			]);
			expect(results.map((r) => r.created)).toEqual([true, false, true, true, false]);
			expect(results[4]).toMatchObject({ id: results[3]!.id, replaced: true });
			const leased = await store.reserve({ limit: 5, leaseMs: LONG });
			expect(leased.map((j) => j.id)).toEqual([results[0]!.id, holder, results[2]!.id]);
			await elapse(delay + margin);
			expect(await reserveOne(store)).toMatchObject({ id: results[3]!.id, payload: '{"n":"b2"}' });
		});

		it("replace never changes a job that is running", async () => {
			const store = capable(h().store, "unique");
			await addIds(store, [unique(1)]);
			const leased = await reserveOne(store);
			const [clash] = await store.add([unique(2, { onConflict: "replace" })]);
			expect(clash).toEqual({ id: leased.id, created: false, existing: "unique", replaced: false });
			expect(await store.stats()).toMatchObject({ ...EMPTY, active: 1 });
			if (declares(store, "lookup")) {
				const record = await capable(store, "lookup").getJob(leased.id);
				expect(record?.payload).toBe('{"n":1}');
			}
		});

		it.each([
			["an empty key", { key: "" }],
			["no ttl and no states", { states: undefined }],
			["empty states", { states: [] }],
			["an unknown state", { states: ["dead"] }],
			["a state twice", { states: ["ready", "ready"] }],
			["a ttl of 0", { ttl: 0 }],
			["a negative ttl", { ttl: -1 }],
			["an unknown onConflict", { onConflict: "merge" }],
			["replace with only the active state", { states: ["active"], onConflict: "replace" }],
		])("refuses %s and adds nothing of the call", async (_label, spec) => {
			const store = capable(h().store, "unique");
			const error = await rejectionOf(store.add([job(1), unique(2, spec as Partial<UniqueSpec>)]));
			expect(error).toBeInstanceOf(InvalidOptionError);
			expect(String((error as Error).message)).toMatch(/unique/);
			expect(await store.stats()).toMatchObject(EMPTY);
		});
	});
}
