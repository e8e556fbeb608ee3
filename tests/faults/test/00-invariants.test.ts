// The checks have teeth: synthetic ledgers with a lost job, a double completion, an early
// hand-out, a re-delivery without cause, a stuck job and a duplicated entry each fail them, and
// so do broken store structures: progress left behind, events missing or miscounted.
import { describe, expect, it } from "vitest";
import { checkLedger } from "./support/invariants.js";
import { analyze, type LedgerEvent } from "./support/ledger.js";
import { type Snapshot, structureViolations } from "./support/store-layout.js";

const empty = (): Snapshot => ({
	now: 0,
	ready: [],
	lines: new Map(),
	delayed: [],
	active: [],
	leaseExp: [],
	deadOrder: [],
	done: [],
	progress: {},
	events: [],
	records: [],
	dueMarker: undefined,
	meta: { id: "10" },
	malformed: [],
	starts: [],
	groups: new Map(),
	groupOrder: new Map(),
	rotation: [],
	held: [],
	groupOf: new Map(),
	activeFields: {},
});

const ev = (e: Partial<LedgerEvent> & { t: string }): LedgerEvent => ({
	pid: 1,
	w: "w1",
	hr: 0,
	...e,
});

/** A clean run of job `id` by worker pid `pid` from `at`: lease, start, end, ack. */
function run(id: string, pid: number, at: number, attempts = 1, ok = true): LedgerEvent[] {
	const token = `${id}.${pid}.${attempts}`;
	const w = `w${pid}`;
	return [
		ev({ t: "lease", id, token, attempts, leaseMs: 1_000, sent: at, hr: at + 1, pid, w }),
		ev({ t: "start", id, attempt: attempts, token, hr: at + 2, pid, w }),
		ev({ t: "end", id, attempt: attempts, token, outcome: "ok", hr: at + 10, pid, w }),
		ev({ t: "settle-sent", id, token, op: "ack", hr: at + 11, pid, w }),
		ev({ t: "settle", id, token, op: "ack", ok, sent: at + 11, hr: at + 12, pid, w }),
	];
}

const add = (id: string) => ev({ t: "add", id, sent: 0, hr: 1, w: "test" });

