/**
 * Wake-ups for idle workers: a blocking pop (BLPOP) of the queue's wake list on its own
 * connection, plus the next due time of delayed jobs, so `waitForJob` returns when a job is
 * added or falls due.
 * @module
 */

import type { RedisClient } from "./scripts.js";

/** Parameters of {@link Waker.wait}. */
export interface WakerWait {
	timeoutMs: number;
	signal: AbortSignal;
	/** {@link Waker.seq} when the caller last looked for jobs: a wake since then returns at once. */
	seenSeq: number;
}

/** A BLPOP that failed (not one that timed out, which answers null). */
const FAILED = Symbol("failed");

/** How long one BLPOP blocks at most, in ms: short, so a dead connection shows. */
const MAX_BLOCK_MS = 5_000;

/**
 * Scripts push a token on the queue's wake list (at most one waits) whenever `ready` goes from
 * empty to not empty or the earliest due time moves earlier, and a reserve that leaves jobs
 * ready pushes one for the next idle worker. A blocking pop wakes one idle worker per token,
 * not every one (pub/sub woke all 50 idle workers for each job: 51 reserves where 1 or 2 do),
 * and the pop is a keyed command, so on Redis Cluster it follows the queue's slot to whichever
 * node holds it. Nothing piles up while no worker waits: one token at most.
 * @internal
 */
export class Waker {
	#seq = 0;
	#wakers = new Set<() => void>();
	#blocker: RedisClient | undefined;
	#popping = false;
	#nextDue: number | undefined;
	/** Server clock minus local clock, from the last reply that carried the server's time. */
	#offset = 0;
	#observed = false;
	#closed = false;

	/** Seconds one BLPOP blocks: under the connection's socket timeout, so only a dead one trips it. */
	readonly #blockSeconds: number;

	/**
	 * @param createBlocker Opens the connection to block on.
	 * @param wakeKey The queue's wake list.
	 * @param socketTimeoutMs The blocking connection's socket timeout.
	 */
	constructor(
		private readonly createBlocker: () => RedisClient,
		private readonly wakeKey: string,
		socketTimeoutMs: number,
	) {
		this.#blockSeconds = Math.max(0.05, Math.min(MAX_BLOCK_MS, socketTimeoutMs / 2) / 1000);
	}

	/** Counts wake-ups; a caller notes it before looking for jobs. */
	get seq(): number {
		return this.#seq;
	}

	/** Whether {@link observe} ran: until then the next due time is unknown. */
	get observed(): boolean {
		return this.#observed;
	}

	/** Records the server's time and the next due time (`""`: nothing delayed) from a reply. */
	observe(serverNow: string, nextDue: string): void {
		this.#offset = Number(serverNow) - Date.now();
		this.#nextDue = nextDue === "" ? undefined : Number(nextDue);
		this.#observed = true;
	}

	/**
	 * Resolves on a wake-up, when the next delayed job falls due, on timeout or on abort. Pops
	 * wake tokens while anyone waits; it may resolve early.
	 */
	wait({ timeoutMs, signal, seenSeq }: WakerWait): Promise<void> {
		if (this.#closed || signal.aborted) return Promise.resolve();
		if (this.#seq !== seenSeq) return Promise.resolve();
		let ms = timeoutMs;
		if (this.#nextDue !== undefined) {
			// +1: the due time is inclusive, and timers may fire a hair early.
			ms = Math.min(ms, Math.max(0, this.#nextDue - (Date.now() + this.#offset)) + 1);
		}
		return new Promise<void>((resolve) => {
			const done = () => {
				clearTimeout(timer);
				signal.removeEventListener("abort", done);
				this.#wakers.delete(done);
				resolve();
			};
			const timer = setTimeout(done, ms);
			signal.addEventListener("abort", done, { once: true });
			this.#wakers.add(done);
			void this.#popWhileWaited();
		});
	}

	/** Wakes every waiter and closes the blocking connection. */
	async close(): Promise<void> {
		this.#closed = true;
		this.#wake();
		const blocker = this.#blocker;
		this.#blocker = undefined;
		blocker?.disconnect();
	}

	#wake(): void {
		this.#seq++;
		for (const done of [...this.#wakers]) done();
	}

	/**
	 * Pops tokens while anyone here waits: each wakes this process's waiters. A token popped
	 * once nobody waits any more goes back, for another worker.
	 */
	async #popWhileWaited(): Promise<void> {
		if (this.#popping) return;
		this.#popping = true;
		try {
			const blocker = this.#connect();
			while (!this.#closed && this.#wakers.size > 0) {
				const token = await blocker.blpop(this.wakeKey, this.#blockSeconds).then(
					(reply) => reply,
					() => FAILED,
				);
				// A client that gives up on commands during an outage fails at once: do not spin.
				if (token === FAILED) await new Promise((resolve) => setTimeout(resolve, 100));
				if (token === null || token === FAILED || this.#closed) continue;
				if (this.#wakers.size > 0) this.#wake();
				else await blocker.rpush(this.wakeKey, "1").catch(() => {});
			}
		} finally {
			this.#popping = false;
		}
	}

	#connect(): RedisClient {
		if (this.#blocker) return this.#blocker;
		const blocker = this.createBlocker();
		this.#blocker = blocker;
		blocker.on("error", () => {
			// Reported through the calls that fail; the connection reconnects by itself.
		});
		// On a reconnect, wake the waiters: a token pushed while the connection was down may be
		// gone (a Redis restart without persistence), and jobs may be waiting.
		let connected = false;
		blocker.on("ready", () => {
			if (connected) this.#wake();
			connected = true;
		});
		return blocker;
	}
}
