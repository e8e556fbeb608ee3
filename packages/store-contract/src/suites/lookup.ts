import { InvalidOptionError, MAX_PAGE } from "@jobs/core";
import { describe, expect, it } from "vitest";
import {
	addIds,
	capable,
	failure,
	job,
	jobs,
	LONG,
	rejectionOf,
	reserveOne,
	seedDead,
	useHarness,
} from "../fixtures.js";
import type { ContractOptions } from "../harness.js";

/**
 * Capability `lookup`: `getJob` finds a job by id in any state, with its fields and timestamps,
 * and `listJobs` pages through one state in that state's order.
 */
export function lookupContract(options: ContractOptions): void {
	describe("lookup", () => {
		const h = useHarness(options);

		it("finds a ready job with its name, payload, attempts and add time", async () => {
			const store = capable(h().store, "lookup");
			const [id] = await addIds(store, [
				{ name: "charge", payload: '{"amount":42}', maxAttempts: 4 },
			]);
			const record = await store.getJob(id!);
			expect(record).toEqual({
				id,
				name: "charge",
				payload: '{"amount":42}',
				state: "ready",
				attempts: 0,
				maxAttempts: 4,
				addedAt: expect.any(Number),
			});
		});

		it("finds a delayed job with its due time", async () => {
			const { store: s, delay } = h();
			const store = capable(s, "lookup");
			const [id] = await addIds(store, [job(1, { delay: 10 * delay })]);
			const record = await store.getJob(id!);
			expect(record).toMatchObject({ id, state: "delayed", attempts: 0 });
			expect(record!.dueAt! - record!.addedAt).toBe(10 * delay);
		});

		it("reports a delayed job that fell due as ready", async () => {
			const { store: s, elapse, delay, margin } = h();
			const store = capable(s, "lookup");
			const [id] = await addIds(store, [job(1, { delay })]);
			await elapse(delay + margin);
			expect((await store.getJob(id!))?.state).toBe("ready");
			expect(await store.reserve({ limit: 1, leaseMs: LONG })).toHaveLength(1);
		});

		it("finds an active job with its attempt, lease time and lease expiry", async () => {
			const store = capable(h().store, "lookup");
			const [id] = await addIds(store, [job(1)]);
			await reserveOne(store, LONG);
			const record = await store.getJob(id!);
			expect(record).toMatchObject({ id, state: "active", attempts: 1 });
			expect(record!.leasedAt).toBeGreaterThanOrEqual(record!.addedAt);
			expect(record!.leaseExpiresAt! - record!.leasedAt!).toBe(LONG);
		});

		it("finds a retried job with its last error, and a dead one with its final error", async () => {
			const store = capable(h().store, "lookup");
			const [retried, died] = await addIds(store, [job(1), job(2)]);
			const first = await reserveOne(store);
			const second = await reserveOne(store);
			await store.retry({ ...first, delay: LONG, error: failure("try again") });
			await store.fail({ ...second, error: failure("gave up") });
			expect(await store.getJob(retried!)).toMatchObject({
				state: "delayed",
				attempts: 1,
				lastError: failure("try again"),
			});
			const dead = await store.getJob(died!);
			expect(dead).toMatchObject({ state: "dead", attempts: 1, lastError: failure("gave up") });
			expect(dead!.failedAt).toBeGreaterThanOrEqual(dead!.addedAt);
		});

		it("resolves null for an unknown id and for an acked job", async () => {
			const store = capable(h().store, "lookup");
			await addIds(store, [job(1)]);
			const leased = await reserveOne(store);
			await store.ack(leased);
			expect(await store.getJob(leased.id)).toBeNull();
			expect(await store.getJob("no-such-job")).toBeNull();
		});

		it("lists ready jobs next-to-run first, in pages, with the total", async () => {
			const store = capable(h().store, "lookup");
			const added = await addIds(store, jobs(7));
			await addIds(store, [job("later", { delay: LONG })]);
			const first = await store.listJobs({ state: "ready", limit: 3 });
			const second = await store.listJobs({ state: "ready", offset: 3, limit: 3 });
			const last = await store.listJobs({ state: "ready", offset: 6, limit: 3 });
			expect([first, second, last].map((p) => p.total)).toEqual([7, 7, 7]);
			expect([...first.jobs, ...second.jobs, ...last.jobs].map((j) => j.id)).toEqual(added);
			expect(first.jobs[0]).toMatchObject({ state: "ready", payload: '{"n":0}' });
			expect((await store.listJobs({ state: "ready", offset: 7 })).jobs).toEqual([]);
		});

		it("lists delayed jobs by due time, dead ones oldest death first, and active ones", async () => {
			const store = capable(h().store, "lookup");
			const [late, early] = await addIds(store, [
				job("late", { delay: 3 * LONG }),
				job("early", { delay: LONG }),
			]);
			const dead = await seedDead(store, 2);
			await addIds(store, jobs(2));
			const running = [await reserveOne(store), await reserveOne(store)].map((j) => j.id);
			const delayed = await store.listJobs({ state: "delayed" });
			expect(delayed.jobs.map((j) => j.id)).toEqual([early, late]);
			expect((await store.listJobs({ state: "dead" })).jobs.map((j) => j.id)).toEqual(dead);
			const active = await store.listJobs({ state: "active" });
			expect(active.total).toBe(2);
			expect(active.jobs.map((j) => j.id).toSorted()).toEqual(running.toSorted());
		});

		it.each([
			["an unknown state", { state: "done" }],
			["a negative offset", { state: "ready", offset: -1 }],
			["a fractional limit", { state: "ready", limit: 1.5 }],
			["a limit over the page maximum", { state: "ready", limit: MAX_PAGE + 1 }],
		])("refuses %s", async (_label, params) => {
			const store = capable(h().store, "lookup");
			const error = await rejectionOf(store.listJobs(params as never));
			expect(error).toBeInstanceOf(InvalidOptionError);
		});

		it("refuses an id that is not a non-empty string", async () => {
			const store = capable(h().store, "lookup");
			expect(await rejectionOf(store.getJob(""))).toBeInstanceOf(InvalidOptionError);
			expect(await rejectionOf(store.getJob(7 as never))).toBeInstanceOf(InvalidOptionError);
		});
	});
}
