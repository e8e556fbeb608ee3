/**
 * `drain`: how a stopping worker waits for its work to end, and, with `stop({ timeout })`,
 * hands back what did not end in time.
 * @module
 */
import type { TimerHandle } from "../clock.js";
import { WorkerStoppedError } from "../errors.js";
import { asError } from "../events.js";
import { abort } from "./running.js";
import type { WorkerState } from "./worker-state.js";

/** How long `stop({ timeout })` waits for its hand-backs to reach the store. */
const HAND_BACK_GRACE_MS = 1_000;

/** What a stopping worker waits for besides its handlers and settles. @internal */
export interface DrainWaitsFor {
	/** The reserve loop, which ends once stopping. */
	loopDone: Promise<void>;
	/** The heartbeat and sweep in flight, read once handlers are idle (they may start late). */
	background(): (Promise<void> | undefined)[];
}

/**
 * Waits for the loop, the handlers, their settles and any heartbeat or sweep in flight (so
 * none hits a store closed right after). With a timeout the wait is bounded even when the
 * store hangs: what is left is aborted and handed back, and a hand-back that cannot reach
 * the store within a second is left to lease expiry (the job is not lost). @internal
 */
export async function drain(
	state: WorkerState,
	waitsFor: DrainWaitsFor,
	timeout: number | undefined,
): Promise<void> {
	const drained = (async () => {
		await waitsFor.loopDone;
		await whenIdle(state);
		await Promise.all(waitsFor.background());
	})();
	if (timeout === undefined) return drained;
	if (await within(state, drained, timeout)) return;
	await within(state, handBackAll(state, timeout), HAND_BACK_GRACE_MS);
}

/** Whether `promise` settled within `ms` of the worker's clock. */
async function within(state: WorkerState, promise: Promise<unknown>, ms: number): Promise<boolean> {
	const { clock } = state.ctx;
	let timer: TimerHandle | undefined;
	const timedOut = new Promise<false>((resolve) => {
		timer = clock.setTimeout(() => resolve(false), ms);
	});
	const settled = await Promise.race([promise.then(() => true), timedOut]);
	clock.clearTimeout(timer!);
	return settled;
}

/** Resolves when no handler runs and no settle is in flight. */
async function whenIdle(state: WorkerState): Promise<void> {
	while (state.running.size > 0 || state.settling.size > 0 || state.claimed > 0) {
		await state.sleep(undefined);
	}
}

/** Aborts every job still held and releases it to the store, all at once. */
async function handBackAll(state: WorkerState, timeout: number): Promise<void> {
	const jobs = [...state.running.values()].filter((r) => !r.handedBack);
	await Promise.all(
		jobs.map(async (r) => {
			r.handedBack = true;
			abort(
				r,
				new WorkerStoppedError(
					`worker stopped: job ${r.leased.id} did not finish within ${timeout} ms`,
				),
			);
			state.running.delete(r.leased.id);
			try {
				await state.ctx.door.release({ id: r.leased.id, token: r.leased.token });
			} catch (error) {
				// The lease will expire and a sweep will recover the job: nothing is lost.
				state.ctx.events.emit("error", asError(error));
			}
		}),
	);
}
