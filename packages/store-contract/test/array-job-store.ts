/**
 * The simplest store that passes the contract: one array, linear scans, no capabilities. It
 * shows what a third-party store must do, and exercises the suite's skip path for capabilities.
 */

import {
	type AddResult,
	type Clock,
	type DeadJobRecord,
	type DeadJobSelector,
	type DeadLetterParams,
	type ExtendParams,
	type ExtendResult,
	type FailParams,
	type JobErrorInfo,
	type JobState,
	type JobStats,
	type JobStore,
	type LeasedJob,
	type NewJob,
	type ReserveParams,
	type RetryParams,
	type SettleParams,
	type SettleResult,
	StoreClosedError,
	type SweepParams,
} from "@jobs/core";
import { checkNewJob } from "@jobs/core/store";

interface Row {
	id: string;
	name: string;
	payload: string;
	maxAttempts?: number;
	attempts: number;
	state: JobState;
	/** Position in `ready` (lower first), due time while delayed, death order while dead. */
	order: number;
	dueAt: number;
	token: string;
	expiresAt: number;
	lastError?: JobErrorInfo;
	error?: JobErrorInfo;
	failedAt?: number;
}

export class ArrayJobStore implements JobStore {
	readonly capabilities = {};
	#rows: Row[] = [];
	#ids = 0;
	#tail = 0;
	#head = 0;
	#tokens = 0;
	#closed = false;
	readonly #clock: Clock;

	constructor(clock: Clock) {
		this.#clock = clock;
	}

	async add(jobs: readonly NewJob[]): Promise<AddResult[]> {
		const now = this.#begin();
		// Refuses a jobId or unique option: this store declares neither capability.
		for (const [i, job] of jobs.entries()) checkNewJob(job, `jobs[${i}]`, this);
		return jobs.map((job) => {
			const dueAt = job.delay ? now + job.delay : (job.runAt ?? now);
			const row: Row = {
				id: String(++this.#ids),
				name: job.name,
				payload: job.payload,
				attempts: 0,
				state: dueAt > now ? "delayed" : "ready",
				order: ++this.#tail,
				dueAt,
				token: "",
				expiresAt: 0,
			};
			if (job.maxAttempts !== undefined) row.maxAttempts = job.maxAttempts;
			this.#rows.push(row);
			return { id: row.id, created: true };
		});
	}

	async reserve({ limit, leaseMs }: ReserveParams): Promise<LeasedJob[]> {
		return this.#lease(limit, leaseMs, this.#begin());
	}

	ack(p: SettleParams) {
		return this.#settle(p, (row) => {
			this.#rows = this.#rows.filter((r) => r !== row);
		});
	}

	retry(p: RetryParams) {
		return this.#settle(p, (row, now) => {
			Object.assign(row, { state: "delayed", dueAt: now + p.delay, order: ++this.#tail });
			row.lastError = { ...p.error };
		});
	}

	fail(p: FailParams) {
		return this.#settle(p, (row, now) => {
			Object.assign(row, { state: "dead", order: ++this.#tail, failedAt: now });
			row.error = { ...p.error };
		});
	}

	release(p: SettleParams) {
		return this.#settle(p, (row) => {
			Object.assign(row, { state: "ready", order: --this.#head, attempts: row.attempts - 1 });
		});
	}

	async extend({ leases, leaseMs }: ExtendParams): Promise<ExtendResult[]> {
		const now = this.#begin();
		return leases.map(({ id, token }) => {
			const row = this.#live(id, token, now);
			if (!row) return { ok: false, reason: "stale" };
			row.expiresAt = now + leaseMs;
			return { ok: true };
		});
	}

	async sweep({ limit }: SweepParams): Promise<number> {
		const now = this.#begin();
		const expired = this.#in("active")
			.filter((r) => r.expiresAt <= now)
			.slice(0, limit);
		for (const row of expired) {
			Object.assign(row, { state: "ready", order: ++this.#tail, token: "" });
			row.lastError = { message: "lease expired" };
		}
		return expired.length;
	}

	async stats(): Promise<JobStats> {
		this.#begin();
		const count = (state: JobState) => this.#rows.filter((r) => r.state === state).length;
		return {
			ready: count("ready"),
			delayed: count("delayed"),
			active: count("active"),
			dead: count("dead"),
		};
	}

	async deadLetter({
		offset = 0,
		limit = Infinity,
	}: DeadLetterParams = {}): Promise<DeadJobRecord[]> {
		this.#begin();
		return this.#in("dead")
			.slice(offset, offset + limit)
			.map((r) => {
				const record: DeadJobRecord = {
					id: r.id,
					name: r.name,
					payload: r.payload,
					attempts: r.attempts,
					error: { ...r.error! },
					failedAt: r.failedAt!,
				};
				if (r.maxAttempts !== undefined) record.maxAttempts = r.maxAttempts;
				return record;
			});
	}

	async retryDead(selector: DeadJobSelector): Promise<number> {
		this.#begin();
		const rows = this.#selectDead(selector);
		for (const row of rows)
			Object.assign(row, { state: "ready", order: ++this.#tail, attempts: 0 });
		return rows.length;
	}

	async removeDead(selector: DeadJobSelector): Promise<number> {
		this.#begin();
		const rows = new Set(this.#selectDead(selector));
		this.#rows = this.#rows.filter((r) => !rows.has(r));
		return rows.size;
	}

	async close(): Promise<void> {
		this.#closed = true;
	}

	/** Rejects once closed; promotes due jobs in due order, then add order; resolves "now". */
	#begin(): number {
		if (this.#closed) throw new StoreClosedError();
		const now = this.#clock.now();
		const due = this.#rows
			.filter((r) => r.state === "delayed" && r.dueAt <= now)
			.sort((a, b) => a.dueAt - b.dueAt || a.order - b.order);
		for (const row of due) Object.assign(row, { state: "ready", order: ++this.#tail });
		return now;
	}

	#in(state: JobState): Row[] {
		return this.#rows.filter((r) => r.state === state).sort((a, b) => a.order - b.order);
	}

	#live(id: string, token: string, now: number): Row | undefined {
		return this.#rows.find(
			(r) => r.id === id && r.state === "active" && r.token === token && now < r.expiresAt,
		);
	}

	#lease(limit: number, leaseMs: number, now: number): LeasedJob[] {
		return this.#in("ready")
			.slice(0, limit)
			.map((row) => {
				Object.assign(row, {
					state: "active",
					attempts: row.attempts + 1,
					token: `t${++this.#tokens}`,
					expiresAt: now + leaseMs,
				});
				const leased: LeasedJob = {
					id: row.id,
					name: row.name,
					payload: row.payload,
					attempts: row.attempts,
					token: row.token,
				};
				if (row.maxAttempts !== undefined) leased.maxAttempts = row.maxAttempts;
				if (row.lastError) leased.lastError = { ...row.lastError };
				return leased;
			});
	}

	async #settle(p: SettleParams, apply: (row: Row, now: number) => void): Promise<SettleResult> {
		const now = this.#begin();
		const row = this.#live(p.id, p.token, now);
		if (!row) return { ok: false };
		row.token = "";
		apply(row, now);
		this.#begin();
		return p.reserve
			? { ok: true, next: this.#lease(p.reserve.limit, p.reserve.leaseMs, now) }
			: { ok: true };
	}

	#selectDead(selector: DeadJobSelector): Row[] {
		const dead = this.#in("dead");
		if ("all" in selector) return dead;
		const ids = new Set(selector.ids);
		return dead.filter((r) => ids.has(r.id));
	}
}
