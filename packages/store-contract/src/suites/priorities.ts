import { InvalidOptionError, JobsError, MAX_PRIORITY, type NewJob } from "@jobs/core";
import { describe, expect, it } from "vitest";
import {
	addIds,
	capable,
	declares,
	failure,
	ids,
	job,
	LONG,
	reserveAll,
	reserveOne,
	useHarness,
} from "../fixtures.js";
import type { ContractOptions } from "../harness.js";

/** A contract job of priority `priority` (0: none given). */
const at = (n: number, priority: number, extra: Partial<NewJob> = {}): NewJob =>
	job(n, priority === 0 ? extra : { ...extra, priority });

/**
 * Capability `priorities`: `ready` is one line per priority. Every ready job of a lower priority
 * is leased before any of a higher one (0, the default, first), and a line is FIFO; whatever
 * puts a job back in `ready` (a release at the head, a sweep, a promotion or `retryDead` at the
 * tail) puts it in its own line.
 */
export function prioritiesContract(options: ContractOptions): void {
	describe("priorities", () => {
		const h = useHarness(options);
		const store = () => capable(h().store, "priorities");

		it("leases lower priorities first, each line in add order, no priority before any", async () => {
			const s = store();
			const added = await addIds(s, [
				at(1, 5),
				at(2, 0),
				at(3, 2),
				at(4, 5),
				at(5, MAX_PRIORITY),
				at(6, 2),
				at(7, 0),
				at(8, 1),
			]);
			const order = [2, 7, 8, 3, 6, 1, 4, 5].map((n) => added[n - 1]);
			expect(ids(await s.reserve({ limit: 100, leaseMs: LONG }))).toEqual(order);
		});

		it("goes on where it stopped: each reserve takes the next in line, across lines", async () => {
			const s = store();
			const added = await addIds(s, [at(1, 3), at(2, 1), at(3, 3), at(4, 1), at(5, 2)]);
			const seen: string[] = [];
			for (let i = 0; i < 3; i++) seen.push(...ids(await s.reserve({ limit: 2, leaseMs: LONG })));
			expect(seen).toEqual([2, 4, 5, 1, 3].map((n) => added[n - 1]));
			expect(await s.reserve({ limit: 2, leaseMs: LONG })).toEqual([]);
		});

		it("places a job added later by its priority, ahead of higher ones already waiting", async () => {
			const s = store();
			const [low] = await addIds(s, [at(1, 9)]);
			const [mid] = await addIds(s, [at(2, 4)]);
			const [first] = await addIds(s, [at(3, 0)]);
			expect(ids(await reserveAll(s))).toEqual([first, mid, low]);
		});

		it("leases by priority through a settle's reserve", async () => {
			const s = store();
			const [a] = await addIds(s, [at(1, 0)]);
			const leased = await reserveOne(s);
			expect(leased.id).toBe(a);
			const [late, soon] = await addIds(s, [at(2, 7), at(3, 6)]);
			const acked = await s.ack({ ...leased, reserve: { limit: 1, leaseMs: LONG } });
			expect(ids(acked.next ?? [])).toEqual(acked.next ? [soon] : []);
			const rest = ids(await reserveAll(s));
			expect([...ids(acked.next ?? []), ...rest]).toEqual([soon, late]);
		});

		it("hands a released job back at the head of its own line, not ahead of lower lines", async () => {
			const s = store();
			const [a, b, c] = await addIds(s, [at(1, 3), at(2, 3), at(3, 5)]);
			const leased = await reserveOne(s);
			expect(leased.id).toBe(a);
			const [d] = await addIds(s, [at(4, 1)]);
			expect((await s.release(leased)).ok).toBe(true);
			const again = await reserveAll(s);
			expect(ids(again)).toEqual([d, a, b, c]);
			expect(again[1]).toMatchObject({ id: a, attempts: 1 });
		});

		it("returns a swept job to the tail of its own line", async () => {
			const { elapse, lease, margin } = h();
			const s = store();
			const [a, b, c] = await addIds(s, [at(1, 2), at(2, 2), at(3, 4)]);
			expect((await reserveOne(s, lease)).id).toBe(a);
			await elapse(lease + margin);
			expect(await s.sweep({ limit: 10 })).toBe(1);
			const again = await reserveAll(s);
			expect(ids(again)).toEqual([b, a, c]);
			expect(again[1]).toMatchObject({ id: a, attempts: 2 });
		});

		it("promotes a delayed job and a retry into their own lines when they fall due", async () => {
			const { elapse, delay, margin } = h();
			const s = store();
			const [x, y] = await addIds(s, [at(1, 7), at(2, 5, { delay })]);
			const [r] = await addIds(s, [at(3, 4)]);
			// x (7) is ready; r (4) is leased and retried with a delay; y (5) is delayed.
			const leased = await s.reserve({ limit: 1, leaseMs: LONG });
			expect(ids(leased)).toEqual([r]);
			expect((await s.retry({ ...leased[0]!, delay, error: failure("again") })).ok).toBe(true);
			expect(ids(await s.reserve({ limit: 10, leaseMs: LONG }))).toEqual([x]);
			const [w, z] = await addIds(s, [at(4, 1), at(5, 9)]);
			await elapse(delay + margin);
			expect(ids(await reserveAll(s))).toEqual([w, r, y, z]);
		});

		it("puts a dead job retried from the dead letter back in its own line", async () => {
			const s = store();
			const [a] = await addIds(s, [at(1, 3)]);
			const leased = await reserveOne(s);
			expect((await s.fail({ ...leased, error: failure("died") })).ok).toBe(true);
			const [b, c] = await addIds(s, [at(2, 6), at(3, 3)]);
			expect(await s.retryDead({ ids: [a!] })).toBe(1);
			expect(ids(await reserveAll(s))).toEqual([c, a, b]);
		});

		it("counts every line in stats, and an emptied line leaves none behind", async () => {
			const s = store();
			await addIds(s, [at(1, 1), at(2, 0), at(3, 8), at(4, 8)]);
			expect(await s.stats()).toMatchObject({ ready: 4, active: 0 });
			const all = await reserveAll(s);
			expect(await s.stats()).toMatchObject({ ready: 0, active: 4 });
			for (const leased of all) expect((await s.ack(leased)).ok).toBe(true);
			const [again] = await addIds(s, [at(5, 8)]);
			expect(ids(await reserveAll(s))).toEqual([again]);
		});

		it("orders hundreds of distinct priorities added in any order", async () => {
			const s = store();
			const priorities = Array.from({ length: 300 }, (_, i) => (i * 7919) % 300);
			const added = await addIds(
				s,
				priorities.map((p, i) => at(i, p * 1000)),
			);
			const expected = priorities
				.map((p, i) => ({ p, id: added[i]! }))
				.sort((a, b) => a.p - b.p)
				.map((e) => e.id);
			expect(ids(await reserveAll(s))).toEqual(expected);
		});

		it("refuses a priority that is negative, fractional, too high or not a number, and stores nothing of the batch", async () => {
			const s = store();
			for (const priority of [-1, 1.5, MAX_PRIORITY + 1, Number.NaN, "3", null]) {
				const error = await s.add([at(1, 1), job(2, { priority: priority as number })]).then(
					() => new Error(`add resolved for priority ${String(priority)}`),
					(e: unknown) => e,
				);
				expect(error, `priority ${String(priority)}`).toBeInstanceOf(InvalidOptionError);
				expect(error).toBeInstanceOf(JobsError);
				expect((error as Error).message).toContain("priority");
			}
			expect(await s.stats()).toMatchObject({ ready: 0, delayed: 0 });
		});

		it("shows a job's priority in getJob, and lists ready jobs line by line", async (ctx) => {
			const s = store();
			if (!declares(s, "lookup")) return ctx.skip();
			const lookup = capable(s, "lookup");
			const [a, b, c, d] = await addIds(s, [at(1, 6), at(2, 0), at(3, 2), at(4, 6)]);
			expect(await lookup.getJob(a!)).toMatchObject({ state: "ready", priority: 6 });
			expect((await lookup.getJob(b!))?.priority).toBeUndefined();
			const page = await lookup.listJobs({ state: "ready" });
			expect(page.total).toBe(4);
			expect(ids(page.jobs)).toEqual([b, c, a, d]);
			const middle = await lookup.listJobs({ state: "ready", offset: 1, limit: 2 });
			expect(ids(middle.jobs)).toEqual([c, a]);
			expect(middle.total).toBe(4);
		});

		it("removes a ready job from its line, leaving the others in order", async (ctx) => {
			const s = store();
			if (!declares(s, "remove")) return ctx.skip();
			const remover = capable(s, "remove");
			const [a, b, c] = await addIds(s, [at(1, 4), at(2, 4), at(3, 5)]);
			expect(await remover.removeJob(a!)).toEqual({ removed: true, state: "ready" });
			expect(await s.stats()).toMatchObject({ ready: 2 });
			expect(ids(await reserveAll(s))).toEqual([b, c]);
		});

		it("gives a ready holder a replacing add's priority, moving it to the tail of that line", async (ctx) => {
			const s = store();
			if (!declares(s, "unique")) return ctx.skip();
			const unique = {
				key: "contract-priority",
				states: ["ready"] as const,
				onConflict: "replace" as const,
			};
			const [held, other] = await addIds(s, [at(1, 5, { unique }), at(2, 3)]);
			const [third] = await addIds(s, [at(3, 1)]);
			const [result] = await s.add([at(4, 1, { unique })]);
			expect(result).toMatchObject({
				id: held,
				created: false,
				existing: "unique",
				replaced: true,
			});
			expect(ids(await reserveAll(s))).toEqual([third, held, other]);
		});
	});
}
