/**
 * The bookkeeping behind `waitForJob`: which wake-ups a caller has seen, and the next due time
 * read from replies (or, before any reserve ran, from a peek).
 * @module
 */

import type { WaitForJobParams } from "@jobs/core/store";
import type { RedisClient, ScriptArg } from "./scripts.js";
import { Waker } from "./waker.js";

/**
 * The store's {@link Waker}, with the wake-up count at the last call that looked for jobs.
 * @internal
 */
export class WakeUps {
	readonly #waker: Waker;
	#seenSeq = 0;
	#peeking: Promise<boolean> | undefined;

	/**
	 * @param createBlocker Opens the connection wake-ups block on.
	 * @param wake The queue's wake list.
	 * @param runReserve Runs the `reserve` script with these ARGV (failures already `JobsError`s).
	 * @param socketTimeoutMs The blocking connection's socket timeout.
	 */
	constructor(
		createBlocker: () => RedisClient,
		wake: string,
		private readonly runReserve: (args: readonly ScriptArg[]) => Promise<unknown>,
		socketTimeoutMs: number,
	) {
		this.#waker = new Waker(createBlocker, wake, socketTimeoutMs);
	}

	/**
	 * Notes the wake-ups seen, just before a call that looks for jobs: a wake-up from then on
	 * may concern jobs that call does not see, so {@link wait} returns at once after one.
	 * Returns whether a wake-up came since the last such call: that call then passes the wake
	 * on to the next idle worker if it leaves jobs ready.
	 */
	lookingForJobs(): boolean {
		const woken = this.#seenSeq !== this.#waker.seq;
		this.#seenSeq = this.#waker.seq;
		return woken;
	}

	/** Records the server's time and the next due time from a reply that starts with them. */
	observe(reply: readonly string[]): void {
		this.#waker.observe(reply[0]!, reply[1]!);
	}

	/** Resolves on a wake-up, when the next delayed job falls due, on timeout or on abort. */
	async wait(params: WaitForJobParams): Promise<void> {
		if (!this.#waker.observed) {
			// The next due time is unknown until a reserve ran: read it first, but never wait for
			// Redis longer than the caller would wait for a job.
			this.lookingForJobs();
			this.#peeking ??= this.#peek();
			const peeked = await within(this.#peeking, params);
			if (!peeked) return;
		}
		return this.#waker.wait({ ...params, seenSeq: this.#seenSeq });
	}

	/** Wakes every waiter and closes the blocking connection. */
	close(): Promise<void> {
		return this.#waker.close();
	}

	/** A reserve of 0 jobs: promotes what is due and reads the server's time and next due time. */
	async #peek(): Promise<boolean> {
		try {
			const reply = (await this.runReserve([0, 1, "", "0"])) as string[];
			this.observe(reply);
			return true;
		} catch {
			return false;
		} finally {
			this.#peeking = undefined;
		}
	}
}

/** Resolves what `promise` resolves to, or false once `timeoutMs` passed or `signal` aborted. */
function within(
	promise: Promise<boolean>,
	{ timeoutMs, signal }: WaitForJobParams,
): Promise<boolean> {
	if (signal.aborted) return Promise.resolve(false);
	return new Promise((resolve) => {
		const done = (value: boolean) => {
			clearTimeout(timer);
			signal.removeEventListener("abort", abort);
			resolve(value);
		};
		const abort = () => done(false);
		const timer = setTimeout(() => done(false), timeoutMs);
		signal.addEventListener("abort", abort, { once: true });
		promise.then(done, () => done(false));
	});
}
