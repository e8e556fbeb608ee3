/**
 * `Running`: one lease a worker holds, from reserve to settle or hand-back, and its abort signal.
 * @module
 */
import type { LeasedJob } from "../job-store.js";

/** A lease the worker holds: a running handler's job, or a job leased ahead. @internal */
export interface Running {
	leased: LeasedJob;
	/** Created on the first read of `job.signal`: most handlers never read it. */
	controller: AbortController | undefined;
	/** Why the job was aborted, once it was (kept until a controller exists). */
	abortReason: Error | undefined;
	/** Local time by which the lease surely expired unless renewed (conservative). */
	deadline: number;
	lost: boolean;
	handedBack: boolean;
	/** Local time it was leased ahead, while it waits for a handler slot; then undefined. */
	bufferedAt: number | undefined;
}

/** The job's abort signal, created on first use. */
export function signalOf(running: Running): AbortSignal {
	if (!running.controller) {
		running.controller = new AbortController();
		if (running.abortReason) running.controller.abort(running.abortReason);
	}
	return running.controller.signal;
}

/** Aborts the job's signal with `reason` (now, or when the handler first reads it); once. */
export function abort(running: Running, reason: Error): void {
	if (running.abortReason) return;
	running.abortReason = reason;
	running.controller?.abort(reason);
}
