import { JobsError } from "@jobs/core";
import { describe, expect, it } from "vitest";
import {
	addIds,
	capable,
	declares,
	failure,
	job,
	jobs,
	LONG,
	rejectionOf,
	reserveOne,
	useHarness,
} from "../fixtures.js";
import type { ContractOptions } from "../harness.js";

/**
 * Capability `retention`: an ack with `keep` keeps the job as `completed` with its result, and
 * trims the completed jobs to the policy (count: the newest; age: finished recently); a fail with
 * `keep` trims the dead letter, or with `false` deletes the job; a sweep with `keep` trims both.
 * Needs `lookup` too, to see what is kept.
 */
export function retentionContract(options: ContractOptions): void {
	describe("retention", () => {
		const h = useRetention(options);

		/** Adds `count` jobs and acks each in add order with `keep` and a result naming it. */
		async function complete(count: number, keep: object, from = 0): Promise<string[]> {
			const store = h().store;
			const ids = await addIds(store, jobs(count, from));
			for (const id of ids) {
				const leased = await reserveOne(store);
				expect(leased.id).toBe(id);
				const ok = await store.ack({ ...leased, keep, result: JSON.stringify({ done: id }) });
				expect(ok.ok).toBe(true);
			}
			return ids;
		}

		it("keeps an acked job as completed, with its result byte for byte and when it finished", async () => {
			const { store } = h();
			const [id] = await addIds(store, [{ name: "resize", payload: '{"w":1}' }]);
			const leased = await reserveOne(store);
			const result = '{ "width" : 640,\r\n"tags":["é","\\u0000"] }';
			expect((await store.ack({ ...leased, keep: {}, result })).ok).toBe(true);
			const record = await store.getJob(id!);
			expect(record).toMatchObject({
				id,
				name: "resize",
				payload: '{"w":1}',
				state: "completed",
				attempts: 1,
				result,
			});
			expect(record!.finishedAt).toBeGreaterThanOrEqual(record!.addedAt);
			expect(await store.stats()).toMatchObject({ ready: 0, active: 0, completed: 1 });
			const page = await store.listJobs({ state: "completed" });
			expect(page.total).toBe(1);
			expect(page.jobs.map((j) => [j.id, j.result])).toEqual([[id, result]]);
		});

		it("keeps a completed job without a result when the handler returned none", async () => {
			const { store } = h();
			const [id] = await addIds(store, [job(1)]);
			const leased = await reserveOne(store);
			expect((await store.ack({ ...leased, keep: {} })).ok).toBe(true);
			const record = await store.getJob(id!);
			expect(record?.state).toBe("completed");
			expect(record && "result" in record && record.result !== undefined).toBe(false);
		});

		it("lets an acked job leave when the ack gives no keep (or false), whatever its result", async () => {
			const { store } = h();
			const [a, b] = await addIds(store, jobs(2));
			const first = await reserveOne(store);
			expect((await store.ack({ ...first, result: "1" })).ok).toBe(true);
			const second = await reserveOne(store);
			expect((await store.ack({ ...second, keep: false, result: "2" })).ok).toBe(true);
			expect(await store.getJob(a!)).toBeNull();
			expect(await store.getJob(b!)).toBeNull();
			expect((await store.stats()).completed ?? 0).toBe(0);
		});

		it("keeps only the newest `count` completed jobs, in completion order", async () => {
			const ids = await complete(5, { count: 3 });
			const { store } = h();
			const page = await store.listJobs({ state: "completed" });
			expect(page.total).toBe(3);
			expect(page.jobs.map((j) => j.id)).toEqual(ids.slice(2));
			expect(page.jobs.map((j) => j.result)).toEqual(ids.slice(2).map((id) => `{"done":"${id}"}`));
			for (const gone of ids.slice(0, 2)) expect(await store.getJob(gone)).toBeNull();
			expect(await store.stats()).toMatchObject({ completed: 3 });
		});

		it("drops completed jobs older than `age` when another one completes", async () => {
			const { store, elapse, delay, margin } = h();
			const [old] = await complete(1, { age: delay });
			await elapse(delay + margin);
			const [recent] = await complete(1, { age: delay }, 1);
			expect(await store.getJob(old!)).toBeNull();
			expect((await store.getJob(recent!))?.state).toBe("completed");
		});

		it("ages out completed and dead jobs in a sweep, with nothing new finishing", async () => {
			const { store, elapse, delay, margin } = h();
			const [done] = await complete(1, {});
			const [deadId] = await addIds(store, [job("dead")]);
			const leased = await reserveOne(store);
			expect((await store.fail({ ...leased, error: failure("no") })).ok).toBe(true);
			await elapse(delay + margin);
			await store.sweep({ limit: 10, keep: { completed: { age: delay }, dead: { age: delay } } });
			expect(await store.getJob(done!)).toBeNull();
			expect(await store.getJob(deadId!)).toBeNull();
			expect(await store.stats()).toMatchObject({ dead: 0, completed: 0 });
		});

		it("leaves kept jobs alone in a sweep without keep, and trims by count in a sweep with one", async () => {
			const { store } = h();
			const ids = await complete(4, {});
			expect(await store.sweep({ limit: 10 })).toBe(0);
			expect((await store.listJobs({ state: "completed" })).total).toBe(4);
			await store.sweep({ limit: 10, keep: { completed: { count: 1 } } });
			const page = await store.listJobs({ state: "completed" });
			expect(page.jobs.map((j) => j.id)).toEqual(ids.slice(3));
		});

		it("trims the dead letter to a fail's `count`, oldest death first", async () => {
			const { store } = h();
			const ids = await addIds(store, jobs(3));
			for (const id of ids) {
				const leased = await reserveOne(store);
				expect(leased.id).toBe(id);
				await store.fail({ ...leased, error: failure(`died ${id}`), keep: { count: 2 } });
			}
			expect((await store.deadLetter()).map((d) => d.id)).toEqual(ids.slice(1));
			expect(await store.getJob(ids[0]!)).toBeNull();
		});

		it("deletes a job that dies with keep false, and keeps the dead letter as it was", async () => {
			const { store } = h();
			const [kept, dropped] = await addIds(store, jobs(2));
			const a = await reserveOne(store);
			await store.fail({ ...a, error: failure("kept") });
			const b = await reserveOne(store);
			expect((await store.fail({ ...b, error: failure("dropped"), keep: false })).ok).toBe(true);
			expect((await store.deadLetter()).map((d) => d.id)).toEqual([kept]);
			expect(await store.getJob(dropped!)).toBeNull();
			expect(await store.stats()).toMatchObject({ dead: 1, active: 0, ready: 0 });
		});

		it("returns a job's own retention with its lease, as add gave it", async () => {
			const { store } = h();
			const retention = { completed: { count: 5, age: 60_000 }, dead: false as const };
			await addIds(store, [job(1, { retention }), job(2)]);
			const [withKeep, without] = await store.reserve({ limit: 2, leaseMs: LONG });
			expect(withKeep!.retention).toEqual(retention);
			expect(without!.retention).toBeUndefined();
			// Spread into a settle, it is no policy: the ack lets the job leave.
			expect((await store.ack({ ...withKeep! })).ok).toBe(true);
			expect(await store.getJob(withKeep!.id)).toBeNull();
		});

		it("removes a completed job on removeJob, when the store can remove", async ({ skip }) => {
			const { store } = h();
			if (!declares(store, "remove")) return skip();
			const removing = capable(store, "remove");
			const [id] = await complete(1, {});
			expect(await removing.removeJob(id!)).toEqual({ removed: true, state: "completed" });
			expect(await store.getJob(id!)).toBeNull();
			expect(await store.stats()).toMatchObject({ completed: 0 });
		});

		it("still reports a kept job's jobId as existing, when the store takes jobIds", async ({
			skip,
		}) => {
			const { store } = h();
			if (!declares(store, "jobIds")) return skip();
			await addIds(store, [job(1, { jobId: "report-1" })]);
			const leased = await reserveOne(store);
			await store.ack({ ...leased, keep: {} });
			expect(await store.add([job(2, { jobId: "report-1" })])).toEqual([
				{ id: "report-1", created: false, existing: "jobId" },
			]);
		});

		it("refuses a bad keep with a JobsError and changes nothing", async () => {
			const { store } = h();
			const [id] = await addIds(store, [job(1)]);
			const leased = await reserveOne(store);
			for (const keep of [{ count: -1 }, { age: 1.5 }, { cuont: 3 }, null, "all"]) {
				const error = await rejectionOf(store.ack({ ...leased, keep: keep as never }));
				expect(error).toBeInstanceOf(JobsError);
			}
			expect(await store.getJob(id!)).toMatchObject({ state: "active" });
			expect((await store.ack({ ...leased, keep: {} })).ok).toBe(true);
			const bad = await rejectionOf(
				store.add([job(2, { retention: { completed: { count: -2 } } })]),
			);
			expect(bad).toBeInstanceOf(JobsError);
			expect(await store.stats()).toMatchObject({ ready: 0, completed: 1 });
		});
	});
}

/** The harness of a group that needs `retention` and `lookup`. */
function useRetention(options: ContractOptions) {
	const h = useHarness(options);
	return () => {
		const ctx = h();
		return { ...ctx, store: capable(capable(ctx.store, "retention"), "lookup") };
	};
}
