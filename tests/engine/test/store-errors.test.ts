/**
 * Problems a store meets without failing a call reach the queue's `error` event: what it
 * reports through its optional `onError`, and stored data that is not JSON, which reads as
 * `undefined` for that job alone instead of failing a whole listing.
 */
import { FakeClock, JobQueue, StoreError } from "@jobs/core";
import { MemoryJobStore } from "@jobs/store-memory";
import { describe, expect, it } from "vitest";

describe("store errors", () => {
	it("re-emits what the store reports through onError, until the queue closes", async () => {
		const clock = new FakeClock(0);
		const store = new MemoryJobStore({ clock });
		const listeners = new Set<(error: Error) => void>();
		const reporting = Object.assign(store, {
			onError(listener: (error: Error) => void) {
				listeners.add(listener);
				return () => listeners.delete(listener);
			},
		});
		const queue = new JobQueue({ store: reporting, clock });
		const errors: Error[] = [];
		queue.on("error", (error) => errors.push(error));
		const problem = new StoreError("corrupt data in Redis: set aside");
		for (const listener of listeners) listener(problem);
		expect(errors).toEqual([problem]);
		await queue.close();
		expect(listeners.size).toBe(0);
	});

	it("reads a dead job or a looked-up job whose data is not JSON as undefined, and says so", async () => {
		const clock = new FakeClock(0);
		const store = new MemoryJobStore({ clock });
		const queue = new JobQueue({ store, clock });
		const errors: Error[] = [];
		queue.on("error", (error) => errors.push(error));
		await queue.add("good", { n: 1 });
		await queue.add("bad", { n: 2 });
		for (const job of await store.reserve({ limit: 2, leaseMs: 1_000 })) {
			await store.fail({ ...job, error: { message: "x" } });
		}
		const corrupt = (records: { id: string; payload: string }[]) =>
			records.map((r) => (r.id === "2" ? { ...r, payload: "{not json" } : r));
		const deadLetter = store.deadLetter.bind(store);
		store.deadLetter = async (params) => corrupt(await deadLetter(params)) as never;
		const getJob = store.getJob.bind(store);
		store.getJob = async (id) => {
			const record = await getJob(id);
			return record && (corrupt([record])[0] as never);
		};

		const dead = await queue.deadLetter();
		expect(dead.map((j) => [j.id, j.data])).toEqual([
			["1", { n: 1 }],
			["2", undefined],
		]);
		expect((await queue.getJob("2"))?.data).toBeUndefined();
		expect(errors).toHaveLength(2);
		expect(errors[0]).toBeInstanceOf(StoreError);
		expect(errors[0]!.message).toMatch(/job 2: its stored data is not JSON/);
		await queue.close();
	});
});
