import {
	InvalidJobDataError,
	InvalidJobNameError,
	InvalidOptionError,
	type JobStore,
	type LeasedJob,
	type NewJob,
	StoreClosedError,
} from "@jobs/core";
import { describe, expect, it } from "vitest";
import { FakeClock, LEASE_EXPIRED_MESSAGE, MemoryJobStore } from "../src/index.js";

const LONG = 600_000;
const job = (n: number, extra: Partial<NewJob> = {}): NewJob => ({
	name: "job",
	payload: `{"n":${n}}`,
	...extra,
});

function setup() {
	const clock = new FakeClock();
	const store = new MemoryJobStore({ clock });
	return { clock, store };
}

async function reserveOne(store: JobStore, leaseMs = LONG): Promise<LeasedJob> {
	const [leased] = await store.reserve({ limit: 1, leaseMs });
	if (!leased) throw new Error("nothing ready");
	return leased;
}

/** Tracks a promise's settlement without awaiting it. */
function track(promise: Promise<unknown>) {
	const state = { settled: false };
	void promise.then(() => {
		state.settled = true;
	});
	return state;
}

describe("MemoryJobStore clock", () => {
	it("reads the system clock by default", async () => {
		const store = new MemoryJobStore();
		await store.add([job(1, { runAt: Date.now() + 60_000 }), job(2, { runAt: Date.now() - 1 })]);
		expect(await store.stats()).toMatchObject({ ready: 1, delayed: 1 });
		await store.close();
	});

	it("makes a delayed job ready exactly at its due time on the injected clock", async () => {
		const { clock, store } = setup();
		await store.add([job(1, { delay: 1_000 }), job(2, { runAt: clock.now() + 2_000 })]);
		await clock.advance(999);
		expect(await store.reserve({ limit: 5, leaseMs: LONG })).toEqual([]);
		await clock.advance(1);
		expect(await store.reserve({ limit: 5, leaseMs: LONG })).toHaveLength(1);
		await clock.advance(999);
		expect(await store.reserve({ limit: 5, leaseMs: LONG })).toEqual([]);
		await clock.advance(1);
		expect(await store.reserve({ limit: 5, leaseMs: LONG })).toHaveLength(1);
	});

	it("keeps a lease live until the instant it expires, and not at that instant", async () => {
		const { clock, store } = setup();
		await store.add([job(1), job(2)]);
		const a = await reserveOne(store, 1_000);
		const b = await reserveOne(store, 1_000);
		await clock.advance(999);
		expect(await store.sweep({ limit: 10 })).toBe(0);
		expect((await store.ack(a)).ok).toBe(true);
		await clock.advance(1);
		expect((await store.ack(b)).ok).toBe(false);
		expect(await store.sweep({ limit: 10 })).toBe(1);
	});

	it("stamps failedAt with the clock's now", async () => {
		const { clock, store } = setup();
		await store.add([job(1)]);
		const leased = await reserveOne(store);
		await clock.advance(1_234);
		await store.fail({ ...leased, error: { message: "x" } });
		expect((await store.deadLetter())[0]?.failedAt).toBe(clock.now());
	});

	it("records the lease-expired note on a swept job", async () => {
		const { clock, store } = setup();
		await store.add([job(1)]);
		await reserveOne(store, 10);
		await clock.advance(10);
		await store.sweep({ limit: 1 });
		expect((await reserveOne(store)).lastError).toEqual({ message: LEASE_EXPIRED_MESSAGE });
	});

	it("sweeps a lease extended thousands of times exactly once, after its last renewal", async () => {
		const { clock, store } = setup();
		await store.add([job(1)]);
		const leased = await reserveOne(store, 100);
		for (let i = 0; i < 5_000; i++) {
			await clock.advance(10);
			expect(await store.extend({ leases: [leased], leaseMs: 100 })).toEqual([{ ok: true }]);
		}
		await clock.advance(99);
		expect(await store.sweep({ limit: 10 })).toBe(0);
		await clock.advance(1);
		expect(await store.sweep({ limit: 10 })).toBe(1);
		expect(await store.sweep({ limit: 10 })).toBe(0);
	});
});

describe("MemoryJobStore ids and copies", () => {
	it("assigns increasing decimal string ids", async () => {
		const { store } = setup();
		expect(await store.add([job(1), job(2)])).toEqual([
			{ id: "1", created: true },
			{ id: "2", created: true },
		]);
		expect(await store.add([job(3, { delay: 5 })])).toEqual([{ id: "3", created: true }]);
	});

	it("keeps its own copy of errors: later mutation by the caller changes nothing", async () => {
		const { store } = setup();
		await store.add([job(1)]);
		const error = { name: "Error", message: "boom", stack: "Error: boom" };
		const first = await reserveOne(store);
		await store.retry({ ...first, delay: 0, error });
		error.message = "mutated";
		const second = await reserveOne(store);
		expect(second.lastError?.message).toBe("boom");
		second.lastError!.message = "mutated too";
		await store.release(second);
		expect((await reserveOne(store)).lastError?.message).toBe("boom");
	});
});

