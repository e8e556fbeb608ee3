import { type GroupLimits, InvalidOptionError, MAX_GROUP_LENGTH, type NewJob } from "@jobs/core";
import { describe, expect, it } from "vitest";
import {
	addIds,
	capable,
	declares,
	expectWokenWhenFreed,
	failure,
	ids,
	job,
	LONG,
	rejectionOf,
	reserveAll,
	reserveOne,
	useHarness,
} from "../fixtures.js";
import type { ContractOptions } from "../harness.js";

/** `count` contract jobs of group `group` (undefined: none), numbered from `from`. */
const inGroup = (group: string | undefined, count: number, from = 0, extra: Partial<NewJob> = {}) =>
	Array.from({ length: count }, (_, i) =>
		job(`${group ?? "none"}-${from + i}`, group === undefined ? extra : { ...extra, group }),
	);

/**
 * Capability `groups`: the groups with ready jobs (and the jobs without a group, as one more)
 * take turns, one job each, in the order they first had jobs ready; within a group, priority
 * order then ready order. Per group: a concurrency, a rate limit and a pause, each skipping the
 * group's turns while it holds, never holding the others back.
 */
export function groupsContract(options: ContractOptions): void {
	describe("groups", () => {
		const h = useHarness(options);
		const grouped = () => capable(h().store, "groups");

		it("serves the groups in turn: one job of each before a second of any, jobs without a group as one more", async () => {
			const s = grouped();
			const a = await addIds(s, inGroup("a", 4));
			const none = await addIds(s, inGroup(undefined, 2));
			const b = await addIds(s, inGroup("b", 2));
			const c = await addIds(s, inGroup("c", 1));
			// The groups in the order they got jobs; the jobs without a group join at the tail of
			// the rotation at the first reserve that finds them.
			expect(ids(await s.reserve({ limit: 100, leaseMs: LONG }))).toEqual([
				a[0],
				b[0],
				c[0],
				none[0],
				a[1],
				b[1],
				none[1],
				a[2],
				a[3],
			]);
		});

		it("holds a small group's wait to one lease of each other group, however long their backlogs", async () => {
			const s = grouped();
			await addIds(s, inGroup("big", 1_000));
			await addIds(s, inGroup("other", 500));
			const small = await addIds(s, inGroup("small", 3));
			const order: string[] = [];
			for (let i = 0; i < 9; i++) order.push((await reserveOne(s)).id);
			// big, other, small, big, other, small, …: small's jobs at every third lease.
			expect([order[2], order[5], order[8]]).toEqual(small);
		});

		it("goes on where it stopped: each reserve starts with the group whose turn is next", async () => {
			const s = grouped();
			const a = await addIds(s, inGroup("a", 3));
			const b = await addIds(s, inGroup("b", 3));
			const seen: string[] = [];
			for (let i = 0; i < 3; i++) seen.push(...ids(await s.reserve({ limit: 2, leaseMs: LONG })));
			expect(seen).toEqual([a[0], b[0], a[1], b[1], a[2], b[2]]);
		});

		it("orders a group's jobs by priority, then in the order they became ready", async (ctx) => {
			const s = grouped();
			if (!declares(s, "priorities")) return ctx.skip();
			const [x5, x0, y5, x1] = await addIds(s, [
				job(1, { group: "a", priority: 5 }),
				job(2, { group: "a" }),
				job(3, { group: "a", priority: 5 }),
				job(4, { group: "a", priority: 1 }),
			]);
			const [b] = await addIds(s, [job(5, { group: "b", priority: 9 })]);
			expect(ids(await reserveAll(s))).toEqual([x0, b, x1, x5, y5]);
		});

		it("hands a released job back at the head of its group, which keeps its turn in the rotation", async () => {
			const s = grouped();
			const a = await addIds(s, inGroup("a", 2));
			const b = await addIds(s, inGroup("b", 2));
			const first = await reserveOne(s);
			expect(first.id).toBe(a[0]);
			expect((await s.release(first)).ok).toBe(true);
			expect(ids(await reserveAll(s))).toEqual([b[0], a[0], b[1], a[1]]);
		});

		it("caps the jobs of one group active at once, through reserve and a settle's reserve, while the others go on", async () => {
			const s = grouped();
			await s.setGroupLimits({ concurrency: 1 });
			expect(await s.getGroupLimits()).toEqual({ concurrency: 1 });
			const a = await addIds(s, inGroup("a", 3));
			const b = await addIds(s, inGroup("b", 3));
			const none = await addIds(s, inGroup(undefined, 2));
			const first = await s.reserve({ limit: 10, leaseMs: LONG });
			// One of each group, and every job without a group (no group limit applies to them).
			expect(ids(first)).toEqual([a[0], b[0], none[0], none[1]]);
			expect(await s.reserve({ limit: 10, leaseMs: LONG })).toEqual([]);
			const acked = await s.ack({ ...first[0]!, reserve: { limit: 10, leaseMs: LONG } });
			expect(acked.ok).toBe(true);
			const next = acked.next ?? (await s.reserve({ limit: 10, leaseMs: LONG }));
			expect(ids(next)).toEqual([a[1]]);
			// A retry frees the group's slot too, and so does a fail.
			expect((await s.retry({ ...next[0]!, delay: LONG, error: failure("x") })).ok).toBe(true);
			expect(ids(await s.reserve({ limit: 10, leaseMs: LONG }))).toEqual([a[2]]);
			expect((await s.fail({ ...first[1]!, error: failure("x") })).ok).toBe(true);
			expect(ids(await s.reserve({ limit: 10, leaseMs: LONG }))).toEqual([b[1]]);
		});

		it("takes a group at its concurrency out of the rotation, and puts it back at the tail when a slot frees", async () => {
			const s = grouped();
			await s.setGroupLimits({ concurrency: 1 });
			const a = await addIds(s, inGroup("a", 2));
			const b = await addIds(s, inGroup("b", 2));
			const c = await addIds(s, inGroup("c", 2));
			const first = await s.reserve({ limit: 10, leaseMs: LONG });
			expect(ids(first)).toEqual([a[0], b[0], c[0]]);
			// c's slot frees before a's: c rejoins first, a behind it; b stays out.
			expect((await s.ack(first[2]!)).ok).toBe(true);
			expect((await s.ack(first[0]!)).ok).toBe(true);
			expect(ids(await s.reserve({ limit: 10, leaseMs: LONG }))).toEqual([c[1], a[1]]);
			// A new limit puts every group held at the old one back.
			await s.setGroupLimits({ concurrency: 2 });
			expect(ids(await s.reserve({ limit: 10, leaseMs: LONG }))).toEqual([b[1]]);
		});

		it("takes a paused group out of the rotation, and puts it back at the tail on resume", async () => {
			const s = grouped();
			const a = await addIds(s, inGroup("a", 2));
			const b = await addIds(s, inGroup("b", 2));
			const c = await addIds(s, inGroup("c", 2));
			await s.pauseGroup("b");
			expect(ids(await s.reserve({ limit: 2, leaseMs: LONG }))).toEqual([a[0], c[0]]);
			await s.resumeGroup("b");
			expect(ids(await s.reserve({ limit: 10, leaseMs: LONG }))).toEqual([a[1], c[1], b[0], b[1]]);
		});

		it("serves the jobs without a group first when a group joins an empty rotation while they wait", async () => {
			const s = grouped();
			const none = await addIds(s, inGroup(undefined, 3));
			const a = await addIds(s, inGroup("a", 2));
			expect(ids(await s.reserve({ limit: 10, leaseMs: LONG }))).toEqual([
				none[0],
				a[0],
				none[1],
				a[1],
				none[2],
			]);
		});

		it("lists a paused group's ready jobs, groups in the order they got jobs ready", async (ctx) => {
			const s = grouped();
			if (!declares(s, "lookup")) return ctx.skip();
			const lookup = capable(s, "lookup");
			const a = await addIds(s, inGroup("a", 2));
			const b = await addIds(s, inGroup("b", 1));
			await s.pauseGroup("a");
			expect(ids(await s.reserve({ limit: 10, leaseMs: LONG }))).toEqual(b);
			const [c] = await addIds(s, inGroup("c", 1));
			const [b1] = await addIds(s, inGroup("b", 1, 1));
			const page = await lookup.listJobs({ state: "ready" });
			expect(page.total).toBe(4);
			expect(ids(page.jobs)).toEqual([...a, c, b1]);
			expect(ids((await lookup.listJobs({ state: "ready", offset: 1, limit: 2 })).jobs)).toEqual([
				a[1],
				c,
			]);
			expect(await s.stats()).toMatchObject({ ready: 4, active: 1 });
		});

		it("holds a group's slot for an expired lease until a sweep recovers it", async () => {
			const { elapse, lease, margin } = h();
			const s = grouped();
			await s.setGroupLimits({ concurrency: 1 });
			const a = await addIds(s, inGroup("a", 2));
			expect(ids(await s.reserve({ limit: 5, leaseMs: lease }))).toEqual([a[0]]);
			await elapse(lease + margin);
			expect(await s.reserve({ limit: 5, leaseMs: LONG })).toEqual([]);
			expect(await s.sweep({ limit: 10 })).toBe(1);
			expect(ids(await s.reserve({ limit: 5, leaseMs: LONG }))).toEqual([a[1]]);
		});

		it("rate-limits each group on its own, in a sliding window", async () => {
			const { elapse, delay, margin } = h();
			const s = grouped();
			const window = 5 * delay;
			await s.setGroupLimits({ rate: { max: 2, duration: window } });
			const a = await addIds(s, inGroup("a", 4));
			const b = await addIds(s, inGroup("b", 4));
			expect(ids(await s.reserve({ limit: 10, leaseMs: LONG }))).toEqual([a[0], b[0], a[1], b[1]]);
			expect(await s.reserve({ limit: 10, leaseMs: LONG })).toEqual([]);
			const [c] = await addIds(s, inGroup("c", 1));
			// A group with starts left in its window goes on meanwhile.
			expect(ids(await s.reserve({ limit: 10, leaseMs: LONG }))).toEqual([c]);
			await elapse(window + margin);
			expect(ids(await s.reserve({ limit: 10, leaseMs: LONG }))).toEqual([a[2], b[2], a[3], b[3]]);
		});

		it("pauses one group while the others go on, and resumes it in its turn", async () => {
			const s = grouped();
			const a = await addIds(s, inGroup("a", 2));
			const b = await addIds(s, inGroup("b", 2));
			expect(await s.isGroupPaused("a")).toBe(false);
			await s.pauseGroup("a");
			await s.pauseGroup("a");
			expect(await s.isGroupPaused("a")).toBe(true);
			expect(ids(await s.reserve({ limit: 10, leaseMs: LONG }))).toEqual(b);
			expect(await s.stats()).toMatchObject({ ready: 2, active: 2 });
			await s.resumeGroup("a");
			await s.resumeGroup("a");
			expect(await s.isGroupPaused("a")).toBe(false);
			expect(ids(await s.reserve({ limit: 10, leaseMs: LONG }))).toEqual(a);
		});

		it("keeps a pause set on a group with no jobs, for the jobs added later", async () => {
			const s = grouped();
			await s.pauseGroup("later");
			expect(await s.isGroupPaused("later")).toBe(true);
			await addIds(s, inGroup("later", 2));
			expect(await s.reserve({ limit: 10, leaseMs: LONG })).toEqual([]);
			await s.resumeGroup("later");
			expect(await s.reserve({ limit: 10, leaseMs: LONG })).toHaveLength(2);
			expect(await s.isGroupPaused("never-seen")).toBe(false);
		});

		it("shows the group with each lease and in getJob, and lists ready jobs without a group first, then group by group", async () => {
			const s = grouped();
			const [a0, n0, b0, a1] = await addIds(s, [
				job(1, { group: "a" }),
				job(2),
				job(3, { group: "b" }),
				job(4, { group: "a" }),
			]);
			if (declares(s, "lookup")) {
				const lookup = capable(s, "lookup");
				expect((await lookup.getJob(a0!))?.group).toBe("a");
				expect((await lookup.getJob(n0!))?.group).toBeUndefined();
				const page = await lookup.listJobs({ state: "ready" });
				expect(page.total).toBe(4);
				expect(ids(page.jobs)).toEqual([n0, a0, a1, b0]);
			}
			const leased = await s.reserve({ limit: 10, leaseMs: LONG });
			expect(leased.map((l) => [l.id, l.group])).toEqual([
				[a0, "a"],
				[b0, "b"],
				[n0, undefined],
				[a1, "a"],
			]);
		});

		it("refuses a bad group or bad group limits with a JobsError, changing nothing", async () => {
			const s = grouped();
			for (const group of ["", 7, null, "g".repeat(MAX_GROUP_LENGTH + 1)]) {
				const error = await rejectionOf(s.add([job(1), job(2, { group: group as string })]));
				expect(error, String(group)).toBeInstanceOf(InvalidOptionError);
				expect(await rejectionOf(s.pauseGroup(group as string))).toBeInstanceOf(InvalidOptionError);
			}
			expect(await s.stats()).toMatchObject({ ready: 0, delayed: 0 });
			await s.setGroupLimits({ concurrency: 2 });
			for (const limits of [
				{ concurrency: 0 },
				{ concurrency: 1.5 },
				{ rate: { max: 0, duration: 1_000 } },
				{ rate: { max: 1, duration: 0 } },
				{ rate: null },
				{ parallel: 2 },
				"2",
			]) {
				const error = await rejectionOf(s.setGroupLimits(limits as unknown as GroupLimits));
				expect(error, JSON.stringify(limits)).toBeInstanceOf(InvalidOptionError);
			}
			expect(await s.getGroupLimits()).toEqual({ concurrency: 2 });
			await s.setGroupLimits(null);
			expect(await s.getGroupLimits()).toBeNull();
		});

		it("wakes an idle worker when a slot of a group with jobs ready frees", async (ctx) => {
			const s = grouped();
			if (!declares(s, "waitForJob")) return ctx.skip();
			const waiting = capable(s, "waitForJob");
			await s.setGroupLimits({ concurrency: 1 });
			await addIds(s, inGroup("a", 2));
			const [held] = await s.reserve({ limit: 2, leaseMs: LONG });
			await expectWokenWhenFreed(h(), waiting, async () => {
				expect((await s.ack(held!)).ok).toBe(true);
			});
		});
	});
}
