/**
 * `FinishWatch`: `queue.waitFor(id)` for any number of callers over one event reader. The job's
 * end is found in its kept record, in the event history, or in the events that follow.
 * @module
 */
import type { Clock } from "./clock.js";
import { JobFailedError, JobNotFoundError, StoreClosedError, WaitTimeoutError } from "./errors.js";
import { asError } from "./events.js";
import type { JobErrorInfo, JobRecord, StoredEvent } from "./job-store.js";
import type { StoreDoor } from "./store-door.js";

/** How a job ended, as far as waiting for it goes. */
export type Finish =
	| { type: "completed"; result: string | undefined }
	| { type: "failed"; error: JobErrorInfo }
	| { type: "removed" };

/** Events read per call while following. */
const PAGE = 1_000;
/** How long one read waits before asking again. */
const WAIT_MS = 5_000;

interface Waiter {
	settle(finish: Finish): void;
	fail(error: Error): void;
}

/** The end of a job, from an event of it, or undefined for an event that is no end. */
function finishOf(event: StoredEvent): Finish | undefined {
	if (event.type === "completed") return { type: "completed", result: event.result };
	if (event.type === "failed")
		return { type: "failed", error: event.error ?? { message: "failed" } };
	if (event.type === "removed") return { type: "removed" };
	return undefined;
}

/** Waits for jobs to finish: one reader follows the events while anyone waits. @internal */
export class FinishWatch {
	readonly #door: StoreDoor;
	readonly #clock: Clock;
	readonly #onError: (error: Error) => void;
	readonly #waiters = new Map<string, Set<Waiter>>();
	/** The follower while anyone waits: resolves its start cursor once it has one. */
	#following: { started: Promise<string>; abort: AbortController } | undefined;

	constructor(door: StoreDoor, clock: Clock, onError: (error: Error) => void) {
		this.#door = door;
		this.#clock = clock;
		this.#onError = onError;
	}

	/**
	 * The job's end, or a rejection: `JobFailedError` (dead), `JobNotFoundError` (unknown, or
	 * removed), `WaitTimeoutError` after `timeoutMs` of the queue's clock.
	 */
	async wait(id: string, timeoutMs: number): Promise<Finish> {
		let settle!: (finish: Finish | Error) => void;
		const outcome = new Promise<Finish | Error>((resolve) => {
			settle = resolve;
		});
		const waiter: Waiter = { settle, fail: settle };
		const timer = this.#clock.setTimeout(
			() => settle(new WaitTimeoutError(id, timeoutMs)),
			timeoutMs,
		);
		this.#add(id, waiter);
		try {
			// Following starts before the lookup, so an end after the lookup is in the events.
			await this.#follow().started;
			void this.#lookUp(id).then(
				(found) => {
					if (found) settle(found);
				},
				(error: unknown) => settle(asError(error)),
			);
			const finish = await outcome;
			if (finish instanceof Error) throw finish;
			if (finish.type === "failed") throw new JobFailedError(id, finish.error);
			if (finish.type === "removed") throw new JobNotFoundError(id, "it was removed");
			return finish;
		} finally {
			this.#clock.clearTimeout(timer);
			this.#remove(id, waiter);
		}
	}

	/**
	 * The job's end from its record, else from the whole event history (an end written between
	 * the follower's start and the lookup is in it too); undefined while the job runs.
	 */
	async #lookUp(id: string): Promise<Finish | Error | undefined> {
		const record = await this.#door.getJob(id);
		if (record) return finishOfRecord(record);
		let last: Finish | undefined;
		let after: string | undefined;
		for (;;) {
			const page = await this.#door.readEvents({ after, limit: PAGE });
			for (const event of page.events) {
				if (event.jobId === id) last = finishOf(event) ?? last;
			}
			if (page.events.length < PAGE || page.cursor === after) break;
			after = page.cursor;
		}
		return (
			last ??
			new JobNotFoundError(
				id,
				"no such job: never added, or finished and no longer kept (keep completed jobs, or follow events)",
			)
		);
	}

	#add(id: string, waiter: Waiter): void {
		let set = this.#waiters.get(id);
		if (!set) {
			set = new Set();
			this.#waiters.set(id, set);
		}
		set.add(waiter);
	}

	#remove(id: string, waiter: Waiter): void {
		const set = this.#waiters.get(id);
		set?.delete(waiter);
		if (set?.size === 0) this.#waiters.delete(id);
		if (this.#waiters.size === 0 && this.#following) {
			this.#following.abort.abort();
			this.#following = undefined;
		}
	}

	/** Starts the follower unless it runs. */
	#follow(): { started: Promise<string> } {
		if (this.#following) return this.#following;
		const abort = new AbortController();
		let started!: (cursor: string) => void;
		const following = {
			started: new Promise<string>((resolve) => {
				started = resolve;
			}),
			abort,
		};
		this.#following = following;
		void this.#run(abort.signal, started);
		return following;
	}

	async #run(signal: AbortSignal, started: (cursor: string) => void): Promise<void> {
		let cursor: string | undefined;
		for (let pause = 100; !signal.aborted; ) {
			try {
				if (cursor === undefined) {
					cursor = await this.#door.eventsCursor();
					started(cursor);
				}
				const page = await this.#door.readEvents({
					after: cursor,
					limit: PAGE,
					waitMs: WAIT_MS,
					signal,
				});
				for (const event of page.events) this.#dispatch(event);
				cursor = page.cursor;
				pause = 100;
			} catch (error) {
				if (signal.aborted) return;
				if (error instanceof StoreClosedError) {
					// Nothing will come: every wait ends with the store.
					for (const set of this.#waiters.values()) for (const waiter of set) waiter.fail(error);
					return;
				}
				this.#onError(asError(error));
				await new Promise((resolve) => setTimeout(resolve, pause));
				pause = Math.min(pause * 2, WAIT_MS);
			}
		}
	}

	#dispatch(event: StoredEvent): void {
		const set = this.#waiters.get(event.jobId);
		if (!set) return;
		const finish = finishOf(event);
		if (!finish) return;
		for (const waiter of set) waiter.settle(finish);
	}
}

/** The end of a job from its record: completed, dead, or not yet (undefined). */
function finishOfRecord(record: JobRecord): Finish | undefined {
	if (record.state === "completed") return { type: "completed", result: record.result };
	if (record.state === "dead") {
		return { type: "failed", error: record.lastError ?? { message: "failed" } };
	}
	return undefined;
}