describe("MemoryJobStore settle with reserve", () => {
	it("always answers next when asked, [] when nothing is ready", async () => {
		const { store } = setup();
		await store.add([job(1)]);
		const leased = await reserveOne(store);
		expect(await store.ack({ ...leased, reserve: { limit: 3, leaseMs: LONG } })).toEqual({
			ok: true,
			next: [],
		});
	});

	it("leases next with the reserve's own lease length", async () => {
		const { clock, store } = setup();
		await store.add([job(1), job(2)]);
		const first = await reserveOne(store);
		const { next } = await store.ack({ ...first, reserve: { limit: 1, leaseMs: 50 } });
		expect(next).toHaveLength(1);
		await clock.advance(50);
		expect(await store.sweep({ limit: 10 })).toBe(1);
	});

	it("re-leases a job retried with delay 0 in the same call", async () => {
		const { store } = setup();
		const [id] = (await store.add([job(1)])).map((r) => r.id);
		const leased = await reserveOne(store);
		const { next } = await store.retry({
			...leased,
			delay: 0,
			error: { message: "x" },
			reserve: { limit: 1, leaseMs: LONG },
		});
		expect(next?.map((j) => [j.id, j.attempts])).toEqual([[id, 2]]);
	});

	it("does not settle when the reserve part is invalid", async () => {
		const { store } = setup();
		await store.add([job(1)]);
		const leased = await reserveOne(store);
		await expect(store.ack({ ...leased, reserve: { limit: 0, leaseMs: LONG } })).rejects.toThrow(
			InvalidOptionError,
		);
		expect((await store.ack(leased)).ok).toBe(true);
	});
});

describe("MemoryJobStore waitForJob", () => {
	it("resolves at once when a job is already ready", async () => {
		const { store } = setup();
		await store.add([job(1)]);
		await store.waitForJob({ timeoutMs: LONG, signal: new AbortController().signal });
	});

	it("wakes on a FakeClock advance when a delayed job falls due, not before", async () => {
		const { clock, store } = setup();
		await store.add([job(1, { delay: 1_000 })]);
		const wait = track(store.waitForJob({ timeoutMs: LONG, signal: new AbortController().signal }));
		await clock.advance(999);
		expect(wait.settled).toBe(false);
		await clock.advance(1);
		expect(wait.settled).toBe(true);
		expect(clock.pendingTimers).toBe(0);
	});

	it("wakes for a delayed job added while it waits, due sooner than any other", async () => {
		const { clock, store } = setup();
		await store.add([job(1, { delay: 5_000 })]);
		const wait = track(store.waitForJob({ timeoutMs: LONG, signal: new AbortController().signal }));
		await store.add([job(2, { delay: 100 })]);
		await clock.advance(99);
		expect(wait.settled).toBe(false);
		await clock.advance(1);
		expect(wait.settled).toBe(true);
	});

	it("wakes for a job retried into the future when its backoff ends", async () => {
		const { clock, store } = setup();
		await store.add([job(1)]);
		const leased = await reserveOne(store);
		const wait = track(store.waitForJob({ timeoutMs: LONG, signal: new AbortController().signal }));
		await store.retry({ ...leased, delay: 300, error: { message: "x" } });
		await clock.advance(299);
		expect(wait.settled).toBe(false);
		await clock.advance(1);
		expect(wait.settled).toBe(true);
	});

	it("times out after exactly timeoutMs of clock time", async () => {
		const { clock, store } = setup();
		const wait = track(store.waitForJob({ timeoutMs: 500, signal: new AbortController().signal }));
		await clock.advance(499);
		expect(wait.settled).toBe(false);
		await clock.advance(1);
		expect(wait.settled).toBe(true);
		expect(clock.pendingTimers).toBe(0);
	});

	it("wakes every idle worker when a job arrives, and leaves no timer behind", async () => {
		const { clock, store } = setup();
		await store.add([job(1, { delay: 10_000 })]);
		const waits = Array.from({ length: 3 }, () =>
			store.waitForJob({ timeoutMs: LONG, signal: new AbortController().signal }),
		);
		expect(clock.pendingTimers).toBe(4); // three timeouts and one due-time timer
		await store.add([job(2)]);
		await Promise.all(waits);
		expect(clock.pendingTimers).toBe(0);
	});

	it("resolves on abort and clears its timers", async () => {
		const { clock, store } = setup();
		const abort = new AbortController();
		const wait = store.waitForJob({ timeoutMs: LONG, signal: abort.signal });
		abort.abort();
		await wait;
		expect(clock.pendingTimers).toBe(0);
	});

	it("wakes waiting workers when the store closes", async () => {
		const { store } = setup();
		const wait = store.waitForJob({ timeoutMs: LONG, signal: new AbortController().signal });
		await store.close();
		await wait;
		await expect(store.reserve({ limit: 1, leaseMs: 1 })).rejects.toThrow(StoreClosedError);
	});

	it("returns at once for timeoutMs 0", async () => {
		const { store } = setup();
		await store.waitForJob({ timeoutMs: 0, signal: new AbortController().signal });
	});
});

