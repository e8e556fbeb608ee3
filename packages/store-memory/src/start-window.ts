/**
 * `StartWindow`: the starts a rate limit counts, as (time, how many) entries oldest first, so
 * "how many started in the last `duration` ms" is exact (a sliding window) and costs O(1)
 * amortized.
 * @internal
 */
import { Deque } from "./deque.js";

/** @internal */
export class StartWindow {
	readonly #starts = new Deque<{ readonly at: number; count: number }>();
	#count = 0;

	/** Whether no start is noted. */
	get empty(): boolean {
		return this.#starts.size === 0;
	}

	/** Notes `count` starts at `at` (never earlier than the last noted). */
	note(at: number, count: number): void {
		const last = this.#starts.at(this.#starts.size - 1);
		if (last && last.at === at) last.count += count;
		else this.#starts.push({ at, count });
		this.#count += count;
	}

	/**
	 * How many starts were made in the `duration` ms up to `now` (the older ones are dropped), and
	 * when the oldest of them leaves the window.
	 */
	count(now: number, duration: number): { count: number; leavesAt: number | undefined } {
		for (let head = this.#starts.at(0); head && head.at <= now - duration; ) {
			this.#starts.shift();
			this.#count -= head.count;
			head = this.#starts.at(0);
		}
		const oldest = this.#starts.at(0);
		return { count: this.#count, leavesAt: oldest && oldest.at + duration };
	}

	clear(): void {
		this.#starts.clear();
		this.#count = 0;
	}
}
