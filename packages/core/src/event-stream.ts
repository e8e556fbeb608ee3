/**
 * `JobEventStream`: the store's job events (capability `events`) followed from any process, as
 * an async iterator that resumes from its cursor through store outages.
 * @module
 */
import { BadRecordError, InvalidOptionError, StoreClosedError } from "./errors.js";
import { asError } from "./events.js";
import type { JobMap, JobName, ResultOf } from "./job.js";
import type { JobErrorInfo, JobEventType, StoredEvent } from "./job-store.js";
import { checkEventTypes } from "./store-checks.js";
import type { StoreDoor } from "./store-door.js";
import { describe } from "./validate.js";

/**
 * One job event, decoded, discriminated by `name`: checking `event.name` narrows `result` to
 * that job's declared result type.
 */
export type JobEvent<Jobs extends JobMap = Record<string, unknown>> = {
	[N in JobName<Jobs>]: {
		/** Where the event sits in the stream: pass it as `from` to resume after it. */
		readonly cursor: string;
		readonly type: JobEventType;
		/** The job's id. */
		readonly id: string;
		readonly name: N;
		/** The attempt the event belongs to (0 before the first). */
		readonly attempt: number;
		/** When it happened, epoch ms on the store's clock. */
		readonly at: number;
		/** `completed`: the handler's result. */
		readonly result?: ResultOf<Jobs[N]>;
		/** `progress`: the value reported. */
		readonly progress?: unknown;
		/** `retrying` and `failed`: the attempt's error. */
		readonly error?: JobErrorInfo;
		/** `retrying`: when the job falls due again. */
		readonly dueAt?: number;
	};
}[JobName<Jobs>];

/** Options of `queue.events()`. */
export interface EventStreamOptions {
	/**
	 * Where to start: `"now"` (default) for events from now on, `"start"` for every event the
	 * store still keeps, or a `cursor` of an event seen before, to resume right after it.
	 */
	from?: "now" | "start" | string;
	/** Only these event types. Default: all. */
	types?: readonly JobEventType[];
	/** Ends the stream (the iteration finishes). */
	signal?: AbortSignal;
}

/** Events read per store call. */
const PAGE = 500;
/** How long one read waits for new events before asking again. */
const WAIT_MS = 5_000;
/** The longest pause between reads after a failed one. */
const MAX_PAUSE_MS = 5_000;

/**
 * The job events of a queue, in stream order (for one job, the order its changes happened).
 * Iterate it once with `for await`; leaving the loop, `close()` or the `signal` ends it. A store
 * call that fails is reported on the queue's `error` event and tried again from the same cursor,
 * so an outage loses nothing that the store still keeps.
 */