describe("MemoryJobStore input checks", () => {
	const signal = new AbortController().signal;
	const ref = { id: "1", token: "t" };
	const bad: [string, (s: MemoryJobStore) => Promise<unknown>][] = [
		["reserve limit 0", (s) => s.reserve({ limit: 0, leaseMs: 1 })],
		["reserve limit 1.5", (s) => s.reserve({ limit: 1.5, leaseMs: 1 })],
		["reserve leaseMs 0", (s) => s.reserve({ limit: 1, leaseMs: 0 })],
		["reserve leaseMs NaN", (s) => s.reserve({ limit: 1, leaseMs: Number.NaN })],
		["reserve leaseMs Infinity", (s) => s.reserve({ limit: 1, leaseMs: Number.POSITIVE_INFINITY })],
		["sweep limit 0", (s) => s.sweep({ limit: 0 })],
		["extend leaseMs -1", (s) => s.extend({ leases: [ref], leaseMs: -1 })],
		["retry delay -1", (s) => s.retry({ ...ref, delay: -1, error: { message: "x" } })],
		["retry without error", (s) => s.retry({ ...ref, delay: 0 } as never)],
		["fail without error", (s) => s.fail({ ...ref } as never)],
		["ack without token", (s) => s.ack({ id: "1" } as never)],
		["deadLetter offset -1", (s) => s.deadLetter({ offset: -1 })],
		["retryDead with no selector", (s) => s.retryDead({} as never)],
		["removeDead with ids not strings", (s) => s.removeDead({ ids: [1] } as never)],
		["waitForJob timeoutMs -1", (s) => s.waitForJob({ timeoutMs: -1, signal })],
		["add with delay and runAt", (s) => s.add([job(1, { delay: 1, runAt: 1 })])],
		["add with delay NaN", (s) => s.add([job(1, { delay: Number.NaN })])],
		["add with maxAttempts 0", (s) => s.add([job(1, { maxAttempts: 0 })])],
		["add with no array", (s) => s.add({} as never)],
		["extend with no leases array", (s) => s.extend({ leaseMs: 1 } as never)],
	];

	for (const [what, call] of bad) {
		it(`rejects ${what} with InvalidOptionError`, async () => {
			const { store } = setup();
			await expect(call(store)).rejects.toMatchObject({
				constructor: InvalidOptionError,
				code: "JOBS_INVALID_OPTION",
			});
		});
	}

	it("rejects an empty job name with InvalidJobNameError", async () => {
		const { store } = setup();
		await expect(store.add([{ name: "", payload: "{}" }])).rejects.toThrow(InvalidJobNameError);
	});

	it("rejects a payload that is not a string with InvalidJobDataError", async () => {
		const { store } = setup();
		await expect(store.add([{ name: "x", payload: { a: 1 } as never }])).rejects.toThrow(
			InvalidJobDataError,
		);
	});

	it("adds nothing from a batch with one bad job", async () => {
		const { store } = setup();
		await expect(store.add([job(1), job(2, { delay: -5 })])).rejects.toThrow(InvalidOptionError);
		expect(await store.stats()).toMatchObject({ ready: 0, delayed: 0, active: 0, dead: 0 });
		expect(await store.add([job(3)])).toEqual([{ id: "1", created: true }]);
	});
});

describe("MemoryJobStore jobIdHistory", () => {
	async function complete(store: MemoryJobStore, jobId: string) {
		await store.add([job(1, { jobId })]);
		const leased = await reserveOne(store);
		expect((await store.ack(leased)).ok).toBe(true);
	}

	it("remembers only the newest completed ids, as many as it is told", async () => {
		const store = new MemoryJobStore({ clock: new FakeClock(), jobIdHistory: 1 });
		await complete(store, "a");
		await complete(store, "b");
		expect(await store.add([job(2, { jobId: "b" })])).toEqual([
			{ id: "b", created: false, existing: "jobId" },
		]);
		expect(await store.add([job(3, { jobId: "a" })])).toEqual([{ id: "a", created: true }]);
	});

	it("forgets a completed id at once with 0, and refuses a bad value", async () => {
		const store = new MemoryJobStore({ clock: new FakeClock(), jobIdHistory: 0 });
		await complete(store, "a");
		expect(await store.add([job(2, { jobId: "a" })])).toEqual([{ id: "a", created: true }]);
		expect(() => new MemoryJobStore({ jobIdHistory: -1 })).toThrow(InvalidOptionError);
		expect(() => new MemoryJobStore({ jobIdHistory: 1.5 })).toThrow(/jobIdHistory/);
	});
});
