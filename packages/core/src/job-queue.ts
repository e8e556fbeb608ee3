/**
 * `JobQueue`: the user-facing API. Enqueue with `add`, register handlers with `handle`, run
 * them with `work`.
 * @module
 */
import { type Backoff, defaultBackoff } from "./backoff.js";
import { requireCapability } from "./capabilities.js";
import { type Clock, systemClock } from "./clock.js";
import { DuplicateHandlerError, InvalidOptionError, StoreError } from "./errors.js";
import { type EventStreamOptions, JobEventStream } from "./event-stream.js";
import { QueueEventEmitter, type QueueEvents } from "./events.js";
import type {
	DataOf,
	DeadJob,
	JobData,
	JobHandler,
	JobMap,
	JobName,
	JobResult,
	QueuedJob,
} from "./job.js";
import type {
	AddResult,
	DeadJobSelector,
	DeadLetterParams,
	GroupLimits,
	JobRecord,
	JobState,
	JobStats,
	JobStore,
	NewJob,
	RateLimit,
	RemoveResult,
	UnfinishedState,
	UniqueSpec,
} from "./job-store.js";
import { checkKeepOptions, type KeepOptions, type QueueKeep, queueKeep } from "./retention.js";
import {
	checkGlobalConcurrency,
	checkGroup,
	checkGroupLimits,
	checkJobId,
	checkListParams,
	checkPriority,
	checkRateLimit,
	checkUniqueSpec,
	UNFINISHED_STATES,
} from "./store-checks.js";
import { StoreDoor } from "./store-door.js";
import { derivedUniqueKey } from "./unique-key.js";
import {
	assertDuration,
	assertFunction,
	assertInteger,
	assertJobName,
	assertOptions,
	describe,
	encodeJobData,
} from "./validate.js";
import { FinishWatch } from "./wait-for.js";
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
	/**
	 * What the store keeps of finished jobs (needs the `retention` capability to change):
	 * completed jobs with their results (default `false`: an acked job leaves the store, the
	 * fastest), and dead jobs (default `true`: kept until removed). Each is `true`, `false`, or
	 * `{ count, age }`. An add's `keep` overrides it for that job.
	 */
	keep?: KeepOptions;
}

/** Options of {@link JobQueue.waitFor}. */
export interface WaitForOptions {
	/** Give up (reject with `WaitTimeoutError`) after this many ms. Required: a job may never end. */
	timeout: number;
}

/** Options of {@link JobQueue.add}. */
export interface AddOptions {
	/** Milliseconds (from the store's clock) before the job may run, like `setTimeout`. */
	delay?: number;
	/** When the job may run: a `Date` or epoch milliseconds. Not together with `delay`. */
	scheduledAt?: Date | number;
	/** Attempts before the job goes to the dead letter. Overrides the handler's and the queue's. */
	maxAttempts?: number;
	/**
	 * Your id for the job (at most 256 characters, not all digits). Adding an id that exists, in
	 * any state, changes nothing and resolves `{ id, created: false, existing: "jobId" }`, so an
	 * `add` whose outcome was unknown can always be sent again. Needs a store with `jobIds`.
	 */
	jobId?: string;
	/**
	 * At most one such job at a time: `true` for the defaults, or {@link UniqueOptions}. A clash
	 * resolves the existing job's id with `created: false, existing: "unique"`. Needs a store with
	 * the `unique` capability.
	 */
	unique?: true | UniqueOptions;
	/**
	 * What the store keeps of this job once it finishes, overriding the queue's `keep`: for
	 * `completed` and `dead`, `true`, `false` or `{ count, age }` (a count or age applies to the
	 * whole set as this job joins it). Needs a store with `retention`.
	 */
	keep?: KeepOptions;
	/**
	 * An integer from 0 (the default, first) to 2,097,152 (last): every ready job of a lower
	 * priority runs before any of a higher one, and jobs of one priority in the order they became
	 * ready. Needs a store with `priorities`.
	 */
	priority?: number;
	/**
	 * The job's group (a tenant, a customer, an API key: a non-empty string of at most 256
	 * characters). Groups are served in turn, so one group's backlog does not hold another's jobs
	 * back, and each has the limits of `setGroupLimits` and can be paused on its own. Needs a
	 * store with `groups`.
	 */
	group?: string;
}

