/**
 * `LeaseAheadBuffer`: jobs leased ahead of the free handler slots (`prefetch`), and the timer
 * that hands back one that waited too long.
 * @module
 */
import type { TimerHandle } from "../clock.js";
import type { Running } from "./running.js";
import type { WorkerState } from "./worker-state.js";

/** A job leased ahead that has waited this long is handed back for another worker. */
const PREFETCH_HOLD_MS = 100;

/** Jobs leased ahead, oldest first, each waiting at most 100 ms for a slot. @internal */
export class LeaseAheadBuffer {
	readonly #state: WorkerState;
	/** Jobs leased ahead, oldest first, waiting for a handler slot. */
	readonly #buffer: Running[] = [];
	#holdTimer: TimerHandle | undefined;

	constructor(state: WorkerState) {
		this.#state = state;
	}

	/** How many jobs wait here (they are in `state.running` too, but no handler runs them). */
	get size(): number {
		return this.#buffer.length;
	}

	/** Keeps a job leased ahead until a handler slot frees up or its 100 ms run out. */
	hold(running: Running): void {
		running.bufferedAt = this.#state.ctx.clock.now();
		this.#buffer.push(running);
		this.#armHold();
	}

	/** The oldest job leased ahead, taken out to run now, or undefined when none waits. */
	takeNext(): Running | undefined {
		const next = this.#buffer.shift();
		if (next) next.bufferedAt = undefined;
		return next;
	}

	/** Takes `running` out if it waits here; whether it did. */
	remove(running: Running): boolean {
		const ahead = this.#buffer.indexOf(running);
		if (ahead === -1) return false;
		this.#buffer.splice(ahead, 1);
		return true;
	}

	/** Hands every job leased ahead back to the store (the worker is stopping). */
	handBackAll(): void {
		for (const ahead of this.#buffer.splice(0)) this.#state.handBack(ahead);
	}

	clearTimer(): void {
		if (this.#holdTimer) this.#state.ctx.clock.clearTimeout(this.#holdTimer);
	}

	/** Arms the timer that hands back the oldest job leased ahead once it waited too long. */
	#armHold(): void {
		const { clock } = this.#state.ctx;
		const head = this.#buffer[0];
		if (this.#holdTimer || !head) return;
		const wait = head.bufferedAt! + PREFETCH_HOLD_MS - clock.now();
		this.#holdTimer = clock.setTimeout(
			() => {
				this.#holdTimer = undefined;
				const now = clock.now();
				while (this.#buffer[0] && this.#buffer[0].bufferedAt! + PREFETCH_HOLD_MS <= now) {
					this.#state.handBack(this.#buffer.shift()!);
				}
				this.#armHold();
			},
			Math.max(0, wait),
		);
	}
}
