/**
 * Shared plumbing of the contract groups: one harness per test, scaled durations, and helpers
 * that put jobs into a given state through the store's own methods.
 * @internal
 */
import {
	type Capability,
	type CapabilityMethods,
	InvalidOptionError,
	type JobErrorInfo,
	type JobStore,
	type LeasedJob,
	type LeaseRef,
	type NewJob,
	supports,
} from "@jobs/core";
import { afterEach, beforeEach, expect } from "vitest";
import type { ContractHarness, ContractOptions } from "./harness.js";

/** What a test sees: the store, a way to let time pass, and the durations to use. */
export interface ContractContext {
	readonly store: JobStore;
	elapse(ms: number): Promise<void>;
	/** A lease that expires within the test once `elapse(lease + margin)` runs. */
	readonly lease: number;
	/** A delay the test waits out. */
	readonly delay: number;
	/** Slack added to waits so a real-time store is clearly past a deadline. */
	readonly margin: number;
	/** How long, in real time, an asynchronous wake-up may take to arrive. */
	readonly wakeWithin: number;
}

/** A lease no test outlives: ten minutes. */
export const LONG = 600_000;

/**
 * Registers a fresh harness per test (beforeEach) and its teardown (afterEach) in the
 * surrounding `describe`, and returns an accessor for the current one.
 */
export function useHarness(options: ContractOptions): () => ContractContext {
	const scale = options.timeScale ?? 1;
	if (typeof scale !== "number" || !Number.isFinite(scale) || scale <= 0) {
		throw new InvalidOptionError("timeScale", `must be a finite number > 0, got ${String(scale)}`);
	}
	const scaled = (ms: number) => Math.max(1, Math.round(ms * scale));
	let harness: ContractHarness | undefined;
	let context: ContractContext | undefined;
	beforeEach(async () => {
		const h = await options.createHarness();
		harness = h;
		context = {
			store: h.store,
			elapse: (ms) => h.elapse(ms),
			lease: scaled(200),
			delay: scaled(200),
			margin: scaled(100),
			wakeWithin: scaled(1_000),
		};
	});
	afterEach(async () => {
		const h = harness;
		harness = undefined;
		context = undefined;
		if (h) await (h.close ? h.close() : h.store.close());
	});
	return () => {
		if (!context) throw new Error("the contract harness is only available inside a test");
		return context;
	};
}

/** A job whose payload carries `n`, so tests can tell jobs apart by payload too. */
export function job(n: number | string, extra: Partial<NewJob> = {}): NewJob {
	return { name: "contract-job", payload: JSON.stringify({ n }), ...extra };
}

/** Adds `jobs` in one call and resolves their ids, failing the test if any was not created. */
export async function addIds(store: JobStore, jobs: readonly NewJob[]): Promise<string[]> {
	const results = await store.add(jobs);
	if (!Array.isArray(results) || results.length !== jobs.length) {
		throw new Error(`add of ${jobs.length} jobs resolved ${JSON.stringify(results)}`);
	}
	return results.map((result, i) => {
		if (result?.created !== true || typeof result.id !== "string") {
			throw new Error(
				`add of jobs[${i}] resolved ${JSON.stringify(result)}, not { id, created: true }`,
			);
		}
		return result.id;
	});
}

/** `count` jobs numbered from `from`, for one `add` call. */
export function jobs(count: number, from = 0): NewJob[] {
	return Array.from({ length: count }, (_, i) => job(from + i));
}

/** An error as an engine would record it. */
export function failure(message: string): JobErrorInfo {
	return { name: "Error", message, stack: `Error: ${message}\n    at handler (contract.js:1:1)` };
}

/** Reserves exactly one job, failing the test when none is ready. */
export async function reserveOne(store: JobStore, leaseMs = LONG): Promise<LeasedJob> {
	const [leased, ...extra] = await store.reserve({ limit: 1, leaseMs });
	if (!leased) throw new Error("expected a ready job, reserve resolved []");
	if (extra.length > 0) throw new Error(`reserve({ limit: 1 }) leased ${1 + extra.length} jobs`);
	return leased;
}

/** Reserves until nothing is ready (bounded, so a broken store cannot loop forever). */
export async function reserveAll(store: JobStore, leaseMs = LONG): Promise<LeasedJob[]> {
	const all: LeasedJob[] = [];
	for (let round = 0; round < 100; round++) {
		const batch = await store.reserve({ limit: 100, leaseMs });
		if (batch.length === 0) return all;
		all.push(...batch);
	}
	throw new Error("reserve kept handing out jobs after 10 000 of them");
}

