/**
 * What every scenario asserts once it settled, from the ledger and from a raw snapshot of the
 * store: each acknowledged job ended acked once or dead once; none lost; none still active; no
 * two runs of one job overlapped while both held a valid lease; a job was handed out again only
 * where a crash or a lost lease allows it, never before the previous lease could have expired;
 * attempts were counted; and the store's own structure is sound.
 * @module
 */
import type { Analysis, Lease, LedgerEvent } from "./ledger.js";
import { placesOf, type Snapshot } from "./store-layout.js";

export interface CheckOptions {
	/**
	 * Redis was SIGKILLed and restarted: a reply can be lost after the command took effect (an ack
	 * the client re-sent and the store then refused; a lease no worker ever received).
	 */
	redisRestarted?: boolean;
	/**
	 * A worker was SIGKILLed while its calls were in flight: a lease the store granted it (a
	 * reserve's, or a settle's next) may never have reached its ledger.
	 */
	killedInFlight?: boolean;
	/** Ids whose lease the test tampered with: exempt from the early-hand-out check. */
	tampered?: ReadonlySet<string>;
	/** Slack for comparing times taken in different processes (and Redis' TIME), ms. */
	toleranceMs?: number;
}

export interface Report {
	acknowledged: number;
	/** Acknowledged ids that ended acked (gone from the store). */
	acked: number;
	/** …of which the ledger saw no confirmed ack (the reply was lost to a crash). */
	ackedUnconfirmed: number;
	/** Acknowledged ids that ended dead. */
	dead: number;
	/** Jobs present in the ledger's leases whose add was never acknowledged (reply lost). */
	unacknowledged: number;
	leases: number;
	/** Handler starts. */
	runs: number;
	/** Handler starts of a job whose previous lease ended without a settle (crash, lost lease). */
	reruns: number;
	/** Leases of a job whose previous lease ended without a settle. */
	redeliveries: number;
	/** Pairs of runs of one job that overlapped in time (each with at least one invalid lease). */
	overlaps: number;
	leaseLost: number;
	refusedSettles: number;
	/** error, crash, add-error and settle-error events. */
	errors: LedgerEvent[];
	violations: string[];
}

const TERMINAL = new Set(["ack", "fail"]);

/** Why `lease` could have been lost, or undefined if the ledger shows no reason. */
function lossReason(lease: Lease, a: Analysis, options: CheckOptions): string | undefined {
	if (lease.leaseLost.length > 0) return "lease-lost";
	if (a.gone.has(lease.pid)) return "holder crashed";
	if (lease.settles.some((s) => s.ok === false)) return "settle refused";
	if (lease.settles.some((s) => s.error !== undefined)) return "settle failed";
	if (lease.refusedRenewals.length > 0) return "renewal refused";
	if (options.redisRestarted) return "redis restarted";
	if (options.tampered?.has(lease.id)) return "lease tampered with";
	return undefined;
}