describe("the fault-test invariants", () => {
	it("pass a clean ledger", () => {
		const report = checkLedger(analyze([add("1"), ...run("1", 1, 10)]), empty());
		expect(report.violations).toEqual([]);
		expect(report.acked).toBe(1);
	});

	it("take a completed job kept by retention as finished, not lost or stuck", () => {
		const snap = { ...empty(), done: ["1"], records: ["1"] };
		const report = checkLedger(analyze([add("1"), ...run("1", 1, 10)]), snap);
		expect(report.violations).toEqual([]);
		expect(report.acked).toBe(1);
		expect(structureViolations(snap)).toEqual([]);
	});

	it("catch a lost job", () => {
		const events = [add("1"), ...run("1", 1, 10).slice(0, 3)];
		const report = checkLedger(analyze(events), empty());
		expect(report.violations.join("\n")).toMatch(/LOST/);
	});

	it("count an ack sent just as Redis was killed and refused on its resend as acked, not lost", () => {
		// The kill is logged when the signal is sent; the ack, sent 0.1 ms later, still ran.
		const kill = ev({ t: "redis-killed", hr: 20.9, w: "test" });
		const events = [add("1"), kill, ...run("1", 1, 10, 1, false)];
		const report = checkLedger(analyze(events), empty(), { redisRestarted: true });
		expect(report.violations).toEqual([]);
		expect(report.ackedUnconfirmed).toBe(1);
		// Well after the kill, a refused ack of a job that is gone is a loss.
		const late = [
			add("1"),
			ev({ t: "redis-killed", hr: 5, w: "test" }),
			...run("1", 1, 100, 1, false),
		];
		const lost = checkLedger(analyze(late), empty(), { redisRestarted: true });
		expect(lost.violations.join("\n")).toMatch(/LOST/);
		// Killed client connections lose replies the same way.
		const cut = [
			add("1"),
			ev({ t: "connections-killed", hr: 20.9, w: "test" }),
			...run("1", 1, 10, 1, false),
		];
		expect(checkLedger(analyze(cut), empty(), { redisRestarted: true }).violations).toEqual([]);
	});

	it("catch a job completed twice", () => {
		const events = [add("1"), ...run("1", 1, 10), ...run("1", 2, 5_000, 2)];
		const report = checkLedger(analyze(events), empty());
		expect(report.violations.join("\n")).toMatch(/completed 2 times/);
		expect(report.violations.join("\n")).toMatch(/after its ack was confirmed/);
	});

	it("catch an early hand-out and a re-delivery without cause", () => {
		// w1 holds the lease (renewed at 500) and never settles; w2 gets the job at 900.
		const first = run("1", 1, 10).slice(0, 2);
		first.push(ev({ t: "extend", ids: ["1"], tokens: ["1.1.1"], ok: [true], sent: 500, hr: 501 }));
		const events = [add("1"), ...first, ...run("1", 2, 900, 2)];
		const report = checkLedger(analyze(events), empty());
		const text = report.violations.join("\n");
		expect(text).toMatch(/neither crashed nor lost its lease/);
		expect(text).toMatch(/ms before attempt 1's lease/);
	});

	it("accept a re-delivery after a crash, once the lease expired", () => {
		const first = run("1", 1, 10).slice(0, 2);
		const events = [
			add("1"),
			...first,
			ev({ t: "killed", target: 1, hr: 100, w: "test", pid: 99 }),
			...run("1", 2, 1_200, 2),
		];
		const report = checkLedger(analyze(events), empty());
		expect(report.violations).toEqual([]);
		expect(report.reruns).toBe(1);
	});

	it("catch a job that never settled and a reservation nobody received", () => {
		const snap = empty();
		snap.active.push({ id: "1", value: "x", expiry: 1, token: "t", attempts: 2 });
		const events = [add("1"), ...run("1", 1, 10, 2).slice(0, 2)];
		const text = checkLedger(analyze(events), snap).violations.join("\n");
		expect(text).toMatch(/did not settle: still active/);
		expect(text).toMatch(/a reservation nobody received/);
	});

	it("catch a job in two places, a missing :due marker and unbalanced stats", () => {
		const snap = empty();
		snap.ready.push("1");
		snap.delayed.push({ id: "1", due: 5 });
		const text = structureViolations(snap, { ready: 1, delayed: 1, active: 1, dead: 0 }).join("\n");
		expect(text).toMatch(/job 1 is in 2 places/);
		expect(text).toMatch(/no :due marker/);
		expect(text).toMatch(/does not balance/);
	});

	it("catch a rate window whose starts disagree with its count, or run out of order", () => {
		const snap = empty();
		snap.starts.push({ at: 20, count: 2 }, { at: 10, count: 1 });
		snap.meta.started = "4";
		const text = structureViolations(snap).join("\n");
		expect(text).toMatch(/holds 3 starts, meta says 4/);
		expect(text).toMatch(/out of order/);
	});

	it("catch a job in a place without a record, and a record in no place", () => {
		const snap = empty();
		snap.ready.push("1");
		snap.records.push("2");
		const text = structureViolations(snap).join("\n");
		expect(text).toMatch(/job 1 is ready but has no record/);
		expect(text).toMatch(/job 2 has a record but is in no place/);
	});

	it("catch a lease missing from lease-exp, one scored off its expiry, and an entry of no lease", () => {
		const snap = empty();
		snap.records.push("1", "2");
		snap.active.push({ id: "1", value: "5,t,1,0", expiry: 5, token: "t", attempts: 1 });
		snap.active.push({ id: "2", value: "5,u,1,0", expiry: 5, token: "u", attempts: 1 });
		snap.leaseExp.push({ id: "2", expiry: 9 }, { id: "3", expiry: 5 });
		const text = structureViolations(snap).join("\n");
		expect(text).toMatch(/job 1 is active but not in lease-exp/);
		expect(text).toMatch(/lease-exp scores job 2 at 9, its lease expires at 5/);
		expect(text).toMatch(/lease-exp holds job 3, which has no lease/);
	});

	it("catch a group's books out of balance: its state, the rotation, its lease count", () => {
		const snap = empty();
		snap.records.push("1", "2", "3");
		snap.groupOf.set("1", "a").set("2", "a").set("3", "b");
		const group = (ready: string[], state: Record<string, string>) => ({
			ready,
			zero: ready,
			lines: new Map(),
			state,
			starts: [],
		});
		snap.groups.set("a", group(["1"], { r: "1" })).set("b", group(["3"], {}));
		snap.ready.push("1", "3");
		snap.active.push({ id: "2", value: "5,t,1,0", expiry: 5, token: "t", attempts: 1 });
		snap.leaseExp.push({ id: "2", expiry: 5 });
		snap.rotation.push("a", "a", "");
		snap.groupOrder.set("a", 1);
		snap.meta.gjobs = "1";
		const text = structureViolations(snap).join("\n");
		expect(text).toMatch(/the rotation holds a 2 times/);
		expect(text).toMatch(/:u-rot is absent, the rotation holds ''/);
		expect(text).toMatch(/:grouped is absent with 3 in the rotation/);
		expect(text).toMatch(/lease of job 2 of group a is not flagged/);
		expect(text).toMatch(/group a counts 0 leases, holds 1/);
		expect(text).toMatch(/group b has jobs ready and no r/);
		expect(text).toMatch(/the groups hold 2 ready jobs, meta gjobs says 1/);
		snap.rotation = ["a"];
		snap.activeFields[":grouped"] = "1";
		snap.active[0]!.value = "5,t,1,0,x";
		snap.groups.get("a")!.state.a = "1";
		snap.groups.set("b", group(["3"], { r: "h" }));
		snap.held.push("b");
		snap.groupOrder.set("b", 2);
		snap.meta.gjobs = "2";
		expect(structureViolations(snap)).toEqual([]);
	});

	it("catch progress left behind by an attempt that ended, or on a lease not flagged for it", () => {
		const snap = empty();
		snap.records.push("1", "2");
		snap.ready.push("1");
		snap.active.push({ id: "2", value: "5,t,1,0", expiry: 5, token: "t", attempts: 1 });
		snap.leaseExp.push({ id: "2", expiry: 5 });
		snap.progress = { "1": "50", "2": "60" };
		const text = structureViolations(snap).join("\n");
		expect(text).toMatch(/progress of job 1, which is not active/);
		expect(text).toMatch(/progress of job 2, whose lease is not flagged/);
		snap.active[0]!.value = "5,t,1,0,x";
		snap.ready.pop();
		snap.active.push({ id: "1", value: "5,u,1,0,x", expiry: 5, token: "u", attempts: 1 });
		snap.leaseExp.push({ id: "1", expiry: 5 });
		expect(structureViolations(snap)).toEqual([]);
	});

	it("catch event entries with a gap, a wrong count or a newest event other than evseq", () => {
		const entry = (last: number, types: string[]): [string, string[]] => [
			`${last}-0`,
			["T", "1", "c", String(types.length), ...types.flatMap((t) => [t, "1,1:1job"])],
		];
		const snap = { ...empty(), meta: { id: "10", evseq: "5" } };
		snap.events = [entry(2, ["ad", "ad"]), entry(5, ["ac", "co", "ad"])];
		expect(structureViolations(snap)).toEqual([]);
		// Extras (one-letter fields) are no events.
		snap.events[1]![1].push("r", "42");
		expect(structureViolations(snap)).toEqual([]);
		snap.events = [entry(2, ["ad", "ad"]), entry(6, ["ac", "co", "ad"])];
		const text = structureViolations(snap).join("\n");
		expect(text).toMatch(/events 3..3 are missing before entry 6-0/);
		expect(text).toMatch(/the newest event is 6, meta evseq says 5/);
		snap.events = [["2-0", ["T", "1", "c", "3", "ad", "1,1:1job"]]];
		snap.meta.evseq = "2";
		expect(structureViolations(snap).join("\n")).toMatch(/says 3 events and holds 1/);
	});
});
