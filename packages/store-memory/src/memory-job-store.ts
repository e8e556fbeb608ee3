import { randomUUID } from "node:crypto";
import {
	type Clock,
	InvalidOptionError,
	StoreClosedError,
	systemClock,
	type TimerHandle,
} from "@jobs/core";
import {
	type AddResult,
	checkDeadSelector,
	checkDuration,
	checkErrorInfo,
	checkInteger,
	checkLeaseRef,
	checkNewJob,
	checkReserveParams,
	copyErrorInfo,
	type DeadJobRecord,
	type DeadJobSelector,
	type DeadLetterParams,
	type ExtendParams,
	type ExtendResult,
	type FailParams,
	type JobErrorInfo,
	type JobStats,
	type JobStore,
	type LeasedJob,
	type NewJob,
	type ReserveParams,
	type RetryParams,
	type SettleParams,
	type SettleResult,
	type StoreCapabilities,
	type SweepParams,
	type WaitForJobCapable,
	type WaitForJobParams,
} from "@jobs/core/store";
import { Deque } from "./deque.js";
import { type HeapEntry, MinHeap } from "./min-heap.js";

/** Options of {@link MemoryJobStore}. */
export interface MemoryJobStoreOptions {
	/**
	 * The store's "now" and its timers (lease expiry, due times, `waitForJob` timeouts). Default
	 * {@link systemClock}; pass a `FakeClock` to control time in tests.
	 */
	clock?: Clock;
}

/** The note {@link MemoryJobStore.sweep} records as `lastError` of a recovered job. */
export const LEASE_EXPIRED_MESSAGE =
	"lease expired before the job was settled (worker crashed or stalled)";

interface StoredJob {
	readonly id: string;
	readonly name: string;
	readonly payload: string;
	readonly maxAttempts: number | undefined;
	attempts: number;
	lastError: JobErrorInfo | undefined;
	/** The current lease token, `""` when not leased. */
	token: string;
	/** When the current lease expires; meaningful only while leased. */
	expiresAt: number;
}

interface DelayedEntry extends HeapEntry {
	readonly job: StoredJob;
}

/** One lease as it was granted or renewed; stale once the job's token or expiry moved on. */
interface LeaseEntry extends HeapEntry {
	readonly job: StoredJob;
	readonly token: string;
}

interface DeadEntry {
	readonly job: StoredJob;
	readonly error: JobErrorInfo;
	readonly failedAt: number;
}

/**
 * An in-process {@link JobStore} with the same semantics as the Redis store: leases with unique
 * tokens that expire on the injected clock, token fencing, sweep, delayed promotion in due
 * order, FIFO ready jobs and a dead letter. Every call runs to completion synchronously inside
 * its promise, so each one is atomic with respect to every other.
 *
 * Built for test suites: O(1) enqueue and reserve of ready jobs, O(log n) for delayed jobs and
 * leases, and {@link MemoryJobStore.waitForJob} wakes idle workers as soon as a job is ready, or
 * when a delayed job falls due on the clock (a `FakeClock.advance` wakes them too).
 *
 * @example
 * const clock = new FakeClock();
 * const queue = new JobQueue({ store: new MemoryJobStore({ clock }), clock });
 * await queue.add("report", { id: 42 }, { delay: 60_000 });
 * await clock.advance(60_000); // the job is due now, and an idle worker wakes up for it
 */
export class MemoryJobStore implements JobStore, WaitForJobCapable {
	readonly capabilities: StoreCapabilities = { waitForJob: true };
	readonly #clock: Clock;
	#closed = false;
	#lastId = 0;
	#seq = 0;

	readonly #ready = new Deque<StoredJob>();
	readonly #delayed = new MinHeap<DelayedEntry>();
	readonly #active = new Map<string, StoredJob>();
	// Renewals push a new entry and leave the old one to be skipped as stale when it surfaces.
	readonly #leases = new MinHeap<LeaseEntry>();
	// A Map iterates in insertion order, which is death order.
	readonly #dead = new Map<string, DeadEntry>();

