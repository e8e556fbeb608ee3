/**
 * `JobQueue`: the user-facing API. Enqueue with `add`, register handlers with `handle`, run
 * them with `work`.
 * @module
 */
import { type Backoff, defaultBackoff } from "./backoff.js";
import { type Clock, systemClock } from "./clock.js";
import { DuplicateHandlerError, InvalidOptionError } from "./errors.js";
import { QueueEventEmitter, type QueueEvents } from "./events.js";
import type { DeadJob, JobHandler, JobMap, JobName } from "./job.js";
import type { DeadJobSelector, DeadLetterParams, JobStats, JobStore, NewJob } from "./job-store.js";
import {
	assertDuration,
	assertFunction,
	assertInteger,
	assertJobName,
	describe,
	encodeJobData,
} from "./validate.js";
import { type HandlerEntry, Worker, type WorkOptions } from "./worker.js";

/** Options of `new JobQueue(...)`. */
export interface JobQueueOptions {
	/** Where jobs live: `MemoryJobStore` for development and tests, `RedisJobStore` in production. */
	store: JobStore;
	/** Attempts per job when neither `add` nor `handle` says. Default 3. */
	maxAttempts?: number;
	/** Retry delays when `handle` gives none. Default: exponential from 1 s, ±20% jitter, 1 h cap. */
	backoff?: Backoff;
	/** Largest accepted job data, in bytes of JSON. Default 1 MiB. */
	maxPayloadBytes?: number;
	/** Clock for the worker's timers (heartbeat, polling, stop timeout). Default: the system clock. */
	clock?: Clock;
	/** Whether `close()` also closes the store. Default true. */
	ownsStore?: boolean;
}

/** Options of {@link JobQueue.add}. */
export interface AddOptions {
	/** Milliseconds (from the store's clock) before the job may run, like `setTimeout`. */
	delay?: number;
	/** When the job may run: a `Date` or epoch milliseconds. Not together with `delay`. */
	scheduledAt?: Date | number;
	/** Attempts before the job goes to the dead letter. Overrides the handler's and the queue's. */
	maxAttempts?: number;
}

/** Options of {@link JobQueue.handle}. */
export interface HandleOptions {
	/** Attempts for jobs of this name that were added without `maxAttempts`. */
	maxAttempts?: number;
	/** Retry delay after a failed attempt (1-based attempt number → ms). */
	backoff?: Backoff;
}

/** One entry of {@link JobQueue.addMany}. */
export type JobSpec<Jobs extends JobMap> = {
	[N in JobName<Jobs>]: { name: N; data: Jobs[N]; options?: AddOptions };
}[JobName<Jobs>];

/** Which dead jobs a dead-letter call acts on: one id, several, or `{ all: true }`. */
export type DeadJobTarget = string | readonly string[] | { all: true };

const DEFAULT_MAX_PAYLOAD_BYTES = 1024 * 1024;

/**
 * A background job queue over a {@link JobStore}.
 *
 * @typeParam Jobs - optional map of job name → data type; with it, `add` and `handle` reject
 * unknown names and wrong data at compile time, and handlers receive typed `job.data`.
 * @example
 * type Jobs = { 'send-welcome': { email: string } };
 * const queue = new JobQueue<Jobs>({ store: new MemoryJobStore() });
 * queue.handle('send-welcome', async (job) => mailer.send(job.data.email));
 * await queue.add('send-welcome', { email: 'user@x.com' });
 * const worker = queue.work({ concurrency: 4 });
 * await worker.stop(); // drains in-flight jobs
 */
// biome-ignore lint/suspicious/noExplicitAny: an untyped queue accepts any JSON data, like BullMQ's Job<any>
export class JobQueue<Jobs extends JobMap = Record<string, any>> {
	/** The backing store, for operations the queue does not wrap. */
	readonly store: JobStore;
	readonly #handlers = new Map<string, HandlerEntry>();
	readonly #workers = new Set<Worker>();
	readonly #events = new QueueEventEmitter();
	readonly #maxAttempts: number;
	readonly #backoff: Backoff;
	readonly #maxPayloadBytes: number;
	readonly #clock: Clock;
	readonly #ownsStore: boolean;
	#closing: Promise<void> | undefined;

