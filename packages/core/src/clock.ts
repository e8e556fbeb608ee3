/**
 * Time as the engine and the memory store see it. Injecting a {@link FakeClock} makes retries,
 * delays and leases testable without sleeping.
 * @module
 */

/** An opaque timer handle returned by {@link Clock.setTimeout}. */
export type TimerHandle = { readonly __timer: unique symbol } | object;

/** A source of time and timers. */
export interface Clock {
	/** Epoch milliseconds. */
	now(): number;
	/** Runs `fn` after `ms` milliseconds of this clock's time. */
	setTimeout(fn: () => void, ms: number): TimerHandle;
	/** Cancels a timer; unknown or fired handles are ignored. */
	clearTimeout(handle: TimerHandle): void;
}

/**
 * The real clock: `Date.now()` and Node timers. Its timers keep the process alive, as a running
 * worker should; every timer the engine sets is cleared when its worker stops.
 */
export const systemClock: Clock = {
	now: () => Date.now(),
	setTimeout: (fn, ms) => setTimeout(fn, ms),
	clearTimeout(handle) {
		clearTimeout(handle as ReturnType<typeof setTimeout>);
	},
};

interface FakeTimer {
	at: number;
	seq: number;
	fn: () => void;
}

/** Lets the event loop run pending I/O callbacks and promise chains. */
const macrotask = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * A clock that only moves when told to. Timers fire in due order during {@link FakeClock.advance},
 * with the event loop allowed to run between them so async handlers make progress.
 *
 * @example
 * const clock = new FakeClock();
 * const queue = new JobQueue({ store: new MemoryJobStore({ clock }), clock });
 * await clock.advance(1_000); // fires everything due within the next second
 */
export class FakeClock implements Clock {
	#now: number;
	#seq = 0;
	#timers = new Set<FakeTimer>();

	constructor(start = Date.UTC(2030, 0, 1)) {
		this.#now = start;
	}

	now(): number {
		return this.#now;
	}

	setTimeout(fn: () => void, ms: number): TimerHandle {
		const timer: FakeTimer = { at: this.#now + Math.max(0, ms), seq: this.#seq++, fn };
		this.#timers.add(timer);
		return timer;
	}

	clearTimeout(handle: TimerHandle): void {
		this.#timers.delete(handle as FakeTimer);
	}

	/** Number of timers waiting to fire. */
	get pendingTimers(): number {
		return this.#timers.size;
	}

	/**
	 * Moves time forward by `ms`, firing every timer that falls due on the way, in order. Each
	 * firing is followed by a few turns of the event loop so the work it starts can settle.
	 */
	async advance(ms: number): Promise<void> {
		const target = this.#now + ms;
		await this.settle();
		for (;;) {
			const next = this.#nextDue(target);
			if (!next) break;
			this.#timers.delete(next);
			this.#now = Math.max(this.#now, next.at);
			next.fn();
			await this.settle();
		}
		this.#now = target;
		await this.settle();
	}

	/** Lets pending promise chains and I/O callbacks run without moving time. */
	async settle(turns = 5): Promise<void> {
		for (let i = 0; i < turns; i++) await macrotask();
	}

	#nextDue(limit: number): FakeTimer | undefined {
		let best: FakeTimer | undefined;
		for (const t of this.#timers) {
			if (t.at > limit) continue;
			if (!best || t.at < best.at || (t.at === best.at && t.seq < best.seq)) best = t;
		}
		return best;
	}
}
