import { JobsError } from "@jobs/core";
import { describe, expect, it } from "vitest";
import {
	addIds,
	capable,
	declares,
	failure,
	job,
	LONG,
	rejectionOf,
	reserveOne,
	useHarness,
} from "../fixtures.js";
import type { ContractOptions } from "../harness.js";

/**
 * Capability `progress`: `progress` records a leased job's progress, fenced by its token like a
 * settle; lookups show it (when the store has `lookup`) until the job finishes.
 */
export function progressContract(options: ContractOptions): void {
	describe("progress", () => {
		const h = useHarness(options);
		const progressOf = async (id: string) => {
			const store = h().store;
			if (!declares(store, "lookup")) return undefined;
			return (await capable(store, "lookup").getJob(id))?.progress;
		};

		it("records the progress of a live lease, byte for byte, the last one winning", async () => {
			const store = capable(h().store, "progress");
			const [id] = await addIds(store, [job(1)]);
			const leased = await reserveOne(store);
			expect(await store.progress({ ...leased, progress: "10" })).toEqual({ ok: true });
			const value = '{ "step" : "upload",\r\n "pct": 50 }';
			expect(await store.progress({ ...leased, progress: value })).toEqual({ ok: true });
			if (declares(store, "lookup")) expect(await progressOf(id!)).toBe(value);
			// The lease goes on as before.
			expect((await store.ack(leased)).ok).toBe(true);
		});

		it("refuses progress with a stale token and writes nothing", async () => {
			const { store: s, elapse, lease, margin } = h();
			const store = capable(s, "progress");
			const [id] = await addIds(store, [job(1)]);
			const first = await reserveOne(store, lease);
			expect((await store.progress({ ...first, progress: '"first"' })).ok).toBe(true);
			await elapse(lease + margin);
			expect(await store.sweep({ limit: 10 })).toBe(1);
			const second = await reserveOne(store);
			expect(await store.progress({ ...first, progress: '"stale"' })).toEqual({ ok: false });
			expect(await store.progress({ id: id!, token: "made-up", progress: '"x"' })).toEqual({
				ok: false,
			});
			// The sweep ended the first attempt and its progress; the stale writes wrote nothing.
			if (declares(store, "lookup")) expect(await progressOf(id!)).toBeUndefined();
			expect((await store.progress({ ...second, progress: '"second"' })).ok).toBe(true);
			if (declares(store, "lookup")) expect(await progressOf(id!)).toBe('"second"');
			expect((await store.ack(second)).ok).toBe(true);
			expect(await store.progress({ ...second, progress: '"after ack"' })).toEqual({ ok: false });
		});

		it("refuses progress for an unknown job", async () => {
			const store = capable(h().store, "progress");
			expect(await store.progress({ id: "404", token: "t", progress: "1" })).toEqual({ ok: false });
		});

		it("ends an attempt's progress with the attempt: a retry or release starts with none", async ({
			skip,
		}) => {
			const store = capable(h().store, "progress");
			if (!declares(store, "lookup")) return skip();
			const [id] = await addIds(store, [job(1)]);
			const first = await reserveOne(store);
			await store.progress({ ...first, progress: "40" });
			await store.retry({ ...first, delay: 0, error: failure("again") });
			expect(await progressOf(id!)).toBeUndefined();
			const second = await reserveOne(store);
			await store.progress({ ...second, progress: "60" });
			expect(await progressOf(id!)).toBe("60");
			await store.release(second);
			expect(await progressOf(id!)).toBeUndefined();
		});

		it("shows no progress once the job finished", async ({ skip }) => {
			const store = capable(h().store, "progress");
			if (!declares(store, "retention") || !declares(store, "lookup")) return skip();
			const [done, dead] = await addIds(store, [job(1), job(2)]);
			const a = await reserveOne(store);
			await store.progress({ ...a, progress: "99" });
			await store.ack({ ...a, keep: {} });
			const b = await reserveOne(store);
			await store.progress({ ...b, progress: "98" });
			await store.fail({ ...b, error: failure("no") });
			expect(await progressOf(done!)).toBeUndefined();
			expect(await progressOf(dead!)).toBeUndefined();
		});

		it("refuses a progress that is not text with a JobsError", async () => {
			const store = capable(h().store, "progress");
			await addIds(store, [job(1)]);
			const leased = await reserveOne(store, LONG);
			for (const progress of [undefined, 5, { pct: 5 }]) {
				const error = await rejectionOf(store.progress({ ...leased, progress: progress as never }));
				expect(error).toBeInstanceOf(JobsError);
			}
			const error = await rejectionOf(store.progress(null as never));
			expect(error).toBeInstanceOf(JobsError);
		});
	});
}
