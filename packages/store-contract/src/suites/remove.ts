import { InvalidOptionError, JobActiveError } from "@jobs/core";
import { describe, expect, it } from "vitest";
import {
	addIds,
	capable,
	declares,
	EMPTY,
	ids,
	job,
	jobs,
	LONG,
	rejectionOf,
	reserveAll,
	reserveOne,
	seedDead,
	useHarness,
} from "../fixtures.js";
import type { ContractOptions } from "../harness.js";

/**
 * Capability `remove`: `removeJob` deletes a ready, delayed or dead job atomically and says
 * whether it did; an active job is refused with `JobActiveError` and left as it was.
 */
export function removeContract(options: ContractOptions): void {
	describe("remove", () => {
		const h = useHarness(options);

		it("removes a ready job and keeps the others in order", async () => {
			const store = capable(h().store, "remove");
			const [a, b, c] = await addIds(store, jobs(3));
			expect(await store.removeJob(b!)).toEqual({ removed: true, state: "ready" });
			expect(await store.stats()).toMatchObject({ ...EMPTY, ready: 2 });
			expect(ids(await reserveAll(store))).toEqual([a, c]);
		});

		it("removes a delayed job: it never becomes ready", async () => {
			const { store: s, elapse, delay, margin } = h();
			const store = capable(s, "remove");
			const [id] = await addIds(store, [job(1, { delay })]);
			expect(await store.removeJob(id!)).toEqual({ removed: true, state: "delayed" });
			await elapse(delay + margin);
			expect(await store.reserve({ limit: 5, leaseMs: LONG })).toEqual([]);
			expect(await store.stats()).toMatchObject(EMPTY);
		});

		it("removes a dead job", async () => {
			const store = capable(h().store, "remove");
			const [id] = await seedDead(store, 1);
			expect(await store.removeJob(id!)).toEqual({ removed: true, state: "dead" });
			expect(await store.deadLetter()).toEqual([]);
			expect(await store.retryDead({ all: true })).toBe(0);
		});

		it("refuses to remove an active job and leaves it running", async () => {
			const store = capable(h().store, "remove");
			await addIds(store, [job(1)]);
			const leased = await reserveOne(store);
			const error = await rejectionOf(store.removeJob(leased.id));
			expect(error).toBeInstanceOf(JobActiveError);
			expect(error).toMatchObject({ code: "JOBS_JOB_ACTIVE" });
			expect(await store.stats()).toMatchObject({ ...EMPTY, active: 1 });
			expect((await store.ack(leased)).ok).toBe(true);
		});

		it("resolves { removed: false } for an unknown id and for a second removal", async () => {
			const store = capable(h().store, "remove");
			const [id] = await addIds(store, [job(1)]);
			expect(await store.removeJob("no-such-job")).toEqual({ removed: false });
			await store.removeJob(id!);
			expect(await store.removeJob(id!)).toEqual({ removed: false });
		});

		it("frees a chosen id and a unique key, when it declares them", async (ctx) => {
			const { store } = h();
			const hasIds = declares(store, "jobIds");
			const hasUnique = declares(store, "unique");
			if (!hasIds && !hasUnique) return ctx.skip("the store declares neither jobIds nor unique");
			const extra = {
				...(hasIds ? { jobId: "chosen" } : {}),
				...(hasUnique
					? { unique: { key: "k", states: ["ready"], onConflict: "keep" } as const }
					: {}),
			};
			const [id] = await addIds(store, [job(1, extra)]);
			await capable(store, "remove").removeJob(id!);
			const [again] = await store.add([job(2, extra)]);
			expect(again!.created).toBe(true);
		});

		it("refuses an id that is not a non-empty string", async () => {
			const store = capable(h().store, "remove");
			expect(await rejectionOf(store.removeJob(""))).toBeInstanceOf(InvalidOptionError);
		});
	});
}