export function checkLedger(a: Analysis, snap: Snapshot, options: CheckOptions = {}): Report {
	const tol = options.toleranceMs ?? 50;
	const violations: string[] = [];
	const places = placesOf(snap);
	const report: Report = {
		acknowledged: a.acknowledged.size,
		acked: 0,
		ackedUnconfirmed: 0,
		dead: 0,
		unacknowledged: 0,
		leases: a.leases.size,
		runs: 0,
		reruns: 0,
		redeliveries: 0,
		overlaps: 0,
		leaseLost: a.count("lease-lost"),
		refusedSettles: 0,
		errors: [
			...a.byType("error"),
			...a.byType("crash"),
			...a.byType("add-error"),
			...a.byType("settle-error"),
		],
		violations,
	};
	const ids = new Set<string>([...a.acknowledged.keys(), ...a.leasesById.keys()]);
	for (const id of ids) {
		const leases = a.leasesById.get(id) ?? [];
		const where = places.get(id) ?? [];
		if (!a.acknowledged.has(id)) report.unacknowledged++;

		// Settles: a token settles at most once; a job completes (ack or fail) at most once.
		for (const lease of leases) {
			const oks = lease.settles.filter((s) => s.ok === true).length;
			if (oks > 1) violations.push(`job ${id}: lease ${lease.token} settled ${oks} times`);
			report.refusedSettles += lease.settles.filter((s) => s.ok === false).length;
			if (lease.start !== undefined) report.runs++;
		}
		const terminal = leases.filter((l) => l.okSettle && TERMINAL.has(l.okSettle.op));
		if (terminal.length > 1) {
			violations.push(
				`job ${id} completed ${terminal.length} times: ${terminal.map((l) => `${l.okSettle!.op} by ${l.w}`).join(", ")}`,
			);
		}

		// Outcome in the store.
		const okAck = terminal.some((l) => l.okSettle!.op === "ack");
		const okFail = terminal.some((l) => l.okSettle!.op === "fail");
		// A completed job kept by retention is as finished as one that left the store.
		if (where.length === 0 || (where.length === 1 && where[0] === "completed")) {
			if (okFail)
				violations.push(`job ${id}: its fail was confirmed but it is not in the dead letter`);
			if (okAck) {
				if (a.acknowledged.has(id)) report.acked++;
			} else {
				// An ack whose reply never came (the worker died), or one in flight across a Redis
				// kill: ioredis sent it again after the restart and the store, having run the first
				// one, refused the second. The ledger times the kill when the signal is sent: the
				// server may still run what arrives a moment later, hence the tolerance.
				const acrossKill = (s: { sent: number; recv?: number }) =>
					options.redisRestarted === true &&
					a.redisOutages.some(
						(k) => s.sent <= k + tol && k <= (s.recv ?? Number.POSITIVE_INFINITY),
					);
				const ackSent = leases.some((l) =>
					l.settles.some(
						(s) => s.op === "ack" && (s.ok === undefined || (s.ok === false && acrossKill(s))),
					),
				);
				if (!ackSent && a.acknowledged.has(id)) {
					violations.push(
						`job ${id} LOST: acknowledged by add, gone from the store, never acked (${leases.length} leases)`,
					);
				} else if (a.acknowledged.has(id)) {
					report.acked++;
					report.ackedUnconfirmed++;
				}
			}
		} else if (where.length === 1 && where[0] === "dead") {
			if (a.acknowledged.has(id)) report.dead++;
			if (okAck) violations.push(`job ${id}: its ack was confirmed but it is in the dead letter`);
		} else if (where.length === 1) {
			violations.push(`job ${id} did not settle: still ${where[0]} (${leases.length} leases)`);
		}

		// Leases of one job, in attempt order. A release hands the attempt back: the next lease
		// has the same count.
		const seen = new Set<number>();
		for (const lease of leases) {
			if (seen.has(lease.attempts) && !releasedBefore(leases, lease)) {
				violations.push(
					`job ${id}: two leases with attempts ${lease.attempts} (attempts not counted, or handed out twice)`,
				);
			}
			seen.add(lease.attempts);
		}
		const released = leases.some((l) => l.okSettle?.op === "release");
		if (!released && leases.length > 0 && !options.redisRestarted && !options.killedInFlight) {
			const first = leases[0]!.attempts;
			const contiguous = leases.every((l, i) => l.attempts === first + i);
			if (first !== 1 || !contiguous) {
				violations.push(
					`job ${id}: leases with attempts ${leases.map((l) => l.attempts).join(",")}: a reservation nobody received`,
				);
			}
		}
		for (let i = 1; i < leases.length; i++) {
			const prev = leases[i - 1]!;
			const next = leases[i]!;
			if (prev.okSettle && TERMINAL.has(prev.okSettle.op) && next.sent > prev.okSettle.recv) {
				violations.push(
					`job ${id} handed out again (attempt ${next.attempts} to ${next.w}) after its ${prev.okSettle.op} was confirmed`,
				);
				continue;
			}
			const scheduled =
				prev.okSettle && (prev.okSettle.op === "retry" || prev.okSettle.op === "release");
			if (scheduled) {
				if (next.recv + tol < prev.okSettle!.sent) {
					violations.push(
						`job ${id}: attempt ${next.attempts} leased before attempt ${prev.attempts} was retried`,
					);
				}
				continue;
			}
			// A re-delivery: allowed only after a crash or a lost lease, and never before the
			// previous lease could have expired.
			report.redeliveries++;
			if (next.start !== undefined) report.reruns++;
			const reason = lossReason(prev, a, options);
			if (!reason) {
				violations.push(
					`job ${id}: attempt ${next.attempts} (${next.w}) re-delivered though attempt ${prev.attempts} (${prev.w}) neither crashed nor lost its lease`,
				);
			}
			if (!options.tampered?.has(id)) {
				const renewed = Math.max(prev.sent, ...prev.renewals);
				const expiresNoSoonerThan = renewed + prev.leaseMs;
				if (next.recv + tol < expiresNoSoonerThan) {
					violations.push(
						`job ${id}: attempt ${next.attempts} (${next.w}) leased ${Math.round(expiresNoSoonerThan - next.recv)} ms before attempt ${prev.attempts}'s lease (${prev.w}, renewed at ${renewed}) could expire`,
					);
				}
			}
		}

		// Valid leases (settle confirmed) never overlap; overlapping runs need an invalid lease.
		const valid = leases.filter((l) => l.okSettle);
		for (let i = 1; i < valid.length; i++) {
			const prev = valid[i - 1]!;
			const next = valid[i]!;
			if (prev.okSettle!.sent > next.recv + tol) {
				violations.push(
					`job ${id}: valid leases overlap: ${prev.w} attempt ${prev.attempts} settled at ${prev.okSettle!.sent}, ${next.w} attempt ${next.attempts} leased at ${next.recv}`,
				);
			}
		}
		const runs = leases.filter((l) => l.start !== undefined);
		for (let i = 0; i < runs.length; i++) {
			for (let j = i + 1; j < runs.length; j++) {
				const x = runs[i]!;
				const y = runs[j]!;
				const xEnd = x.end ?? a.gone.get(x.pid) ?? Number.POSITIVE_INFINITY;
				const yEnd = y.end ?? a.gone.get(y.pid) ?? Number.POSITIVE_INFINITY;
				if (x.start! < yEnd && y.start! < xEnd) {
					report.overlaps++;
					if (x.okSettle && y.okSettle) {
						violations.push(`job ${id}: runs by ${x.w} and ${y.w} overlapped and both settled`);
					}
				}
			}
		}
	}
	// Nothing else in the store: jobs in it that nobody added are a leak or a corruption.
	for (const [id] of places) {
		if (!ids.has(id)) violations.push(`job ${id} is in the store but in no ledger`);
	}
	return report;
}

export function formatReport(name: string, report: Report, ms: number): string {
	return (
		`[faults] ${name}: ${report.acknowledged} acknowledged → ${report.acked} acked once` +
		(report.ackedUnconfirmed ? ` (${report.ackedUnconfirmed} with the ack reply lost)` : "") +
		`, ${report.dead} dead; ${report.leases} leases, ${report.runs} runs, ${report.reruns} re-runs ` +
		`(${report.redeliveries} re-deliveries), ${report.overlaps} overlapping runs, ` +
		`${report.leaseLost} lease-lost, ${report.refusedSettles} refused settles, ` +
		`${report.errors.length} errors, ${report.unacknowledged} unacknowledged adds found; ` +
		`${(ms / 1000).toFixed(1)} s`
	);
}

/** Whether an earlier lease of the job with the same attempts count ended in a release. */
function releasedBefore(leases: readonly Lease[], lease: Lease): boolean {
	return leases.some(
		(l) =>
			l !== lease &&
			l.attempts === lease.attempts &&
			l.okSettle?.op === "release" &&
			l.sent < lease.sent,
	);
}
