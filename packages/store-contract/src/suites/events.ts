import { type JobEventType, JobsError, type StoredEvent } from "@jobs/core";
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
	track,
	useHarness,
} from "../fixtures.js";
import type { ContractOptions } from "../harness.js";

/**
 * Capability `events`: every change of a job writes an event, in the order the changes
 * happened, and `readEvents` reads them after a cursor, in pages, waiting for new ones when asked.
 */
export function eventsContract(options: ContractOptions): void {
	describe("events", () => {
		const h = useHarness(options);
		const store = () => capable(h().store, "events");

		/** Every event after `after`, read in pages of `limit`. */
		async function readAll(after?: string, limit = 1_000): Promise<StoredEvent[]> {
			const all: StoredEvent[] = [];
			for (let cursor = after; ; ) {
				const page = await store().readEvents(
					cursor === undefined ? { limit } : { after: cursor, limit },
				);
				all.push(...page.events);
				if (page.events.length === 0) return all;
				expect(page.cursor).toBe(page.events[page.events.length - 1]!.id);
				cursor = page.cursor;
			}
		}
		const typesOf = (events: readonly StoredEvent[], id?: string) =>
			events.filter((e) => id === undefined || e.jobId === id).map((e) => [e.type, e.attempt]);

		it("writes added for each new job, with its id, name, attempt 0 and the store's time", async () => {
			const s = store();
			const start = await s.eventsCursor();
			const ids = await addIds(s, [job(1), { name: "other", payload: "2" }]);
			const events = await readAll(start);
			expect(events.map((e) => [e.type, e.jobId, e.name, e.attempt])).toEqual([
				["added", ids[0], "contract-job", 0],
				["added", ids[1], "other", 0],
			]);
			for (const e of events) expect(typeof e.at).toBe("number");
			expect(events[0]!.id < events[1]!.id || Number(events[0]!.id) < Number(events[1]!.id)).toBe(
				true,
			);
		});

		it("tells a job's life in order: active, progress, retrying with its error and due time, completed with its result", async () => {
			const { elapse, delay, margin } = h();
			const s = store();
			const start = await s.eventsCursor();
			const [id] = await addIds(s, [job(1)]);
			const first = await reserveOne(s);
			if (declares(s, "progress")) {
				await capable(s, "progress").progress({ ...first, progress: '{"pct":50}' });
			}
			await s.retry({ ...first, delay, error: failure("flaky") });
			await elapse(delay + margin);
			const second = await reserveOne(s);
			await s.ack({
				...second,
				result: '{"ok":true}',
				...(declares(s, "retention") ? { keep: {} } : {}),
			});
			const events = await readAll(start);
			const expected: [JobEventType, number][] = [
				["added", 0],
				["active", 1],
				...(declares(s, "progress") ? ([["progress", 1]] as [JobEventType, number][]) : []),
				["retrying", 1],
				["active", 2],
				["completed", 2],
			];
			expect(typesOf(events, id)).toEqual(expected);
			const retrying = events.find((e) => e.type === "retrying")!;
			expect(retrying.error).toEqual(failure("flaky"));
			// Both read the store's clock in one atomic step, which may take a moment on a busy store.
			expect(Math.abs(retrying.dueAt! - retrying.at - delay)).toBeLessThanOrEqual(margin);
			expect(events.find((e) => e.type === "completed")!.result).toBe('{"ok":true}');
			if (declares(s, "progress")) {
				expect(events.find((e) => e.type === "progress")!.progress).toBe('{"pct":50}');
			}
		});

		it("writes failed, stalled and waiting for a fail, a swept lease, a release and a retried dead job", async () => {
			const { elapse, lease, margin } = h();
			const s = store();
			const start = await s.eventsCursor();
			const [a, b, c] = await addIds(s, jobs(3));
			const la = await reserveOne(s);
			await s.fail({ ...la, error: failure("gone") });
			await reserveOne(s, lease);
			await elapse(lease + margin);
			expect(await s.sweep({ limit: 10 })).toBe(1);
			const lc = await reserveOne(s);
			expect(lc.id).toBe(c);
			await s.release(lc);
			expect(await s.retryDead({ ids: [a!] })).toBe(1);
			const events = await readAll(start);
			expect(typesOf(events, a)).toEqual([
				["added", 0],
				["active", 1],
				["failed", 1],
				["waiting", 0],
			]);
			expect(events.find((e) => e.type === "failed")!.error).toEqual(failure("gone"));
			expect(typesOf(events, b)).toEqual([
				["added", 0],
				["active", 1],
				["stalled", 1],
			]);
			expect(typesOf(events, c)).toEqual([
				["added", 0],
				["active", 1],
				["waiting", 0],
			]);
		});

		it("writes removed for removeDead, and for removeJob when the store can remove", async () => {
			const s = store();
			const [a, b] = await addIds(s, jobs(2));
			const la = await reserveOne(s);
			await s.fail({ ...la, error: failure("x") });
			const start = await s.eventsCursor();
			expect(await s.removeDead({ ids: [a!] })).toBe(1);
			if (declares(s, "remove")) await capable(s, "remove").removeJob(b!);
			const events = await readAll(start);
			expect(events.map((e) => [e.type, e.jobId])).toEqual([
				["removed", a],
				...(declares(s, "remove") ? [["removed", b]] : []),
			]);
		});

		it("pages through events after a cursor, each event once, in order", async () => {
			const s = store();
			const start = await s.eventsCursor();
			const ids = await addIds(s, jobs(25));
			const paged = await readAll(start, 7);
			expect(paged.map((e) => e.jobId)).toEqual(ids);
			const whole = await readAll(start);
			expect(whole.map((e) => e.id)).toEqual(paged.map((e) => e.id));
			// After the last cursor, nothing; after the middle one, the rest.
			const tail = await s.readEvents({ after: paged[paged.length - 1]!.id, limit: 10 });
			expect(tail.events).toEqual([]);
			expect(tail.cursor).toBe(paged[paged.length - 1]!.id);
			expect((await readAll(paged[9]!.id)).map((e) => e.jobId)).toEqual(ids.slice(10));
		});

		it("starts a cursor at the newest event: reading after it gives only what follows", async () => {
			const s = store();
			await addIds(s, jobs(3));
			const cursor = await s.eventsCursor();
			expect((await s.readEvents({ after: cursor, limit: 10 })).events).toEqual([]);
			const [later] = await addIds(s, [job(9)]);
			const page = await s.readEvents({ after: cursor, limit: 10 });
			expect(page.events.map((e) => [e.type, e.jobId])).toEqual([["added", later]]);
			expect(page.missed).toBe(false);
		});

		it("waits for the next event when asked to, and answers at once when one is there", async () => {
			const { wakeWithin } = h();
			const s = store();
			const cursor = await s.eventsCursor();
			const reading = s.readEvents({ after: cursor, limit: 10, waitMs: 10 * wakeWithin });
			const tracked = track(reading);
			await new Promise((resolve) => setTimeout(resolve, 20));
			expect(tracked.settled).toBe(false);
			const started = Date.now();
			const [id] = await addIds(s, [job(1)]);
			const page = await reading;
			expect(Date.now() - started).toBeLessThan(wakeWithin);
			expect(page.events.map((e) => e.jobId)).toEqual([id]);
		});

		it("ends a wait when its signal aborts, with no events", async () => {
			const { wakeWithin } = h();
			const s = store();
			const cursor = await s.eventsCursor();
			const abort = new AbortController();
			const reading = s.readEvents({
				after: cursor,
				limit: 10,
				waitMs: LONG,
				signal: abort.signal,
			});
			await new Promise((resolve) => setTimeout(resolve, 20));
			const started = Date.now();
			abort.abort();
			const page = await reading;
			expect(Date.now() - started).toBeLessThan(wakeWithin);
			expect(page.events).toEqual([]);
			expect(page.cursor).toBe(cursor);
		});

		it("writes no event for an add that found an existing job, when the store takes jobIds", async ({
			skip,
		}) => {
			const s = store();
			if (!declares(s, "jobIds")) return skip();
			await addIds(s, [job(1, { jobId: "once" })]);
			const cursor = await s.eventsCursor();
			await s.add([job(2, { jobId: "once" })]);
			expect((await s.readEvents({ after: cursor, limit: 10 })).events).toEqual([]);
		});

		it("refuses bad read parameters with a JobsError", async () => {
			const s = store();
			for (const params of [
				{ limit: 0 },
				{ limit: 1.5 },
				{ after: "", limit: 1 },
				{ limit: 1, waitMs: -1 },
				null,
			]) {
				expect(await rejectionOf(s.readEvents(params as never))).toBeInstanceOf(JobsError);
			}
		});
	});
}
