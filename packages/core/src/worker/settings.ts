/**
 * `queue.work(...)` options, and the checked settings a worker runs with.
 * @module
 */
import { assertDuration, assertInteger } from "../validate.js";

/** Options of `queue.work(...)`. */
export interface WorkOptions {
	/** Most handlers running at once. Default 1. */
	concurrency?: number;
	/**
	 * Longest idle wait before asking the store again, in ms. Stores with a wake-up signal
	 * (memory, Redis) deliver new jobs at once; this is the safety net. Default 1000.
	 */
	pollInterval?: number;
	/**
	 * Lease duration in ms. The worker renews it every third of this while a handler runs; if the
	 * worker dies, its jobs are re-run after the lease expires. Default 30,000.
	 */
	lease?: number;
	/** How often this worker sweeps expired leases, in ms. Default: `lease` (with ±20% jitter). */
	sweepInterval?: number;
	/**
	 * Jobs leased ahead of the free handler slots while handlers are fast (under 20 ms), so the
	 * next job starts the moment a handler finishes instead of one store round trip later. A job
	 * leased ahead that has not started within 100 ms is handed back untouched, so a slow handler
	 * never holds it hostage. Default 1; 0 turns it off.
	 */
	prefetch?: number;
}

/** {@link WorkOptions} checked, with the defaults filled in. @internal */
export interface WorkerSettings {
	readonly concurrency: number;
	readonly pollInterval: number;
	readonly leaseMs: number;
	readonly sweepInterval: number;
	readonly prefetch: number;
}

/** Checks `options` (throwing `InvalidOptionError` for a bad one) and fills in the defaults. */
export function resolveWorkOptions(options: WorkOptions): WorkerSettings {
	const { concurrency = 1, pollInterval = 1_000, lease = 30_000, prefetch = 1 } = options;
	assertInteger("concurrency", concurrency, 1);
	assertInteger("prefetch", prefetch, 0);
	assertDuration("pollInterval", pollInterval, 1);
	assertDuration("lease", lease, 10);
	const sweepInterval = options.sweepInterval ?? lease;
	assertDuration("sweepInterval", sweepInterval, 1);
	return { concurrency, pollInterval, leaseMs: lease, sweepInterval, prefetch };
}