export class JobEventStream<Jobs extends JobMap = Record<string, unknown>>
	implements AsyncIterable<JobEvent<Jobs>>
{
	readonly #door: StoreDoor;
	readonly #onError: (error: Error) => void;
	readonly #types: ReadonlySet<JobEventType> | undefined;
	readonly #from: string;
	readonly #abort = new AbortController();
	#cursor: string | undefined;
	#missed = 0;
	#iterating = false;

	/** @internal */
	constructor(door: StoreDoor, onError: (error: Error) => void, options: EventStreamOptions = {}) {
		if (options === null || typeof options !== "object") {
			throw new InvalidOptionError(
				"events(options)",
				`must be an object, got ${describe(options)}`,
			);
		}
		for (const key of Object.keys(options)) {
			if (key !== "from" && key !== "types" && key !== "signal") {
				throw new InvalidOptionError(
					`events(options).${key}`,
					"is not an events option (known: from, types, signal)",
				);
			}
		}
		const { from = "now", types, signal } = options;
		if (typeof from !== "string" || from === "") {
			throw new InvalidOptionError(
				"events(options).from",
				`must be "now", "start" or a cursor, got ${describe(from)}`,
			);
		}
		this.#door = door;
		this.#onError = onError;
		this.#from = from;
		this.#types =
			types === undefined ? undefined : new Set(checkEventTypes("events(options).types", types));
		if (signal) {
			if (signal.aborted) this.#abort.abort();
			else signal.addEventListener("abort", () => this.#abort.abort(), { once: true });
		}
	}

	/** The cursor of the last event read (delivered or filtered out): resume after it with `from`. */
	get cursor(): string | undefined {
		return this.#cursor;
	}

	/** How many times the stream found events already trimmed by the store's cap before it read them. */
	get missed(): number {
		return this.#missed;
	}

	/** Ends the stream; a pending iteration finishes. */
	close(): void {
		this.#abort.abort();
	}

	async *[Symbol.asyncIterator](): AsyncIterator<JobEvent<Jobs>> {
		if (this.#iterating) {
			throw new InvalidOptionError(
				"events()",
				"a stream is iterated once; call queue.events() again",
			);
		}
		this.#iterating = true;
		const signal = this.#abort.signal;
		try {
			let after = await this.#start(signal);
			if (after === null) return;
			let pause = 100;
			while (!signal.aborted) {
				let page: Awaited<ReturnType<StoreDoor["readEvents"]>>;
				try {
					page = await this.#door.readEvents({ after, limit: PAGE, waitMs: WAIT_MS, signal });
					pause = 100;
				} catch (error) {
					// A closed store ends the stream; anything else is tried again from the cursor.
					if (signal.aborted || error instanceof StoreClosedError) return;
					this.#onError(asError(error));
					await sleep(pause, signal);
					pause = Math.min(pause * 2, MAX_PAUSE_MS);
					continue;
				}
				if (page.missed) this.#missed++;
				for (const stored of page.events) {
					this.#cursor = stored.id;
					if (this.#types && !this.#types.has(stored.type)) continue;
					yield decodeEvent(stored, this.#onError) as JobEvent<Jobs>;
					if (signal.aborted) return;
				}
				after = page.cursor;
				this.#cursor = after;
			}
		} finally {
			this.#abort.abort();
		}
	}

	/** The cursor to read after first (undefined: from the oldest event kept; null: ended). */
	async #start(signal: AbortSignal): Promise<string | undefined | null> {
		if (this.#from === "start") return undefined;
		if (this.#from !== "now") return this.#from;
		for (let pause = 100; !signal.aborted; pause = Math.min(pause * 2, MAX_PAUSE_MS)) {
			try {
				return await this.#door.eventsCursor();
			} catch (error) {
				if (signal.aborted || error instanceof StoreClosedError) break;
				this.#onError(asError(error));
				await sleep(pause, signal);
			}
		}
		return null;
	}
}

/** A stored event as listeners see it: result and progress decoded from JSON. */
export function decodeEvent(stored: StoredEvent, onError: (error: Error) => void): JobEvent {
	const event: {
		-readonly [K in keyof JobEvent]: JobEvent[K];
	} = {
		cursor: stored.id,
		type: stored.type,
		id: stored.jobId,
		name: stored.name,
		attempt: stored.attempt,
		at: stored.at,
	};
	if (stored.result !== undefined) event.result = parseOrReport(stored.result, stored, onError);
	if (stored.progress !== undefined)
		event.progress = parseOrReport(stored.progress, stored, onError);
	if (stored.error) event.error = stored.error;
	if (stored.dueAt !== undefined) event.dueAt = stored.dueAt;
	return event;
}

function parseOrReport(
	json: string,
	stored: StoredEvent,
	onError: (error: Error) => void,
): unknown {
	try {
		return JSON.parse(json);
	} catch (error) {
		onError(
			new BadRecordError(
				`the ${stored.type} event ${stored.id} of job ${stored.jobId} holds text that is not JSON (${asError(error).message}); read as undefined`,
			),
		);
		return undefined;
	}
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
	return new Promise((resolve) => {
		if (signal.aborted) return resolve();
		const timer = setTimeout(done, ms);
		function done() {
			clearTimeout(timer);
			signal.removeEventListener("abort", done);
			resolve();
		}
		signal.addEventListener("abort", done, { once: true });
	});
}