/**
 * How a job is unique. The key is held by the job that claimed it while that job is in one of
 * `states` and, with `ttl`, for at most `ttl` ms after its add. With `ttl` alone, the key is
 * held for `ttl` ms whatever becomes of the job (a throttle). Without either, while the job is
 * ready, delayed or active.
 */
export interface UniqueOptions {
	/** The key; default: derived from the job's name and data (object key order ignored). */
	key?: string;
	/** Hold the key at most this many ms after the holder was added. */
	ttl?: number;
	/** Hold the key while the holder is in one of these states. Default: all three, unless `ttl` alone is given. */
	states?: readonly UnfinishedState[];
	/**
	 * What a clashing add does: `"keep"` (default) leaves the existing job as it is; `"replace"`
	 * gives an existing job that has not started this add's data, `maxAttempts` and delay (a
	 * debounce), keeping its id. A running job is never changed.
	 */
	onConflict?: "keep" | "replace";
}

/** Options of {@link JobQueue.jobs}. */
export interface ListJobsOptions {
	/** Which jobs: `ready`, `delayed`, `active` or `dead`. */
	state: JobState;
	/** Skip this many. Default 0. */
	offset?: number;
	/** At most this many (up to 1,000). Default 100. */
	limit?: number;
}

/** One page of {@link JobQueue.jobs}. */
export interface JobsPage<Jobs extends JobMap> {
	jobs: QueuedJob<Jobs>[];
	/** How many jobs are in that state now. */
	total: number;
}

const ADD_OPTIONS = new Set([
	"delay",
	"scheduledAt",
	"maxAttempts",
	"jobId",
	"unique",
	"keep",
	"priority",
	"group",
]);
const UNIQUE_OPTIONS = new Set(["key", "ttl", "states", "onConflict"]);

/** Options of {@link JobQueue.handle}. */
export interface HandleOptions {
	/** Attempts for jobs of this name that were added without `maxAttempts`. */
	maxAttempts?: number;
	/** Retry delay after a failed attempt (1-based attempt number → ms). */
	backoff?: Backoff;
}

