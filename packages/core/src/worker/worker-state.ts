/**
 * `WorkerState`: what the parts of one worker share — the leases it holds, the slots promised to
 * reserves in flight, the settles in flight, the stop signal and the one wake-up slot.
 * @module
 */
import type { TimerHandle } from "../clock.js";
import { asError } from "../events.js";
import type { WorkerContext } from "./context.js";
import type { Running } from "./running.js";
import type { WorkerSettings } from "./settings.js";

/** The shared bookkeeping of one worker; each part reads and updates it. @internal */
export class WorkerState {
	readonly ctx: WorkerContext;
	readonly settings: WorkerSettings;
	/** Every lease this worker holds: running handlers and jobs leased ahead. */
	readonly running = new Map<string, Running>();
	/** Slots promised to reserve calls in flight, so concurrency is never exceeded. */
	claimed = 0;
	/** Settles and hand-backs on their way to the store; stop waits for them. */
	readonly settling = new Set<Promise<void>>();
	readonly #stopController = new AbortController();
	/** Whoever waits for something to change: the reserve loop, or stop waiting for idle. */
	#wakeLoop: (() => void) | undefined;

	constructor(ctx: WorkerContext, settings: WorkerSettings) {
		this.ctx = ctx;
		this.settings = settings;
	}

	/** Aborts when the worker begins to stop. */
	get stopSignal(): AbortSignal {
		return this.#stopController.signal;
	}

	get stopping(): boolean {
		return this.#stopController.signal.aborted;
	}

	/** Marks the worker stopping: no part starts anything new after this. */
	beginStop(): void {
		this.#stopController.abort();
	}

	/** Sleeps `ms` (or until woken when undefined); a finished job or stop wakes it early. */
	sleep(ms: number | undefined): Promise<void> {
		return new Promise((resolve) => {
			let timer: TimerHandle | undefined;
			const done = () => {
				if (timer) this.ctx.clock.clearTimeout(timer);
				resolve();
			};
			if (ms !== undefined) timer = this.ctx.clock.setTimeout(done, ms);
			this.#wakeLoop = done;
		});
	}

	/** Wakes whoever sleeps in {@link sleep}, if anyone does. */
	wake(): void {
		const wake = this.#wakeLoop;
		this.#wakeLoop = undefined;
		wake?.();
	}

	/**
	 * Keeps `promise` (a settle or hand-back) in {@link settling} until it ends, then wakes the
	 * loop; a rejection becomes an `error` event.
	 */
	track(promise: Promise<void>): void {
		const tracked = promise.catch((error) => this.ctx.events.emit("error", asError(error)));
		this.settling.add(tracked);
		void tracked.finally(() => {
			this.settling.delete(tracked);
			this.wake();
		});
	}

	/** Hands a lease back to the store without running the job (attempts restored). */
	handBack(running: Running): void {
		running.handedBack = true;
		this.running.delete(running.leased.id);
		const { id, token } = running.leased;
		this.track(this.ctx.door.release({ id, token }).then(noop));
	}
}

function noop(): void {}
