/**
 * The sweep: every `sweepInterval` (±20% jitter, so workers spread out), recover the leases
 * that expired in crashed or stalled workers, in bounded batches.
 * @module
 */
import { asError } from "../events.js";
import { sweepKeep } from "../retention.js";
import { RecurringTask } from "./recurring-task.js";
import type { WorkerState } from "./worker-state.js";

const SWEEP_BATCH = 1_000;

/** The worker's sweep, scheduled until the worker stops; `runNow()` starts it. @internal */
export function sweepTask(state: WorkerState): RecurringTask {
	return new RecurringTask(
		state.ctx.clock,
		() => sweepAll(state),
		() => {
			if (state.stopping) return undefined;
			const jitter = 0.8 + 0.4 * Math.random();
			return state.settings.sweepInterval * jitter;
		},
	);
}

/** Recovers expired leases in bounded batches until a batch comes back short. */
async function sweepAll(state: WorkerState): Promise<void> {
	const { door, keep } = state.ctx;
	// With retention, the sweep also ages out finished jobs when nothing new finishes.
	const trim = door.supports("retention") ? sweepKeep(keep) : undefined;
	try {
		while (!state.stopping) {
			const recovered = await door.sweep(
				trim ? { limit: SWEEP_BATCH, keep: trim } : { limit: SWEEP_BATCH },
			);
			if (recovered > 0) state.wake();
			if (recovered < SWEEP_BATCH) break;
		}
	} catch (error) {
		state.ctx.events.emit("error", asError(error));
	}
}
