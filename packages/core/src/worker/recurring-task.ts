/**
 * `RecurringTask`: a background task that runs, waits on the worker's clock, and runs again
 * (the heartbeat, the sweep), keeping the run in flight for stop to wait on.
 * @module
 */
import type { Clock, TimerHandle } from "../clock.js";

/** A task run again and again on a clock, one run at a time. @internal */
export class RecurringTask {
	readonly #clock: Clock;
	readonly #task: () => Promise<void>;
	readonly #nextDelay: () => number | undefined;
	#timer: TimerHandle | undefined;
	#inFlight: Promise<void> | undefined;

	/**
	 * `nextDelay` is asked after each run (and by {@link schedule}) how long to wait before the
	 * next one, or undefined to run no more. The task catches its own errors: a rejection would
	 * reach whoever awaits {@link inFlight}.
	 */
	constructor(clock: Clock, task: () => Promise<void>, nextDelay: () => number | undefined) {
		this.#clock = clock;
		this.#task = task;
		this.#nextDelay = nextDelay;
	}

	/** The run in flight (or the last one), for stop to wait on. */
	get inFlight(): Promise<void> | undefined {
		return this.#inFlight;
	}

	/** Runs the task now; once it ends, schedules the next run. */
	runNow(): void {
		this.#inFlight = this.#task().finally(() => this.schedule());
	}

	/** Schedules the next run, unless `nextDelay` says to run no more. */
	schedule(): void {
		const delay = this.#nextDelay();
		if (delay === undefined) return;
		this.#timer = this.#clock.setTimeout(() => this.runNow(), delay);
	}

	/** Cancels the scheduled run; a run in flight still ends, and schedules as `nextDelay` says. */
	clearTimer(): void {
		if (this.#timer) this.#clock.clearTimeout(this.#timer);
	}
}
