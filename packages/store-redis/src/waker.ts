/**
 * Wake-ups for idle workers: a pub/sub subscription on its own connection, plus the next due
 * time of delayed jobs, so `waitForJob` returns when a job is added or falls due.
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

/**
 * Scripts PUBLISH on the queue's channel whenever `ready` goes from empty to not empty, or the
 * earliest due time moves earlier. Pub/sub rather than a blocking pop: every idle worker wakes
 * (a list pop wakes one), and nothing accumulates in Redis while no worker listens.
 * @internal
 */
export class Waker {
	#seq = 0;
	#wakers = new Set<() => void>();
	#subscriber: RedisClient | undefined;
	#nextDue: number | undefined;
	/** Server clock minus local clock, from the last reply that carried the server's time. */
	#offset = 0;
	#observed = false;
	#closed = false;

	constructor(
		private readonly createSubscriber: () => RedisClient,
		private readonly channel: string,
	) {}

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
	 * Resolves on a wake-up, when the next delayed job falls due, on timeout or on abort. Starts
	 * the subscription on first use; it may resolve early.
	 */
	wait({ timeoutMs, signal, seenSeq }: WakerWait): Promise<void> {
		if (this.#closed || signal.aborted) return Promise.resolve();
		this.#subscribe();
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
		});
	}

	/** Wakes every waiter and closes the subscription. */
	async close(): Promise<void> {
		this.#closed = true;
		this.#wake();
		const subscriber = this.#subscriber;
		this.#subscriber = undefined;
		subscriber?.disconnect();
	}

	#wake(): void {
		this.#seq++;
		for (const done of [...this.#wakers]) done();
	}

	#subscribe(): void {
		if (this.#subscriber) return;
		const subscriber = this.createSubscriber();
		this.#subscriber = subscriber;
		subscriber.on("error", () => {
			// Reported through the calls that fail; the subscriber reconnects by itself.
		});
		subscriber.on("message", (channel: string) => {
			if (channel === this.channel) this.#wake();
		});
		// On every (re)connect: subscribe, and once Redis confirms, wake the waiters, since
		// messages published while the subscription was down are lost.
		const confirm = () => {
			subscriber.subscribe(this.channel).then(
				() => this.#wake(),
				() => {},
			);
		};
		subscriber.on("ready", confirm);
		if (subscriber.status === "ready") confirm();
		else if (subscriber.status === "wait") subscriber.connect().catch(() => {});
	}
}