/** Adds `count` jobs and moves each to the dead letter, in add order. Resolves their ids. */
export async function seedDead(store: JobStore, count: number): Promise<string[]> {
	const ids = await addIds(store, jobs(count));
	for (const id of ids) {
		const leased = await reserveOne(store);
		if (leased.id !== id) throw new Error(`expected job ${id} next, reserve gave ${leased.id}`);
		const { ok } = await store.fail({ id, token: leased.token, error: failure(`job ${id} died`) });
		if (!ok) throw new Error(`fail of job ${id} with its live token was refused`);
	}
	return ids;
}

/** The operations fenced by a lease token. */
export type FencedOp = "ack" | "retry" | "fail" | "release" | "extend";

/** Every fenced operation, for tables of tests. */
export const FENCED_OPS: readonly FencedOp[] = ["ack", "retry", "fail", "release", "extend"];

/** Runs one fenced operation with `ref`; resolves whether the store accepted the token. */
export async function fenced(store: JobStore, op: FencedOp, ref: LeaseRef): Promise<boolean> {
	const { id, token } = ref;
	switch (op) {
		case "ack":
			return (await store.ack({ id, token })).ok;
		case "retry":
			return (await store.retry({ id, token, delay: 0, error: failure("retry") })).ok;
		case "fail":
			return (await store.fail({ id, token, error: failure("fail") })).ok;
		case "release":
			return (await store.release({ id, token })).ok;
		case "extend": {
			const [renewed] = await store.extend({ leases: [{ id, token }], leaseMs: LONG });
			return renewed?.ok === true;
		}
	}
}

/**
 * Polls `check` in real time until it holds or `timeoutMs` passes. Only for events a store
 * delivers asynchronously (a wake-up), never to let store time pass: that is `elapse`.
 */
export async function eventually(check: () => boolean, timeoutMs: number): Promise<boolean> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		if (check()) return true;
		if (Date.now() >= deadline) return false;
		await new Promise((resolve) => setTimeout(resolve, 2));
	}
}

/** Whether a promise has settled yet, and how. */
export interface Tracked {
	readonly settled: boolean;
	/** The rejection reason, when it rejected. */
	readonly error: unknown;
}

/** Tracks whether a promise has settled, without awaiting it. */
export function track(promise: Promise<unknown>): Tracked {
	const state = { settled: false, error: undefined as unknown };
	promise.then(
		() => {
			state.settled = true;
		},
		(error: unknown) => {
			state.settled = true;
			state.error = error ?? new Error("rejected with nothing");
		},
	);
	return state;
}

/** Ids of leased jobs, for order assertions. */
export const ids = (leased: readonly { id: string }[]): string[] => leased.map((j) => j.id);

/** The store narrowed to a capability's methods; throws when it does not declare it. */
export function capable<C extends Capability>(
	store: JobStore,
	capability: C,
): JobStore & CapabilityMethods[C] {
	if (!supports(store, capability)) {
		throw new Error(
			`this group needs the "${capability}" capability, which the store does not declare`,
		);
	}
	return store;
}

/** Whether the store declares `capability` (for tests that also use another group's feature). */
export const declares = (store: JobStore, capability: Capability): boolean =>
	supports(store, capability);

/** Resolves the rejection of `promise`, failing the test if it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
	return promise.then(
		(value) => new Error(`expected a rejection, got ${JSON.stringify(value)}`),
		(error: unknown) => error,
	);
}

/**
 * As an idle worker held back by a limit: a reserve that finds nothing, then a wait that must
 * not end until `free()` (a settle that frees a slot) runs, and must end soon after; then a
 * reserve that leases. A wake-up left over from earlier calls is spent first.
 */
export async function expectWokenWhenFreed(
	c: ContractContext,
	store: JobStore & CapabilityMethods["waitForJob"],
	free: () => Promise<unknown>,
): Promise<void> {
	const { elapse, margin, wakeWithin } = c;
	const abort = new AbortController();
	try {
		const first = store.waitForJob({ timeoutMs: margin, signal: abort.signal });
		await elapse(2 * margin);
		await first;
		expect(await store.reserve({ limit: 2, leaseMs: LONG })).toEqual([]);
		const wait = track(store.waitForJob({ timeoutMs: LONG, signal: abort.signal }));
		expect(await eventually(() => wait.settled, wakeWithin / 4)).toBe(false);
		await free();
		expect(await eventually(() => wait.settled, wakeWithin)).toBe(true);
		expect(wait.error).toBeUndefined();
		expect(await store.reserve({ limit: 2, leaseMs: LONG })).toHaveLength(1);
	} finally {
		abort.abort();
	}
}

/** What a store holds, as stats say, for "nothing changed" assertions. */
export const EMPTY = { ready: 0, delayed: 0, active: 0, dead: 0 } as const;
