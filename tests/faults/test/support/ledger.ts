/**
 * The ledger: what every process of a scenario saw, kept outside the system under test. Each
 * child appends JSON lines to its own file (see ../children/ledger-writer.mjs); the test process
 * writes its own events (kills, restarts, adds it made) the same way. `readLedger` merges them
 * and `analyze` turns them into leases, runs and outcomes per job id.
 * @module
 */
import { openSync, readdirSync, readFileSync, writeSync } from "node:fs";
import { join } from "node:path";

/** Milliseconds on the clock every process of the machine shares (see ledger-writer.mjs). */
export const hr = (): number =>
	Math.round((performance.timeOrigin + performance.now()) * 100) / 100;

/** One ledger line. `t` says what happened; `pid`, `w` (process name) and `hr` are always set. */
export interface LedgerEvent {
	t: string;
	pid: number;
	w: string;
	hr: number;
	id?: string;
	ids?: string[];
	token?: string;
	tokens?: string[];
	attempts?: number;
	attempt?: number;
	op?: string;
	ok?: boolean | boolean[];
	sent?: number;
	leaseMs?: number;
	n?: number;
	limit?: number;
	outcome?: "ok" | "throw";
	target?: number;
	message?: string;
	lastError?: string;
	error?: { name?: string; code?: string; message: string };
	[key: string]: unknown;
}

/** The test process's own ledger file in a scenario directory. */
export class TestLedger {
	readonly #fd: number;
	constructor(dir: string) {
		this.#fd = openSync(join(dir, `test-main-${process.pid}.jsonl`), "a");
	}
	write(event: { t: string; [key: string]: unknown }): void {
		writeSync(this.#fd, `${JSON.stringify({ ...event, pid: process.pid, w: "test", hr: hr() })}\n`);
	}
}

/** Every event of every process, in file order per process (not merged by time). */
export function readLedger(dir: string): LedgerEvent[] {
	const events: LedgerEvent[] = [];
	for (const file of readdirSync(dir).filter((f) => f.endsWith(".jsonl"))) {
		const lines = readFileSync(join(dir, file), "utf8").split("\n");
		for (const line of lines) {
			if (!line) continue;
			try {
				events.push(JSON.parse(line) as LedgerEvent);
			} catch {
				// A line cut short by a SIGKILL mid-write: nothing a later check relies on.
			}
		}
	}
	return events;
}

/** One lease the store granted: one reservation of one job by one process, and what came of it. */
export interface Lease {
	id: string;
	token: string;
	attempts: number;
	pid: number;
	w: string;
	leaseMs: number;
	/** The previous attempt's error as the store handed it over with this lease. */
	lastError?: string;
	/** When the reserving call was sent (the lease can't have started earlier). */
	sent: number;
	/** When the worker had the lease in hand. */
	recv: number;
	/** Send times of renewals the store confirmed. */
	renewals: number[];
	/** Send times of renewals the store refused. */
	refusedRenewals: number[];
	start?: number;
	end?: number;
	outcome?: "ok" | "throw";
	settles: { op: string; sent: number; ok?: boolean; recv?: number; error?: string }[];
	leaseLost: string[];
	/** What came of it, as far as the ledger knows. */
	okSettle?: { op: string; sent: number; recv: number };
}

export interface Analysis {
	events: LedgerEvent[];
	/** Ids whose `add` the store acknowledged, with the time the add was sent. */
	acknowledged: Map<string, number>;
	/** Leases per job id, ordered by attempts then time. */
	leasesById: Map<string, Lease[]>;
	leases: Map<string, Lease>;
	/** Processes the test killed or saw exit: pid → time. */
	gone: Map<number, number>;
	/** Times the test killed redis-server or every client connection. */
	redisOutages: number[];
	count(t: string): number;
	byType(t: string): LedgerEvent[];
}

export function analyze(events: LedgerEvent[]): Analysis {
	const acknowledged = new Map<string, number>();
	const leases = new Map<string, Lease>();
	const byPidIdAttempt = new Map<string, Lease>();
	const gone = new Map<number, number>();
	const redisOutages: number[] = [];
	const types = new Map<string, LedgerEvent[]>();
	const key = (pid: number, id: string, attempts: number) => `${pid}/${id}/${attempts}`;

	for (const e of events) {
		const list = types.get(e.t);
		if (list) list.push(e);
		else types.set(e.t, [e]);
	}
	const of = (t: string) => types.get(t) ?? [];

	for (const e of of("add")) acknowledged.set(e.id!, e.sent ?? e.hr);
	for (const e of of("lease")) {
		const lease: Lease = {
			id: e.id!,
			token: e.token!,
			attempts: e.attempts!,
			pid: e.pid,
			w: e.w,
			leaseMs: e.leaseMs ?? 30_000,
			lastError: e.lastError,
			sent: e.sent ?? e.hr,
			recv: e.hr,
			renewals: [],
			refusedRenewals: [],
			settles: [],
			leaseLost: [],
		};
		leases.set(lease.token, lease);
		byPidIdAttempt.set(key(e.pid, lease.id, lease.attempts), lease);
	}
	for (const e of of("extend")) {
		e.tokens?.forEach((token, i) => {
			const lease = leases.get(token);
			if (!lease) return;
			if ((e.ok as boolean[])[i]) lease.renewals.push(e.sent ?? e.hr);
			else lease.refusedRenewals.push(e.sent ?? e.hr);
		});
	}
	for (const e of of("start")) {
		const lease = e.token ? leases.get(e.token) : undefined;
		if (lease) lease.start = e.hr;
	}
	for (const e of of("end")) {
		const lease = e.token ? leases.get(e.token) : undefined;
		if (lease) {
			lease.end = e.hr;
			lease.outcome = e.outcome;
		}
	}
	for (const e of of("settle-sent")) leases.get(e.token!)?.settles.push({ op: e.op!, sent: e.hr });
	const resultOf = (e: LedgerEvent) =>
		leases.get(e.token!)?.settles.find((s) => s.op === e.op && s.ok === undefined && !s.error);
	for (const e of of("settle")) {
		const settle = resultOf(e);
		if (!settle) continue;
		settle.ok = e.ok as boolean;
		settle.recv = e.hr;
	}
	for (const e of of("settle-error")) {
		const settle = resultOf(e);
		if (settle) settle.error = e.error?.message ?? "error";
	}
	for (const lease of leases.values()) {
		const ok = lease.settles.find((s) => s.ok === true);
		if (ok) lease.okSettle = { op: ok.op, sent: ok.sent, recv: ok.recv! };
	}
	for (const e of of("lease-lost")) {
		const lease = byPidIdAttempt.get(key(e.pid, e.id!, e.attempt!));
		lease?.leaseLost.push(e.message ?? "lease lost");
	}
	for (const e of of("killed")) gone.set(e.target!, e.hr);
	for (const e of of("exit")) if (!gone.has(e.target!)) gone.set(e.target!, e.hr);
	// A killed server or killed client connections: either can lose the reply of a call that ran.
	for (const e of of("redis-killed")) redisOutages.push(e.hr);
	for (const e of of("connections-killed")) redisOutages.push(e.hr);

	const leasesById = new Map<string, Lease[]>();
	for (const lease of leases.values()) {
		const list = leasesById.get(lease.id);
		if (list) list.push(lease);
		else leasesById.set(lease.id, [lease]);
	}
	for (const list of leasesById.values()) {
		list.sort((a, b) => a.attempts - b.attempts || a.recv - b.recv);
	}
	return {
		events,
		acknowledged,
		leasesById,
		leases,
		gone,
		redisOutages,
		count: (t) => of(t).length,
		byType: of,
	};
}