	constructor(options: JobQueueOptions) {
		if (!options || typeof options !== "object" || !options.store) {
			throw new InvalidOptionError("store", "a JobStore is required: new JobQueue({ store })");
		}
		const { maxAttempts = 3, backoff = defaultBackoff, maxPayloadBytes } = options;
		assertInteger("maxAttempts", maxAttempts, 1);
		assertFunction("backoff", backoff);
		if (maxPayloadBytes !== undefined) assertInteger("maxPayloadBytes", maxPayloadBytes, 1);
		this.store = options.store;
		this.#maxAttempts = maxAttempts;
		this.#backoff = backoff;
		this.#maxPayloadBytes = maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
		this.#clock = options.clock ?? systemClock;
		this.#ownsStore = options.ownsStore ?? true;
	}

	/**
	 * Enqueues one job and resolves its id once the store has it. Rejects with a `JobsError`
	 * naming the problem (and enqueues nothing) for a bad name, data or option.
	 */
	async add<N extends JobName<Jobs>>(
		name: N,
		data: Jobs[N],
		options?: AddOptions,
	): Promise<string> {
		const job = this.#prepare(name, data, options);
		const [id] = await this.store.add([job]);
		return id!;
	}

	/**
	 * Enqueues many jobs in one store call, atomically: if any entry is invalid, none is added.
	 * Resolves the ids in input order.
	 */
	async addMany(jobs: readonly JobSpec<Jobs>[]): Promise<string[]> {
		if (!Array.isArray(jobs)) {
			throw new InvalidOptionError("jobs", `addMany takes an array, got ${describe(jobs)}`);
		}
		if (jobs.length === 0) return [];
		const prepared = jobs.map((spec, i) => {
			if (!spec || typeof spec !== "object") {
				throw new InvalidOptionError(`jobs[${i}]`, `must be { name, data, options? }`);
			}
			return this.#prepare(spec.name, spec.data, spec.options, `jobs[${i}].`);
		});
		return this.store.add(prepared);
	}

