/**
 * `Worker`: reserves jobs while it has free slots, runs their handlers, keeps their leases
 * alive, settles them, and sweeps leases abandoned by crashed workers. Each of those is a part
 * in `./worker/`; this class builds them around one shared {@link WorkerState} and stops them.
 * @module
 */
import { assertDuration } from "./validate.js";
import type { WorkerContext } from "./worker/context.js";
import { drain } from "./worker/drain.js";
import { LeaseAheadBuffer } from "./worker/lease-ahead.js";
import { LeaseKeeper } from "./worker/lease-keeper.js";
import type { RecurringTask } from "./worker/recurring-task.js";
import { ReserveLoop } from "./worker/reserve-loop.js";
import { HandlerRunner } from "./worker/run-handler.js";
import { resolveWorkOptions, type WorkOptions } from "./worker/settings.js";
import { sweepTask } from "./worker/sweeper.js";
import { WorkerState } from "./worker/worker-state.js";

export type { HandlerEntry, WorkerContext } from "./worker/context.js";
export type { WorkOptions } from "./worker/settings.js";

/** Options of {@link Worker.stop}. */
export interface StopOptions {
	/**
	 * Milliseconds to let running handlers finish. When it runs out, their `job.signal` aborts
	 * with `WorkerStoppedError` and the jobs are handed back to the store untouched. Default: wait.
	 */
	timeout?: number;
}

/** A running worker. Created by `queue.work()`. */
export class Worker {
	readonly #state: WorkerState;
	readonly #ahead: LeaseAheadBuffer;
	readonly #heartbeat: RecurringTask;
	readonly #leases: LeaseKeeper;
	readonly #sweep: RecurringTask;
	readonly #loopDone: Promise<void>;
	#stopPromise: Promise<void> | undefined;
	#resolveStopped!: () => void;
	/** Resolves once the worker has fully stopped. */
	readonly stopped: Promise<void> = new Promise((resolve) => {
		this.#resolveStopped = resolve;
	});

	/** @internal Use `queue.work()`. */
	constructor(ctx: WorkerContext, options: WorkOptions) {
		const state = new WorkerState(ctx, resolveWorkOptions(options));
		const ahead = new LeaseAheadBuffer(state);
		const leases = new LeaseKeeper(state, ahead);
		// The loop and the runner need each other (a settle starts the jobs its round trip
		// reserved): the loop reaches the runner through this closure, first called after a reserve.
		const reserver = new ReserveLoop(state, ahead, (running) => runner.run(running));
		const runner = new HandlerRunner(state, ahead, reserver, leases);
		this.#state = state;
		this.#ahead = ahead;
		this.#heartbeat = leases.heartbeat;
		this.#leases = leases;
		this.#sweep = sweepTask(state);
		this.#loopDone = reserver.run();
		this.#heartbeat.schedule();
		this.#sweep.runNow();
	}

	/** Number of handlers running now (jobs leased ahead not counted). */
	get running(): number {
		return this.#state.running.size - this.#ahead.size;
	}

	/**
	 * Stops reserving at once, lets running handlers finish and settles them, then resolves.
	 * With `timeout`, handlers still running when it expires are aborted and their jobs handed
	 * back. Calling it again returns the same promise.
	 */
	stop(options: StopOptions = {}): Promise<void> {
		if (this.#stopPromise) return this.#stopPromise;
		if (options.timeout !== undefined) assertDuration("timeout", options.timeout);
		this.#state.beginStop();
		this.#ahead.handBackAll();
		this.#state.wake();
		const waitsFor = {
			loopDone: this.#loopDone,
			background: () => [this.#leases.inFlight, this.#sweep.inFlight],
		};
		this.#stopPromise = drain(this.#state, waitsFor, options.timeout).finally(() => {
			this.#heartbeat.clearTimer();
			this.#leases.stop();
			this.#sweep.clearTimer();
			this.#ahead.clearTimer();
			this.#resolveStopped();
		});
		return this.#stopPromise;
	}
}