/** One entry of {@link JobQueue.addMany}. */
export type JobSpec<Jobs extends JobMap> = {
	[N in JobName<Jobs>]: { name: N; data: DataOf<Jobs[N]>; options?: AddOptions };
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
	/** Every store call goes through here (see {@link StoreDoor}); `store` stays the raw store. */
	readonly #door: StoreDoor;
	readonly #handlers = new Map<string, HandlerEntry>();
	readonly #workers = new Set<Worker>();
	readonly #events = new QueueEventEmitter();
	/** Ends the subscription to the store's own `onError`, if it has one. */
	readonly #unsubscribe: (() => void) | undefined;
	readonly #maxAttempts: number;
	readonly #backoff: Backoff;
	readonly #maxPayloadBytes: number;
	readonly #clock: Clock;
	readonly #ownsStore: boolean;
	readonly #keep: QueueKeep;
	#finishes: FinishWatch | undefined;
	#closing: Promise<void> | undefined;

	constructor(options: JobQueueOptions) {
		if (!options || typeof options !== "object" || !options.store) {
			throw new InvalidOptionError("store", "a JobStore is required: new JobQueue({ store })");
		}
		const { capabilities } = options.store;
		if (capabilities === null || typeof capabilities !== "object") {
			// A wrapper that forgot it would silently lose every capability (wake-ups included).
			throw new InvalidOptionError(
				"store.capabilities",
				`must be the store's capability declaration, an object ({} for none), got ${describe(capabilities)}`,
			);
		}
		const { maxAttempts = 3, backoff = defaultBackoff, maxPayloadBytes } = options;
		assertInteger("maxAttempts", maxAttempts, 1);
		assertFunction("backoff", backoff);
		if (maxPayloadBytes !== undefined) assertInteger("maxPayloadBytes", maxPayloadBytes, 1);
		this.store = options.store;
		this.#door = new StoreDoor(options.store);
		this.#maxAttempts = maxAttempts;
		this.#backoff = backoff;
		this.#maxPayloadBytes = maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
		if (options.clock !== undefined) assertClock(options.clock);
		this.#clock = options.clock ?? systemClock;
		this.#ownsStore = options.ownsStore ?? true;
		this.#keep = queueKeep(options.keep);
		if (options.keep !== undefined) {
			requireCapability(options.store, "retention", "the queue option keep");
		}
		const { onError } = options.store;
		if (typeof onError === "function") {
			const off = onError.call(options.store, (error) => this.#events.emit("error", error));
			this.#unsubscribe = typeof off === "function" ? off : undefined;
		}
	}

	/**
	 * Enqueues one job once the store has it and resolves `{ id, created }`: `created` is false
	 * when a `jobId` or `unique` clash returned an existing job instead. Rejects with a
	 * `JobsError` naming the problem (and enqueues nothing) for a bad name, data or option, and
	 * with `UnsupportedError` for an option the store cannot honour.
	 */
	async add<N extends JobName<Jobs>>(
		name: N,
		data: JobData<Jobs, N>,
		options?: AddOptions,
	): Promise<AddResult> {
		const job = this.#prepare(name, data, options);
		const [result] = await this.#door.add([job]);
		return result!;
	}

	/**
	 * Enqueues many jobs in one store call, atomically: if any entry is invalid, none is added.
	 * Resolves one `{ id, created }` per entry, in input order; entries are applied in order, so
	 * a `jobId` or unique key given twice creates one job.
	 */
	async addMany(jobs: readonly JobSpec<Jobs>[]): Promise<AddResult[]> {
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
		return this.#door.add(prepared);
	}

	/**
	 * Registers the handler for jobs named `name`. One handler per name: a second call throws
	 * `DuplicateHandlerError`. Workers started before or after both see it.
	 */
	handle<N extends JobName<Jobs>>(
		name: N,
		handler: JobHandler<JobData<Jobs, N>, N, JobResult<Jobs, N>>,
		options: HandleOptions = {},
	): this {
		assertJobName(name);
		assertFunction("handler", handler);
		assertOptions("handle(options)", options);
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
		assertOptions("work(options)", options);
		const worker = new Worker(
			{
				door: this.#door,
				clock: this.#clock,
				handlers: this.#handlers,
				maxAttempts: this.#maxAttempts,
				backoff: this.#backoff,
				events: this.#events,
				keep: this.#keep,
				maxResultBytes: this.#maxPayloadBytes,
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
		listener: (job: DeadJob<DataOf<Jobs[JobName<Jobs>]>, JobName<Jobs>>, error: Error) => void,
	): () => void {
		return this.#events.on("failed", listener);
	}

	/**
	 * Listens to an event of this process's queue (`completed`, `retrying`, `failed`,
	 * `lease-lost`, `error`): the jobs its own workers ran. Returns a remover. For the events of
	 * every process, see {@link JobQueue.events}.
	 */
	on<K extends keyof QueueEvents>(event: K, listener: QueueEvents[K]): () => void {
		if (!(QUEUE_EVENTS as readonly string[]).includes(event)) {
			throw new InvalidOptionError(
				"event",
				`${describe(event)} is not a queue event (known: ${QUEUE_EVENTS.join(", ")})`,
			);
		}
		assertFunction("listener", listener);
		return this.#events.on(event, listener);
	}

	/**
	 * The job events of every process that uses this store, as an async iterator: added, active,
	 * progress, completed (with the result), retrying, failed, stalled, waiting, removed. Starts
	 * from now by default, or from `"start"` or a `cursor` seen before; follows the store through
	 * outages from where it was. Needs a store with `events` (see its docs for turning them on).
	 *
	 * @example
	 * for await (const event of queue.events({ types: ["completed"] })) console.log(event.id, event.result);
	 */
	events(options?: EventStreamOptions): JobEventStream<Jobs> {
		requireCapability(this.store, "events", "events()");
		return new JobEventStream<Jobs>(
			this.#door,
			(error) => this.#events.emit("error", error),
			options,
		);
	}

	/**
	 * Resolves the job's result once it completed (at once if it already did, while retention or
	 * the event history still has it), from any process. Rejects with `JobFailedError` once it is
	 * dead, `JobNotFoundError` for a job the store and its history do not know (or that was
	 * removed), and `WaitTimeoutError` after `timeout` ms. Needs `events` and `lookup`.
	 * Name the job (`waitFor<"resize">(id)`) to type the result.
	 */
	async waitFor<N extends JobName<Jobs> = JobName<Jobs>>(
		id: string,
		options: WaitForOptions,
	): Promise<JobResult<Jobs, N>> {
		checkJobId("id", id);
		if (options === null || typeof options !== "object") {
			throw new InvalidOptionError("waitFor(options)", "must be { timeout }");
		}
		assertOptions("waitFor(options)", options);
		for (const key of Object.keys(options)) {
			if (key !== "timeout") {
				throw new InvalidOptionError(
					`waitFor(options).${key}`,
					"is not a waitFor option (known: timeout)",
				);
			}
		}
		assertDuration("waitFor(options).timeout", options.timeout);
		requireCapability(this.store, "events", "waitFor");
		requireCapability(this.store, "lookup", "waitFor");
		this.#finishes ??= new FinishWatch(this.#door, this.#clock, (error) =>
			this.#events.emit("error", error),
		);
		const finish = await this.#finishes.wait(id, options.timeout);
		if (finish.type !== "completed") throw new StoreError(`job ${id} ended ${finish.type}`);
		return (
			finish.result === undefined ? undefined : this.#decode(id, finish.result, "result")
		) as JobResult<Jobs, N>;
	}

	/** Job counts per state, read atomically. */
	stats(): Promise<JobStats> {
		return this.#door.stats();
	}

	/**
	 * Pauses the queue for every worker in every process: once it resolves, no worker leases a
	 * new job; jobs already running (and those a worker leased ahead, at most `prefetch` per
	 * worker) finish and settle. `add` goes on working. The paused state is kept by the store:
	 * it outlives this process, restarted workers and, on Redis, a restarted server. Needs a
	 * store with the `pause` capability.
	 *
	 * @example
	 * await queue.pause(); // deploy a fix to the upstream API…
	 * await queue.resume();
	 */
	async pause(): Promise<void> {
		return this.#door.pause();
	}

	/** Resumes a paused queue: idle workers are woken at once. Needs the `pause` capability. */
	async resume(): Promise<void> {
		return this.#door.resume();
	}

	/** Whether the queue is paused (by any process). Needs the `pause` capability. */
	async isPaused(): Promise<boolean> {
		return this.#door.isPaused();
	}

	/**
	 * Limits the queue to at most `max` jobs started in any `duration` ms, across every worker of
	 * every process, from the moment it resolves (`null` removes the limit). The store keeps it:
	 * workers need no option, and it outlives them. Starts already made in the window count. A
	 * worker held back waits for the window to let the next job start; it does not poll. Needs a
	 * store with the `rateLimit` capability.
	 *
	 * @example
	 * await queue.setRateLimit({ max: 100, duration: 1_000 }); // 100 jobs a second, at most
	 */
	async setRateLimit(limit: RateLimit | null): Promise<void> {
		return this.#door.setRateLimit(checkRateLimit("limit", limit));
	}

	/** The queue's rate limit, or `null`. Needs the `rateLimit` capability. */
	async getRateLimit(): Promise<RateLimit | null> {
		return this.#door.getRateLimit();
	}

	/**
	 * Lets at most `max` jobs of the queue run at once, across every worker of every process
	 * (`null` removes the limit), on top of each worker's own `concurrency`. The store keeps it.
	 * A crashed worker's jobs hold their slots until their leases expire and a sweep recovers
	 * them. Needs a store with the `globalConcurrency` capability.
	 */
	async setGlobalConcurrency(max: number | null): Promise<void> {
		return this.#door.setGlobalConcurrency(checkGlobalConcurrency("max", max));
	}

	/** The queue's global concurrency, or `null`. Needs the `globalConcurrency` capability. */
	async getGlobalConcurrency(): Promise<number | null> {
		return this.#door.getGlobalConcurrency();
	}

	/**
	 * Sets the limits each group has on its own (`null` removes them): at most `concurrency` of
	 * one group's jobs running at once, at most `rate.max` of them started in any
	 * `rate.duration` ms. Kept by the store, for every worker of every process. Needs a store
	 * with the `groups` capability.
	 *
	 * @example
	 * await queue.setGroupLimits({ concurrency: 2, rate: { max: 10, duration: 1_000 } });
	 * await queue.add("sync", { account }, { group: `tenant-${tenantId}` });
	 */
	async setGroupLimits(limits: GroupLimits | null): Promise<void> {
		return this.#door.setGroupLimits(checkGroupLimits("limits", limits));
	}

	/** The limits of every group, or `null`. Needs the `groups` capability. */
	async getGroupLimits(): Promise<GroupLimits | null> {
		return this.#door.getGroupLimits();
	}

	/**
	 * Pauses one group for every worker of every process: none of its jobs starts until
	 * `resumeGroup`; the other groups go on. Needs the `groups` capability.
	 */
	async pauseGroup(group: string): Promise<void> {
		return this.#door.pauseGroup(checkGroup("group", group));
	}

	/** Resumes a paused group. Needs the `groups` capability. */
	async resumeGroup(group: string): Promise<void> {
		return this.#door.resumeGroup(checkGroup("group", group));
	}

	/** Whether the group is paused. Needs the `groups` capability. */
	async isGroupPaused(group: string): Promise<boolean> {
		return this.#door.isGroupPaused(checkGroup("group", group));
	}

	/** Dead jobs with their decoded data and last error, oldest death first. */
	async deadLetter(
		params?: DeadLetterParams,
	): Promise<DeadJob<DataOf<Jobs[JobName<Jobs>]>, JobName<Jobs>>[]> {
		const records = await this.#door.deadLetter(params);
		return records.map((r) => ({
			id: r.id,
			name: r.name as JobName<Jobs>,
			data: this.#decode(r.id, r.payload) as DataOf<Jobs[JobName<Jobs>]>,
			attempts: r.attempts,
			maxAttempts: r.maxAttempts,
			error: r.error,
			failedAt: r.failedAt,
		}));
	}

	/**
	 * The job with this id, in any state, with its decoded data, or `null` when there is none
	 * (never added, completed, or removed). Needs a store with the `lookup` capability.
	 */
	async getJob(id: string): Promise<QueuedJob<Jobs> | null> {
		checkJobId("id", id);
		requireCapability(this.store, "lookup", "getJob");
		const record = await this.#door.getJob(id);
		return record && this.#info(record);
	}

	/**
	 * One page of the jobs in `state`: ready ones next-to-run first, delayed ones by due time,
	 * dead ones oldest death first. Needs a store with the `lookup` capability.
	 */
	async jobs(options: ListJobsOptions): Promise<JobsPage<Jobs>> {
		const params = checkListParams("options", options);
		requireCapability(this.store, "lookup", "jobs");
		if (params.state === "completed") {
			requireCapability(this.store, "retention", 'jobs({ state: "completed" })');
		}
		const page = await this.#door.listJobs(params);
		return { jobs: page.jobs.map((record) => this.#info(record)), total: page.total };
	}

	/**
	 * Deletes a ready, delayed or dead job for good and resolves `{ removed, state }`; an
	 * unknown id resolves `{ removed: false }`. A running job is refused with `JobActiveError`.
	 * Needs a store with the `remove` capability.
	 */
	async remove(id: string): Promise<RemoveResult> {
		checkJobId("id", id);
		requireCapability(this.store, "remove", "remove");
		return this.#door.removeJob(id);
	}

	/** Moves dead jobs back to the ready queue with fresh attempts. Resolves how many moved. */
	retryDead(target: DeadJobTarget): Promise<number> {
		return this.#door.retryDead(toSelector(target));
	}

	/** Deletes dead jobs for good. Resolves how many were removed. */
	removeDead(target: DeadJobTarget): Promise<number> {
		return this.#door.removeDead(toSelector(target));
	}

	/**
	 * Stops every worker of this queue (each drains its in-flight jobs), then closes the store if
	 * the queue owns it. Idempotent.
	 */
	close(): Promise<void> {
		this.#closing ??= (async () => {
			await Promise.all([...this.#workers].map((w) => w.stop()));
			this.#unsubscribe?.();
			if (this.#ownsStore) await this.#door.close();
		})();
		return this.#closing;
	}

	/** A stored job as `getJob` and `jobs` return it. */
	#info(record: JobRecord): QueuedJob<Jobs> {
		const info = toJobInfo(record, this.#decode(record.id, record.payload));
		if (record.result !== undefined) info.result = this.#decode(record.id, record.result, "result");
		if (record.progress !== undefined) {
			info.progress = this.#decode(record.id, record.progress, "progress");
		}
		return info;
	}

	/**
	 * A stored payload decoded. One that is not JSON (a foreign or corrupt record) gives
	 * `undefined` and an `error` event naming the job, rather than failing the whole listing.
	 */
	#decode(id: string, payload: string, what = "data"): unknown {
		try {
			return JSON.parse(payload);
		} catch (error) {
			const reason = error instanceof Error ? error.message : String(error);
			this.#events.emit(
				"error",
				new StoreError(`job ${id}: its stored ${what} is not JSON (${reason}); read as undefined`),
			);
			return undefined;
		}
	}

	#prepare(name: unknown, data: unknown, options: AddOptions | undefined, at = ""): NewJob {
		assertJobName(name, at);
		const payload = encodeJobData(data, this.#maxPayloadBytes, `${at}data`);
		const job: NewJob = { name, payload };
		if (options === undefined) return job;
		if (options === null || typeof options !== "object") {
			throw new InvalidOptionError(`${at}options`, `must be an object, got ${describe(options)}`);
		}
		for (const key of Object.keys(options)) {
			if (!ADD_OPTIONS.has(key)) {
				throw new InvalidOptionError(
					`${at}options.${key}`,
					`is not an add option (known: ${[...ADD_OPTIONS].join(", ")})`,
				);
			}
		}
		const { delay, scheduledAt, maxAttempts, jobId, unique } = options;
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
		if (jobId !== undefined) {
			job.jobId = checkJobId(`${at}jobId`, jobId, true);
			requireCapability(this.store, "jobIds", `${at}jobId`);
		}
		if (unique !== undefined) {
			job.unique = uniqueSpec(`${at}unique`, unique, name, payload);
			requireCapability(this.store, "unique", `${at}unique`);
		}
		if (options.keep !== undefined) {
			job.retention = checkKeepOptions(`${at}keep`, options.keep);
			requireCapability(this.store, "retention", `${at}keep`);
		}
		if (options.priority !== undefined) {
			checkPriority(`${at}priority`, options.priority);
			requireCapability(this.store, "priorities", `${at}priority`);
			if (options.priority > 0) job.priority = options.priority;
		}
		if (options.group !== undefined) {
			job.group = checkGroup(`${at}group`, options.group);
			requireCapability(this.store, "groups", `${at}group`);
		}
		return job;
	}
}

/**
 * The store's {@link UniqueSpec} for the `unique` add option: defaults filled in, then checked
 * as every store checks it (so a contradiction is refused here, before the store call).
 */
function uniqueSpec(option: string, unique: unknown, name: string, payload: string): UniqueSpec {
	if (unique === true) unique = {};
	if (unique === null || typeof unique !== "object") {
		throw new InvalidOptionError(
			option,
			`must be true or { key, ttl, states, onConflict }, got ${describe(unique)}`,
		);
	}
	for (const key of Object.keys(unique)) {
		if (!UNIQUE_OPTIONS.has(key)) {
			throw new InvalidOptionError(
				`${option}.${key}`,
				`is not a unique option (known: ${[...UNIQUE_OPTIONS].join(", ")})`,
			);
		}
	}
	const { key, ttl, states, onConflict = "keep" } = unique as UniqueOptions;
	const spec: UniqueSpec = { key: key ?? derivedUniqueKey(name, payload), onConflict };
	if (ttl !== undefined) spec.ttl = ttl;
	if (states !== undefined || ttl === undefined) spec.states = states ?? UNFINISHED_STATES;
	return checkUniqueSpec(option, spec);
}

// biome-ignore lint/suspicious/noExplicitAny: the job map is the caller's; the record's name picks the member
function toJobInfo(record: JobRecord, data: unknown): any {
	return {
		id: record.id,
		name: record.name,
		data,
		state: record.state,
		attempts: record.attempts,
		maxAttempts: record.maxAttempts,
		lastError: record.lastError,
		addedAt: record.addedAt,
		dueAt: record.dueAt,
		leasedAt: record.leasedAt,
		leaseExpiresAt: record.leaseExpiresAt,
		failedAt: record.failedAt,
		uniqueKey: record.uniqueKey,
		priority: record.priority ?? 0,
		group: record.group,
		result: undefined,
		finishedAt: record.finishedAt,
		progress: undefined,
	};
}

/** The names {@link JobQueue.on} accepts. */
const QUEUE_EVENTS = ["completed", "retrying", "failed", "lease-lost", "error"] as const;

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

/** Throws unless `clock` has the three methods a {@link Clock} needs. */
function assertClock(clock: unknown): void {
	const c = clock as Record<string, unknown> | null;
	const missing = ["now", "setTimeout", "clearTimeout"].filter(
		(method) => typeof c?.[method] !== "function",
	);
	if (typeof clock !== "object" || clock === null || missing.length > 0) {
		throw new InvalidOptionError(
			"clock",
			`must be a Clock with now(), setTimeout() and clearTimeout(); ${
				typeof clock === "object" && clock !== null
					? `missing ${missing.join(", ")}`
					: `got ${describe(clock)}`
			}`,
		);
	}
}