	/**
	 * Registers the handler for jobs named `name`. One handler per name: a second call throws
	 * `DuplicateHandlerError`. Workers started before or after both see it.
	 */
	handle<N extends JobName<Jobs>>(
		name: N,
		handler: JobHandler<Jobs[N], N>,
		options: HandleOptions = {},
	): this {
		assertJobName(name);
		assertFunction("handler", handler);
		if (options.maxAttempts !== undefined) assertInteger("maxAttempts", options.maxAttempts, 1);
		if (options.backoff !== undefined) assertFunction("backoff", options.backoff);
		if (this.#handlers.has(name)) throw new DuplicateHandlerError(name);
		this.#handlers.set(name, {
			handler: handler as JobHandler<unknown, string>,
			maxAttempts: options.maxAttempts,
			backoff: options.backoff,
		});
		return this;
	}

	/**
	 * Starts a worker that reserves jobs from the store and runs their handlers, at most
	 * `concurrency` at a time. Several workers (here or in other processes) may share a store.
	 */
	work(options: WorkOptions = {}): Worker {
		if (this.#closing) throw new InvalidOptionError("work", "the queue is closed");
		const worker = new Worker(
			{
				store: this.store,
				clock: this.#clock,
				handlers: this.#handlers,
				maxAttempts: this.#maxAttempts,
				backoff: this.#backoff,
				events: this.#events,
			},
			options,
		);
		this.#workers.add(worker);
		void worker.stopped.then(() => this.#workers.delete(worker));
		return worker;
	}

	/**
	 * Calls `listener` once for every job that moves to the dead letter, with its last error.
	 * Returns a function that removes the listener.
	 */
	onFailed(
		listener: (job: DeadJob<Jobs[JobName<Jobs>], JobName<Jobs>>, error: Error) => void,
	): () => void {
		return this.#events.on("failed", listener);
	}

	/** Listens to a queue event (`failed`, `lease-lost`, `error`). Returns a remover. */
	on<K extends keyof QueueEvents>(event: K, listener: QueueEvents[K]): () => void {
		return this.#events.on(event, listener);
	}

	/** Job counts per state, read atomically. */
	stats(): Promise<JobStats> {
		return this.store.stats();
	}

	/** Dead jobs with their decoded data and last error, oldest death first. */
	async deadLetter(
		params?: DeadLetterParams,
	): Promise<DeadJob<Jobs[JobName<Jobs>], JobName<Jobs>>[]> {
		const records = await this.store.deadLetter(params);
		return records.map((r) => ({
			id: r.id,
			name: r.name as JobName<Jobs>,
			data: JSON.parse(r.payload),
			attempts: r.attempts,
			maxAttempts: r.maxAttempts,
			error: r.error,
			failedAt: r.failedAt,
		}));
	}

	/** Moves dead jobs back to the ready queue with fresh attempts. Resolves how many moved. */
	retryDead(target: DeadJobTarget): Promise<number> {
		return this.store.retryDead(toSelector(target));
	}

	/** Deletes dead jobs for good. Resolves how many were removed. */
	removeDead(target: DeadJobTarget): Promise<number> {
		return this.store.removeDead(toSelector(target));
	}

	/**
	 * Stops every worker of this queue (each drains its in-flight jobs), then closes the store if
	 * the queue owns it. Idempotent.
	 */
	close(): Promise<void> {
		this.#closing ??= (async () => {
			await Promise.all([...this.#workers].map((w) => w.stop()));
			if (this.#ownsStore) await this.store.close();
		})();
		return this.#closing;
	}

	#prepare(name: unknown, data: unknown, options: AddOptions | undefined, at = ""): NewJob {
		assertJobName(name);
		const payload = encodeJobData(data, this.#maxPayloadBytes);
		const job: NewJob = { name, payload };
		if (options === undefined) return job;
		if (options === null || typeof options !== "object") {
			throw new InvalidOptionError(`${at}options`, `must be an object, got ${describe(options)}`);
		}
		const { delay, scheduledAt, maxAttempts } = options;
		if (delay !== undefined && scheduledAt !== undefined) {
			throw new InvalidOptionError(`${at}delay`, "give either delay or scheduledAt, not both");
		}
		if (delay !== undefined) {
			assertDuration(`${at}delay`, delay);
			if (delay > 0) job.delay = delay;
		}
		if (scheduledAt !== undefined) {
			const at_ = scheduledAt instanceof Date ? scheduledAt.getTime() : scheduledAt;
			if (typeof at_ !== "number" || !Number.isFinite(at_)) {
				throw new InvalidOptionError(
					`${at}scheduledAt`,
					`must be a valid Date or epoch milliseconds, got ${describe(scheduledAt)}`,
				);
			}
			job.runAt = at_;
		}
		if (maxAttempts !== undefined) {
			assertInteger(`${at}maxAttempts`, maxAttempts, 1);
			job.maxAttempts = maxAttempts;
		}
		return job;
	}
}

function toSelector(target: DeadJobTarget): DeadJobSelector {
	if (typeof target === "string") return { ids: [target] };
	if (Array.isArray(target)) {
		if (!target.every((id) => typeof id === "string")) {
			throw new InvalidOptionError("ids", "dead job ids must be strings");
		}
		return { ids: target };
	}
	if (target && typeof target === "object" && (target as { all?: unknown }).all === true) {
		return { all: true };
	}
	throw new InvalidOptionError(
		"target",
		`expected an id, an array of ids or { all: true }, got ${describe(target)}`,
	);
}

/**
 * Any `JobQueue`, whatever its job map: the constraint of the middleware's type parameter.
 *
 * @example
 * function enqueueWelcome<Q extends AnyJobQueue>(queue: Q) { return queue.add('send-welcome', {}); }
 */
// biome-ignore lint/suspicious/noExplicitAny: matches a queue of any job map (JobQueue<Jobs> is invariant in Jobs)
export type AnyJobQueue = JobQueue<any>;