	readonly #waiters = new Set<() => void>();
	#dueTimer: TimerHandle | undefined;
	#dueTimerAt: number | undefined;

	constructor(options: MemoryJobStoreOptions = {}) {
		this.#clock = options.clock ?? systemClock;
	}

	async add(jobs: readonly NewJob[]): Promise<AddResult[]> {
		this.#open();
		if (!Array.isArray(jobs)) throw new InvalidOptionError("add(jobs)", "must be an array");
		// Validate the whole batch first: a bad job must leave nothing behind.
		const checked = jobs.map((job, i) => checkNewJob(job, `jobs[${i}]`, this));
		const now = this.#now();
		const ids = checked.map((input) => {
			const job: StoredJob = {
				id: String(++this.#lastId),
				name: input.name,
				payload: input.payload,
				maxAttempts: input.maxAttempts,
				attempts: 0,
				lastError: undefined,
				token: "",
				expiresAt: 0,
			};
			const dueAt =
				input.delay !== undefined && input.delay > 0
					? now + input.delay
					: input.runAt !== undefined && input.runAt > now
						? input.runAt
						: undefined;
			if (dueAt === undefined) this.#ready.push(job);
			else this.#delayed.push({ at: dueAt, seq: this.#seq++, job });
			return { id: job.id, created: true };
		});
		this.#changed();
		return ids;
	}

	async reserve(params: ReserveParams): Promise<LeasedJob[]> {
		this.#open();
		const { limit, leaseMs } = checkReserveParams("reserve", params);
		const leased = this.#take(limit, leaseMs, this.#now());
		this.#changed();
		return leased;
	}

	async ack(params: SettleParams): Promise<SettleResult> {
		return this.#settle("ack", params, () => {});
	}

	async retry(params: RetryParams): Promise<SettleResult> {
		this.#open();
		const delay = checkDuration("retry.delay", params?.delay);
		const error = checkErrorInfo("retry.error", params.error);
		return this.#settle("retry", params, (job, now) => {
			job.lastError = error;
			this.#delayed.push({ at: now + delay, seq: this.#seq++, job });
		});
	}

	async fail(params: FailParams): Promise<SettleResult> {
		this.#open();
		const error = checkErrorInfo("fail.error", params?.error);
		return this.#settle("fail", params, (job, now) => {
			job.lastError = error;
			this.#dead.set(job.id, { job, error, failedAt: now });
		});
	}

	async release(params: SettleParams): Promise<SettleResult> {
		return this.#settle("release", params, (job) => {
			job.attempts--;
			this.#ready.unshift(job);
		});
	}

	async extend(params: ExtendParams): Promise<ExtendResult[]> {
		this.#open();
		const leaseMs = checkDuration("extend.leaseMs", params?.leaseMs, true);
		if (!Array.isArray(params.leases))
			throw new InvalidOptionError("extend.leases", "must be an array");
		const refs = params.leases.map((ref, i) => checkLeaseRef(`extend.leases[${i}]`, ref));
		const now = this.#now();
		const renewed = refs.map((ref): ExtendResult => {
			const job = this.#current(ref.id, ref.token, now);
			if (!job) return { ok: false, reason: "stale" };
			job.expiresAt = now + leaseMs;
			this.#leases.push({ at: job.expiresAt, seq: this.#seq++, job, token: job.token });
			return { ok: true };
		});
		this.#compactLeases();
		this.#changed();
		return renewed;
	}

	async sweep(params: SweepParams): Promise<number> {
		this.#open();
		const limit = checkInteger("sweep.limit", params?.limit, 1);
		const now = this.#now();
		let recovered = 0;
		while (recovered < limit) {
			const entry = this.#leases.peek();
			// A lease is live while now < expiresAt.
			if (!entry || entry.at > now) break;
			this.#leases.pop();
			const { job } = entry;
			if (!this.#isCurrentEntry(entry)) continue;
			this.#active.delete(job.id);
			job.token = "";
			job.lastError = { message: LEASE_EXPIRED_MESSAGE };
			this.#ready.push(job);
			recovered++;
		}
		this.#changed();
		return recovered;
	}

	async stats(): Promise<JobStats> {
		this.#open();
		// Promoting first makes a job that fell due count as ready, which is what it is.
		this.#now();
		this.#changed();
		return {
			ready: this.#ready.size,
			delayed: this.#delayed.size,
			active: this.#active.size,
			dead: this.#dead.size,
		};
	}

	async deadLetter(params: DeadLetterParams = {}): Promise<DeadJobRecord[]> {
		this.#open();
		const offset =
			params.offset === undefined ? 0 : checkInteger("deadLetter.offset", params.offset, 0);
		const limit =
			params.limit === undefined
				? Number.POSITIVE_INFINITY
				: checkInteger("deadLetter.limit", params.limit, 0);
		const records: DeadJobRecord[] = [];
		let skipped = 0;
		for (const { job, error, failedAt } of this.#dead.values()) {
			if (records.length >= limit) break;
			if (skipped++ < offset) continue;
			const record: DeadJobRecord = {
				id: job.id,
				name: job.name,
				payload: job.payload,
				attempts: job.attempts,
				error: copyErrorInfo(error),
				failedAt,
			};
			if (job.maxAttempts !== undefined) record.maxAttempts = job.maxAttempts;
			records.push(record);
		}
		return records;
	}

	async retryDead(selector: DeadJobSelector): Promise<number> {
		this.#open();
		const ids = checkDeadSelector("retryDead", selector);
		this.#now();
		let moved = 0;
		for (const id of ids === "all" ? [...this.#dead.keys()] : ids) {
			const entry = this.#dead.get(id);
			if (!entry) continue;
			this.#dead.delete(id);
			entry.job.attempts = 0;
			this.#ready.push(entry.job);
			moved++;
		}
		this.#changed();
		return moved;
	}

	async removeDead(selector: DeadJobSelector): Promise<number> {
		this.#open();
		const ids = checkDeadSelector("removeDead", selector);
		if (ids === "all") {
			const removed = this.#dead.size;
			this.#dead.clear();
			return removed;
		}
		let removed = 0;
		for (const id of ids) if (this.#dead.delete(id)) removed++;
		return removed;
	}

	/**
	 * Resolves as soon as a job is ready (at once if one already is), when the earliest delayed
	 * job falls due on the clock, after `timeoutMs` of clock time, when `signal` aborts, or when
	 * the store closes. Timers run on the injected clock, so a `FakeClock.advance` fires them.
	 */
	async waitForJob(params: WaitForJobParams): Promise<void> {
		this.#open();
		const timeoutMs = checkDuration("waitForJob.timeoutMs", params?.timeoutMs);
		const { signal } = params;
		this.#now();
		if (this.#ready.size > 0 || signal?.aborted || timeoutMs === 0) return;
		await new Promise<void>((resolve) => {
			const timer = this.#clock.setTimeout(() => done(), timeoutMs);
			const done = () => {
				if (!this.#waiters.delete(done)) return;
				this.#clock.clearTimeout(timer);
				signal?.removeEventListener("abort", done);
				this.#armDueTimer();
				resolve();
			};
			this.#waiters.add(done);
			signal?.addEventListener("abort", done, { once: true });
			this.#armDueTimer();
		});
	}

	/** Drops every job, wakes every `waitForJob` caller and rejects later calls. Idempotent. */
	async close(): Promise<void> {
		if (this.#closed) return;
		this.#closed = true;
		this.#wakeAll();
		this.#ready.clear();
		this.#delayed.clear();
		this.#active.clear();
		this.#leases.clear();
		this.#dead.clear();
	}

	#open(): void {
		if (this.#closed) throw new StoreClosedError();
	}

	/**
	 * Reads the clock and promotes every delayed job that is due, in due order. Called before any
	 * job joins the tail of `ready`, so `ready` stays ordered by the time each job became ready,
	 * whenever the caller happens to look.
	 */
	#now(): number {
		const now = this.#clock.now();
		for (;;) {
			const entry = this.#delayed.peek();
			if (!entry || entry.at > now) break;
			this.#delayed.pop();
			this.#ready.push(entry.job);
		}
		return now;
	}

	#take(limit: number, leaseMs: number, now: number): LeasedJob[] {
		const leased: LeasedJob[] = [];
		while (leased.length < limit) {
			const job = this.#ready.shift();
			if (!job) break;
			job.attempts++;
			job.token = randomUUID();
			job.expiresAt = now + leaseMs;
			this.#active.set(job.id, job);
			this.#leases.push({ at: job.expiresAt, seq: this.#seq++, job, token: job.token });
			const out: LeasedJob = {
				id: job.id,
				name: job.name,
				payload: job.payload,
				attempts: job.attempts,
				token: job.token,
			};
			if (job.maxAttempts !== undefined) out.maxAttempts = job.maxAttempts;
			if (job.lastError) out.lastError = copyErrorInfo(job.lastError);
			leased.push(out);
		}
		return leased;
	}

	/** The job when `token` is its live lease; `undefined` when stale, expired or unknown. */
	#current(id: string, token: string, now: number): StoredJob | undefined {
		const job = this.#active.get(id);
		return job && job.token === token && now < job.expiresAt ? job : undefined;
	}

	/**
	 * The fenced part every settle shares: checks the lease, takes the job out of `active`, lets
	 * `apply` move it, then leases `next` jobs when asked. A stale token changes nothing at all,
	 * not even the `next` reservation, so `{ ok: false }` always means "no effect".
	 */
	#settle(
		op: string,
		params: SettleParams,
		apply: (job: StoredJob, now: number) => void,
	): SettleResult {
		this.#open();
		const ref = checkLeaseRef(op, params);
		const reserve =
			params.reserve === undefined
				? undefined
				: checkReserveParams(`${op}.reserve`, params.reserve);
		const now = this.#now();
		const job = this.#current(ref.id, ref.token, now);
		if (!job) return { ok: false };
		this.#active.delete(job.id);
		job.token = "";
		apply(job, now);
		const result: SettleResult = { ok: true };
		// Promote before leasing: a retry with delay 0 is due now and rejoins the tail.
		if (reserve) result.next = this.#take(reserve.limit, reserve.leaseMs, this.#now());
		else this.#now();
		this.#changed();
		return result;
	}

	#isCurrentEntry(entry: LeaseEntry): boolean {
		const { job } = entry;
		return (
			this.#active.get(job.id) === job && job.token === entry.token && job.expiresAt === entry.at
		);
	}

	// Heartbeats leave stale entries behind; drop them once they outnumber the live ones.
	#compactLeases(): void {
		if (this.#leases.size > 2 * this.#active.size + 1024) {
			this.#leases.filter((entry) => this.#isCurrentEntry(entry));
		}
	}

	/** After a change: wake idle workers if a job is ready, else time the next due job. */
	#changed(): void {
		if (this.#waiters.size === 0) return;
		if (this.#ready.size > 0) this.#wakeAll();
		else this.#armDueTimer();
	}

	#wakeAll(): void {
		for (const wake of [...this.#waiters]) wake();
	}

	/** Keeps one clock timer at the earliest due time while anyone waits, and none otherwise. */
	#armDueTimer(): void {
		const dueAt = this.#waiters.size > 0 ? this.#delayed.peek()?.at : undefined;
		if (dueAt === this.#dueTimerAt) return;
		if (this.#dueTimer !== undefined) this.#clock.clearTimeout(this.#dueTimer);
		this.#dueTimer = undefined;
		this.#dueTimerAt = dueAt;
		if (dueAt === undefined) return;
		this.#dueTimer = this.#clock.setTimeout(() => {
			this.#dueTimer = undefined;
			this.#dueTimerAt = undefined;
			this.#wakeAll();
		}, dueAt - this.#clock.now());
	}
}
