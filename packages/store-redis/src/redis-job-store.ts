/**
 * `RedisJobStore`: the durable, shared {@link JobStore}. Every state change is one Lua script.
 * @module
 */

import {
	BadRecordError,
	InvalidOptionError,
	JobActiveError,
	StoreClosedError,
	StoreError,
	UnsupportedError,
} from "@jobs/core";
import {
	type AckParams,
	type AddResult,
	checkDuration,
	checkErrorInfo,
	checkEventsOption,
	checkGlobalConcurrency,
	checkGroup,
	checkGroupLimits,
	checkInteger,
	checkJobId,
	checkJobKeep,
	checkLeaseRef,
	checkLimitFor,
	checkListParams,
	checkNewJob,
	checkRateLimit,
	checkReadEventsParams,
	type DeadJobRecord,
	type DeadJobSelector,
	type DeadLetterParams,
	type EventPage,
	type EventsCapable,
	type ExtendParams,
	type ExtendResult,
	type FailParams,
	type GroupLimits,
	type GroupsCapable,
	type JobPage,
	type JobRecord,
	type JobStats,
	type JobStore,
	type LeasedJob,
	type ListJobsParams,
	type LookupCapable,
	type NewJob,
	type ProgressCapable,
	type ProgressParams,
	type RateLimit,
	type ReadEventsParams,
	type ReleaseParams,
	type RemoveCapable,
	type RemoveResult,
	type ReserveParams,
	type RetryParams,
	type SettleParams,
	type SettleResult,
	type StoreCapabilities,
	type SweepParams,
	type WaitForJobCapable,
	type WaitForJobParams,
} from "@jobs/core/store";
import type { Redis } from "ioredis";
import { AddBatcher } from "./add-batcher.js";
import { checkLeaseMs, checkReserve, selectedIds } from "./checks.js";
import {
	deadJobs,
	EVENT_CURSOR,
	encodeError,
	jobRecords,
	LEASE_EXPIRED,
	leasedJobs,
	plain,
	policyText,
	storedEvents,
	TokenSource,
} from "./codec.js";
import {
	checkClient,
	clientCommandTimeout,
	clientSocketTimeout,
	DEFAULT_COMMAND_TIMEOUT_MS,
	DEFAULT_JOB_ID_HISTORY,
	DEFAULT_WORKER_TIMEOUT_MS,
	finiteRetries,
	isCluster,
	type OwnedClients,
	openClients,
	type RedisJobStoreOptions,
	timeoutOf,
} from "./connect.js";
import { EventReaders } from "./event-readers.js";
import { groupKeys, type QueueKeys, queueKeys } from "./keys.js";
import {
	codeToError,
	type RedisClient,
	reopen,
	runScript,
	runScriptPatiently,
	runScriptUntil,
	type ScriptArg,
	type ScriptKeys,
	type ScriptName,
	scriptKeys,
} from "./scripts.js";
import { ServerClock } from "./server-clock.js";
import { SettleBatcher, type SettleCall } from "./settle-batcher.js";
import { WakeUps } from "./wake-ups.js";

/** Options of {@link RedisJobStore.fromClient}. */
export interface FromClientOptions {
	/** Key prefix of the queue. Default `"jobs"`. */
	prefix?: string;
	/** See {@link RedisJobStoreOptions.jobIdHistory}. Default 100,000. */
	jobIdHistory?: number;
	/**
	 * See {@link RedisJobStoreOptions.commandTimeoutMs}. Default: the client's `commandTimeout`,
	 * else 5,000.
	 */
	commandTimeoutMs?: number;
	/**
	 * See {@link RedisJobStoreOptions.workerTimeoutMs}. Default 30,000. (Give the client a
	 * `socketTimeout` to have it reopen a dead connection by itself.)
	 */
	workerTimeoutMs?: number;
	/** See {@link RedisJobStoreOptions.events}. Default off. */
	events?: boolean | { maxLen?: number };
}

/**
 * How a script call meets trouble: `once` fails at once; `until` sends it again (a call that
 * changes nothing the second time) until a deadline; `wait` waits for Redis through an outage,
 * up to `workerTimeoutMs`.
 */
type Patience = "once" | { until: number } | "wait";

/**
 * Dead jobs read, moved or removed per script call by `deadLetter` and by `retryDead` and
 * `removeDead` with `{ all: true }`.
 */
const DEAD_BATCH = 1_000;
/** Ids per script call of `retryDead` and `removeDead` with `{ ids }`. */
const IDS_CHUNK = 5_000;
/** Jobs per script call of an `add`: a larger add goes in calls of this many, in order. */
const ADD_CHUNK = 10_000;
/**
 * Entries of `active` each `sweep` call scans for leases missing from the `lease-exp` index
 * (written by an older version, or edited by hand); see src/lua/sweep.lua.
 */
const SWEEP_SCAN_BUDGET = 100;

/**
 * A {@link JobStore} on Redis or Redis Cluster: many producers and workers share it, and no
 * acknowledged job is lost (with AOF). "Now" is the Redis server's clock.
 *
 * @example
 * const store = await RedisJobStore.connect({ url: process.env.REDIS_URL, prefix: "emails" });
 * const queue = new JobQueue({ store });
 */
export class RedisJobStore
	implements
		JobStore,
		WaitForJobCapable,
		LookupCapable,
		RemoveCapable,
		ProgressCapable,
		EventsCapable,
		GroupsCapable
{
	readonly capabilities: StoreCapabilities;
	static readonly #baseCapabilities: StoreCapabilities = {
		waitForJob: true,
		jobIds: true,
		unique: true,
		lookup: true,
		remove: true,
		retention: true,
		progress: true,
		pause: true,
		priorities: true,
		rateLimit: true,
		globalConcurrency: true,
		groups: true,
	};
	/** The key prefix given at creation. */
	readonly prefix: string;
	/** The Redis keys of this queue (see the README for the layout). */
	readonly keys: QueueKeys;

	readonly #producer: RedisClient;
	readonly #worker: RedisClient;
	readonly #owned: OwnedClients | undefined;
	readonly #scriptKeys: ScriptKeys;
	readonly #tokens = new TokenSource();
	readonly #wakeUps: WakeUps;
	readonly #adds: AddBatcher;
	readonly #settles: SettleBatcher;
	/** The producer calls' timeout. */
	readonly #timeoutMs: number;
	/** The worker calls' timeout. */
	readonly #workerTimeoutMs: number;
	/** How many jobIds of finished jobs the queue remembers. */
	readonly #jobIdHistory: number;
	/** The event stream's cap; 0: events off. */
	readonly #eventsMax: number;
	/** Connections for blocking event reads, idle ones kept for the next read. */
	readonly #eventReaders = new EventReaders(() => this.#duplicateForWakeUps());
	readonly #errorListeners = new Set<(error: Error) => void>();
	#closed = false;
	#closing: Promise<void> | undefined;
	#warnedRetries = false;

	/**
	 * Opens a store on its own connections (closed by {@link close}): one for producer calls,
	 * which reject within `commandTimeoutMs` while Redis is unreachable, one for worker calls,
	 * which wait through an outage, and one for wake-ups, opened on first `waitForJob`.
	 * Resolves without waiting for Redis: it may come up later.
	 */
	static async connect(options: RedisJobStoreOptions = {}): Promise<RedisJobStore> {
		if (options === null || typeof options !== "object") {
			throw new InvalidOptionError("connect(options)", `must be an object, got ${String(options)}`);
		}
		const prefix = options.prefix ?? "jobs";
		const keys = queueKeys(prefix);
		const history = jobIdHistoryOf(options.jobIdHistory);
		const owned = openClients(options, prefix);
		for (const client of [owned.producer, owned.worker]) {
			// Failures reach callers as rejected calls; without a listener ioredis logs each one.
			client.on("error", () => {});
		}
		return new RedisJobStore(prefix, keys, owned.producer, owned.worker, owned, {
			jobIdHistory: history,
			commandTimeoutMs: owned.commandTimeoutMs,
			workerTimeoutMs: owned.workerTimeoutMs,
			eventsMax: checkEventsOption("events", options.events),
		});
	}

	/**
	 * Uses a caller's ioredis `Redis` or `Cluster` for every call. The caller owns it:
	 * {@link close} leaves it open (the store closes only the wake-up connection it duplicated).
	 * Throws `InvalidOptionError` for a client with `keyPrefix`.
	 */
	static fromClient(client: RedisClient, options: FromClientOptions = {}): RedisJobStore {
		checkClient(client);
		const prefix = options.prefix ?? "jobs";
		const jobIdHistory = jobIdHistoryOf(options.jobIdHistory);
		const commandTimeoutMs =
			timeoutOf("commandTimeoutMs", options.commandTimeoutMs) ??
			clientCommandTimeout(client) ??
			DEFAULT_COMMAND_TIMEOUT_MS;
		const workerTimeoutMs =
			timeoutOf("workerTimeoutMs", options.workerTimeoutMs) ?? DEFAULT_WORKER_TIMEOUT_MS;
		return new RedisJobStore(prefix, queueKeys(prefix), client, client, undefined, {
			jobIdHistory,
			commandTimeoutMs,
			workerTimeoutMs,
			eventsMax: checkEventsOption("events", options.events),
		});
	}

	private constructor(
		prefix: string,
		keys: QueueKeys,
		producer: RedisClient,
		worker: RedisClient,
		owned: OwnedClients | undefined,
		{
			jobIdHistory,
			commandTimeoutMs,
			workerTimeoutMs,
			eventsMax,
		}: {
			jobIdHistory: number;
			commandTimeoutMs: number;
			workerTimeoutMs: number;
			eventsMax: number;
		},
	) {
		this.capabilities = RedisJobStore.#baseCapabilities;
		this.prefix = prefix;
		this.keys = keys;
		this.#scriptKeys = scriptKeys(keys, eventsMax);
		this.#eventsMax = eventsMax;
		if (eventsMax > 0) this.capabilities = { ...this.capabilities, events: true };
		this.#producer = producer;
		this.#worker = worker;
		this.#owned = owned;
		this.#timeoutMs = commandTimeoutMs;
		this.#workerTimeoutMs = workerTimeoutMs;
		this.#jobIdHistory = jobIdHistory;
		this.#wakeUps = new WakeUps(
			() => this.#duplicateForWakeUps(),
			keys.wake,
			(args) => this.#run(worker, "reserve", args, "wait"),
			clientSocketTimeout(worker) ?? workerTimeoutMs,
		);
		const serverClock = new ServerClock(
			async (until) => (await this.#run(producer, "serverTime", [], { until })) as number,
		);
		serverClock.warm();
		this.#adds = new AddBatcher(
			(args, until) => this.#run(producer, "add", args, { until }),
			commandTimeoutMs,
			serverClock,
		);
		this.#settles = new SettleBatcher({
			client: worker,
			scriptKeys: this.#scriptKeys,
			jobIdHistory,
			timeoutMs: workerTimeoutMs,
			tokens: this.#tokens,
			wakeUps: this.#wakeUps,
			onDeadline: owned ? () => reopen(worker) : undefined,
			reportSetAside: (notes) => this.#reportSetAside(notes, "a settle's reserve"),
			closed: () => this.#closed,
		});
	}

	add(jobs: readonly NewJob[]): Promise<AddResult[]> {
		if (this.#closed) return Promise.reject(new StoreClosedError());
		try {
			if (!Array.isArray(jobs)) throw new InvalidOptionError("jobs", "must be an array");
			for (const [i, job] of jobs.entries()) checkNewJob(job, `jobs[${i}]`, this);
		} catch (error) {
			return Promise.reject(error);
		}
		if (jobs.length <= ADD_CHUNK) return this.#adds.add(jobs);
		return this.#addInChunks(jobs);
	}

	/** An add too large for one script call: chunks of {@link ADD_CHUNK}, each all or nothing, in order. */
	async #addInChunks(jobs: readonly NewJob[]): Promise<AddResult[]> {
		const results: AddResult[] = [];
		for (let from = 0; from < jobs.length; from += ADD_CHUNK) {
			try {
				results.push(...(await this.#adds.add(jobs.slice(from, from + ADD_CHUNK))));
			} catch (error) {
				if (from === 0) throw error;
				const message = error instanceof Error ? error.message : String(error);
				throw new StoreError(
					`add of ${jobs.length} jobs failed after the first ${from} were added ` +
						`(in calls of ${ADD_CHUNK}, each all or nothing): ${message}`,
					{ cause: error },
				);
			}
		}
		return results;
	}

	async reserve(params: ReserveParams): Promise<LeasedJob[]> {
		this.#checkOpen();
		checkReserve("params", params);
		this.#warnIfWorkerGivesUp();
		const woken = this.#wakeUps.lookingForJobs();
		const reply = (await this.#run(
			this.#worker,
			"reserve",
			[params.limit, plain(params.leaseMs), this.#tokens.next(), woken ? "1" : "0"],
			"wait",
		)) as string[];
		this.#wakeUps.observe(reply);
		this.#reportSetAside(reply[2], "reserve");
		return leasedJobs(reply, 3);
	}

	ack(params: AckParams): Promise<SettleResult> {
		if (this.#closed) return Promise.reject(new StoreClosedError());
		let policy: string | undefined;
		try {
			const keep = params?.keep;
			if (keep !== undefined && keep !== false) policy = policyText("keep", keep);
			if (params?.result !== undefined && typeof params.result !== "string") {
				throw new InvalidOptionError("result", "must be JSON text");
			}
		} catch (error) {
			return Promise.reject(error);
		}
		if (policy === undefined) {
			// With events on, the result goes in the job's completed event.
			if (this.#eventsMax > 0 && params.result !== undefined) {
				return this.#settle({ op: "ack", letter: "c", args: [params.result] }, params);
			}
			return this.#settle(PLAIN_ACK, params);
		}
		return this.#settle({ op: "ack", letter: "k", args: [params.result ?? "", policy] }, params);
	}

	retry(params: RetryParams): Promise<SettleResult> {
		if (this.#closed) return Promise.reject(new StoreClosedError());
		try {
			checkDuration("delay", params?.delay);
			checkErrorInfo("error", params.error);
		} catch (error) {
			return Promise.reject(error);
		}
		return this.#settle(
			{ op: "retry", letter: "r", args: [plain(params.delay), encodeError(params.error)] },
			params,
		);
	}

	fail(params: FailParams): Promise<SettleResult> {
		if (this.#closed) return Promise.reject(new StoreClosedError());
		let policy: string | undefined;
		try {
			checkErrorInfo("error", params?.error);
			const keep = params.keep;
			if (keep !== undefined) policy = keep === false ? "n" : policyText("keep", keep);
		} catch (error) {
			return Promise.reject(error);
		}
		const error = encodeError(params.error);
		if (policy === undefined)
			return this.#settle({ op: "fail", letter: "f", args: [error] }, params);
		// `n`: the job dies and is deleted (keep false).
		return this.#settle({ op: "fail", letter: "g", args: [error, policy] }, params);
	}

	/**
	 * Records a leased job's progress, fenced by its token: `{ ok: false }` and nothing written
	 * when the lease is not current. The value lasts while the attempt runs (see progress.lua).
	 */
	async progress(params: ProgressParams): Promise<{ ok: boolean }> {
		this.#checkOpen();
		checkLeaseRef("params", params);
		if (typeof params.progress !== "string") {
			throw new InvalidOptionError("progress", "must be JSON text");
		}
		const written = await this.#run(
			this.#worker,
			"progress",
			[params.id, params.token, params.progress],
			"wait",
		);
		return { ok: written === 1 };
	}

	/**
	 * Job events after `after` (a cursor: an event's number; absent: from the oldest kept), oldest
	 * first, at most `limit`; when there are none yet, waits up to `waitMs` for one on a
	 * connection of its own. Needs the store made with `events`.
	 */
	async readEvents(params: ReadEventsParams): Promise<EventPage> {
		this.#checkOpen();
		this.#eventsOn("readEvents");
		const { after, limit, waitMs = 0, signal } = checkReadEventsParams("readEvents", params);
		if (after !== undefined && !EVENT_CURSOR.test(after)) {
			throw new InvalidOptionError("readEvents.after", `is not a cursor of this store: "${after}"`);
		}
		const read = async () => {
			const [missed, entries] = (await this.#run(
				this.#producer,
				"readEvents",
				[after ?? "", limit],
				this.#untilTimeout(),
			)) as [number, [string, string[]][]];
			// A cursor past the newest event reads from the oldest (missed says so).
			const from = missed === 1 || after === undefined ? undefined : Number(after);
			return { events: storedEvents(entries, from, limit), missed: missed === 1 };
		};
		let page = await read();
		const deadline = Date.now() + waitMs;
		while (page.events.length === 0 && !signal?.aborted && !this.#closed && Date.now() < deadline) {
			const woken = await this.#eventReaders.wait(
				this.keys.events,
				`${after ?? "0"}-0`,
				deadline - Date.now(),
				signal,
			);
			if (!woken && (signal?.aborted || Date.now() >= deadline)) break;
			page = await read();
		}
		const last = page.events[page.events.length - 1];
		return { events: page.events, missed: page.missed, cursor: last ? last.id : (after ?? "0") };
	}

	/** The cursor of the newest event ("0" before the first): reading after it gives only later ones. */
	async eventsCursor(): Promise<string> {
		this.#checkOpen();
		this.#eventsOn("eventsCursor");
		try {
			return (await this.#producer.hget(this.keys.meta, "evseq")) ?? "0";
		} catch (error) {
			throw codeToError(error, "eventsCursor", this.#closed);
		}
	}

	#eventsOn(method: string): void {
		if (this.#eventsMax === 0) {
			throw new UnsupportedError("events", `${method} (connect the store with { events: true })`);
		}
	}

	/**
	 * Hands a leased job back to the head of its line, attempts down by one; with `limitFor`, no
	 * job of the queue is leased for that many ms (the `:block` field of `active`).
	 */
	release(params: ReleaseParams): Promise<SettleResult> {
		if (params?.limitFor === undefined) return this.#settle(RELEASE, params);
		let ms: number;
		try {
			ms = checkLimitFor("limitFor", params.limitFor);
		} catch (error) {
			return Promise.reject(error);
		}
		return this.#settle({ op: "release", letter: "b", args: [plain(Math.ceil(ms))] }, params);
	}

	/**
	 * Sets the queue's rate limit for every store on this Redis prefix (the `:rate` field of
	 * `active`, read by the scripts that lease), or removes it with `null`.
	 */
	async setRateLimit(limit: RateLimit | null): Promise<void> {
		this.#checkOpen();
		const checked = checkRateLimit("limit", limit);
		const value = checked ? `${plain(checked.max)},${plain(checked.duration)}` : "";
		await this.#run(this.#producer, "limits", ["rate", value], this.#untilTimeout());
	}

	/** The queue's rate limit, or `null`. */
	async getRateLimit(): Promise<RateLimit | null> {
		const value = await this.#activeField(":rate", "getRateLimit");
		if (value === null) return null;
		const [max, duration] = value.split(",").map(Number);
		return { max: max!, duration: duration! };
	}

	/** Sets the most jobs active at once for every store on this prefix (`:conc` of `active`). */
	async setGlobalConcurrency(max: number | null): Promise<void> {
		this.#checkOpen();
		const checked = checkGlobalConcurrency("max", max);
		const value = checked === null ? "" : plain(checked);
		await this.#run(this.#producer, "limits", ["conc", value], this.#untilTimeout());
	}

	/** The most jobs active at once, or `null`. */
	async getGlobalConcurrency(): Promise<number | null> {
		const value = await this.#activeField(":conc", "getGlobalConcurrency");
		return value === null ? null : Number(value);
	}

	/**
	 * Sets the limits every group has on its own, for every store on this prefix (`:glimits` of
	 * `active`), or removes them with `null`. The groups held at their old concurrency go back to
	 * the rotation.
	 */
	async setGroupLimits(limits: GroupLimits | null): Promise<void> {
		this.#checkOpen();
		const checked = checkGroupLimits("limits", limits);
		let value = "";
		if (checked) {
			const { concurrency, rate } = checked;
			value = `${concurrency === undefined ? "" : plain(concurrency)},${rate ? `${plain(rate.max)},${plain(rate.duration)}` : ","}`;
		}
		await this.#run(this.#producer, "limits", ["group", value], this.#untilTimeout());
	}

	/** The limits of every group, or `null`. */
	async getGroupLimits(): Promise<GroupLimits | null> {
		const value = await this.#activeField(":glimits", "getGroupLimits");
		if (value === null) return null;
		const [concurrency, max, duration] = value.split(",");
		const limits: GroupLimits = {};
		if (concurrency) limits.concurrency = Number(concurrency);
		if (max) limits.rate = { max: Number(max), duration: Number(duration) };
		return limits;
	}

	/** Pauses one group for every store on this prefix: none of its jobs is leased until resumed. */
	async pauseGroup(group: string): Promise<void> {
		this.#checkOpen();
		checkGroup("group", group);
		await this.#run(this.#producer, "pauseGroup", ["1", group], this.#untilTimeout());
	}

	/** Resumes a paused group: it rejoins the rotation's tail, and an idle worker is woken. */
	async resumeGroup(group: string): Promise<void> {
		this.#checkOpen();
		checkGroup("group", group);
		await this.#run(this.#producer, "pauseGroup", ["0", group], this.#untilTimeout());
	}

	/** Whether the group is paused. */
	async isGroupPaused(group: string): Promise<boolean> {
		this.#checkOpen();
		checkGroup("group", group);
		try {
			return (await this.#producer.hexists(groupKeys(this.keys, group).state, "p")) === 1;
		} catch (error) {
			throw codeToError(error, "isGroupPaused", this.#closed);
		}
	}

	/** A field of `active` that is no lease (`:rate`, `:conc`, `:glimits`), read as is. */
	async #activeField(field: string, method: string): Promise<string | null> {
		this.#checkOpen();
		try {
			return await this.#producer.hget(this.keys.active, field);
		} catch (error) {
			throw codeToError(error, method, this.#closed);
		}
	}

	async extend(params: ExtendParams): Promise<ExtendResult[]> {
		this.#checkOpen();
		checkLeaseMs("leaseMs", params?.leaseMs);
		if (!Array.isArray(params.leases)) throw new InvalidOptionError("leases", "must be an array");
		for (const [i, lease] of params.leases.entries()) checkLeaseRef(`leases[${i}]`, lease);
		if (params.leases.length === 0) return [];
		const args: ScriptArg[] = [plain(params.leaseMs)];
		for (const lease of params.leases) args.push(lease.id, lease.token);
		const reply = (await this.#run(this.#worker, "extend", args, "wait")) as number[];
		return reply.map((renewed) => (renewed === 1 ? { ok: true } : { ok: false, reason: "stale" }));
	}

	async sweep(params: SweepParams): Promise<number> {
		this.#checkOpen();
		checkInteger("limit", params?.limit, 1);
		const keep = params.keep === undefined ? {} : checkJobKeep("keep", params.keep);
		const trims = [keep.completed, keep.dead].map((policy) =>
			policy ? policyText("keep", policy) : "",
		);
		const [recovered, notes] = (await this.#run(
			this.#worker,
			"sweep",
			[params.limit, encodeError(LEASE_EXPIRED), SWEEP_SCAN_BUDGET, ...trims, this.#jobIdHistory],
			"wait",
		)) as [number, string];
		this.#reportSetAside(notes, "sweep");
		return recovered;
	}

	/**
	 * Pauses the queue for every store on this Redis prefix (the `:paused` field of `active`):
	 * from the moment it resolves, reserves and settles lease nothing. Kept with the data, so it
	 * outlives every process and, with persistence, a Redis restart.
	 */
	async pause(): Promise<void> {
		this.#checkOpen();
		await this.#run(this.#producer, "pause", ["1"], this.#untilTimeout());
	}

	/** Resumes the queue: what fell due meanwhile is promoted, and an idle worker woken. */
	async resume(): Promise<void> {
		this.#checkOpen();
		await this.#run(this.#producer, "pause", ["0"], this.#untilTimeout());
	}

	/** Whether the queue is paused. */
	async isPaused(): Promise<boolean> {
		this.#checkOpen();
		try {
			return (await this.#producer.hexists(this.keys.active, ":paused")) === 1;
		} catch (error) {
			throw codeToError(error, "isPaused", this.#closed);
		}
	}

	async stats(): Promise<JobStats> {
		this.#checkOpen();
		const [ready, delayed, active, dead, completed] = (await this.#run(
			this.#producer,
			"stats",
			[],
			this.#untilTimeout(),
		)) as number[];
		return {
			ready: ready!,
			delayed: delayed!,
			active: active!,
			dead: dead!,
			completed: completed!,
		};
	}

	async deadLetter(params: DeadLetterParams = {}): Promise<DeadJobRecord[]> {
		this.#checkOpen();
		const offset = checkInteger("offset", params.offset ?? 0, 0);
		const limit =
			params.limit === undefined
				? Number.POSITIVE_INFINITY
				: checkInteger("limit", params.limit, 0);
		// Pages of DEAD_BATCH, so a large dead letter never blocks Redis for long.
		const jobs: DeadJobRecord[] = [];
		while (jobs.length < limit) {
			const want = Math.min(DEAD_BATCH, limit - jobs.length);
			const reply = (await this.#run(
				this.#producer,
				"deadLetter",
				[offset + jobs.length, want],
				this.#untilTimeout(),
			)) as unknown[];
			this.#reportSetAside(reply[0], "deadLetter");
			jobs.push(...deadJobs(reply, 2));
			if (Number(reply[1]) < want) break;
		}
		return jobs;
	}

	async retryDead(selector: DeadJobSelector): Promise<number> {
		this.#checkOpen();
		const ids = selectedIds(selector);
		if (ids !== "all") {
			let moved = 0;
			for (const chunk of chunks(ids, IDS_CHUNK)) {
				moved += this.#moved(await this.#run(this.#producer, "retryDead", ["ids", ...chunk]));
			}
			return moved;
		}
		// In batches, so a large dead letter never blocks Redis for long.
		let total = 0;
		for (;;) {
			const reply = await this.#run(this.#producer, "retryDead", ["oldest", DEAD_BATCH]);
			total += this.#moved(reply);
			if (Number((reply as unknown[])[2]) < DEAD_BATCH) return total;
		}
	}

	async removeDead(selector: DeadJobSelector): Promise<number> {
		this.#checkOpen();
		const ids = selectedIds(selector);
		if (ids !== "all") {
			let removed = 0;
			for (const chunk of chunks(ids, IDS_CHUNK)) {
				removed += (await this.#run(this.#producer, "removeDead", ["ids", ...chunk])) as number;
			}
			return removed;
		}
		let total = 0;
		for (;;) {
			const removed = (await this.#run(this.#producer, "removeDead", [
				"oldest",
				DEAD_BATCH,
			])) as number;
			total += removed;
			if (removed < DEAD_BATCH) return total;
		}
	}

	async getJob(id: string): Promise<JobRecord | null> {
		this.#checkOpen();
		checkJobId("getJob(id)", id);
		const reply = await this.#run(this.#producer, "getJob", [id], this.#untilTimeout());
		return jobRecords(reply, 0)[0] ?? null;
	}

	async listJobs(params: ListJobsParams): Promise<JobPage> {
		this.#checkOpen();
		const { state, offset, limit } = checkListParams("listJobs", params);
		const reply = (await this.#run(
			this.#producer,
			"listJobs",
			[state, offset, limit],
			this.#untilTimeout(),
		)) as unknown[];
		return { total: Number(reply[0]), jobs: jobRecords(reply, 1) };
	}

	async removeJob(id: string): Promise<RemoveResult> {
		this.#checkOpen();
		checkJobId("removeJob(id)", id);
		const state = (await this.#run(this.#producer, "removeJob", [id])) as string;
		if (state === "active") throw new JobActiveError(id, "remove");
		if (state === "") return { removed: false };
		return { removed: true, state: state as RemoveResult["state"] & string };
	}

	/**
	 * Subscribes to the problems the store deals with without failing a call: a record it cannot
	 * read (corrupt, or foreign) is set aside in the `quarantine` hash, so the jobs behind it keep
	 * flowing, and reported here as a `BadRecordError`. A `JobQueue` re-emits each as `error`.
	 */
	onError(listener: (error: Error) => void): () => void {
		this.#errorListeners.add(listener);
		return () => this.#errorListeners.delete(listener);
	}

	waitForJob(params: WaitForJobParams): Promise<void> {
		if (this.#closed) return Promise.reject(new StoreClosedError());
		return this.#wakeUps.wait(params);
	}

	close(): Promise<void> {
		this.#closing ??= this.#close();
		return this.#closing;
	}

	async #close(): Promise<void> {
		this.#closed = true;
		// Settles called before close() are sent now, as they would have been one by one.
		this.#settles.flush();
		this.#adds.close();
		this.#eventReaders.close();
		await this.#wakeUps.close();
		if (!this.#owned) return;
		await Promise.all([quit(this.#owned.producer), quit(this.#owned.worker)]);
	}

	/** Checks a settle and queues it for the next settle-many call. */
	#settle(call: SettleCall, params: SettleParams): Promise<SettleResult> {
		if (this.#closed) return Promise.reject(new StoreClosedError());
		try {
			checkLeaseRef("params", params);
			if (params.reserve !== undefined) checkReserve("reserve", params.reserve);
		} catch (error) {
			return Promise.reject(error);
		}
		return this.#settles.settle(call, params);
	}

	/** Runs a script, meeting trouble as `patience` says; failures become `JobsError`s. */
	async #run(
		client: RedisClient,
		name: ScriptName,
		args: readonly ScriptArg[],
		patience: Patience = "once",
	): Promise<unknown> {
		const closed = () => this.#closed;
		try {
			if (patience === "wait") {
				const deadline = Date.now() + this.#workerTimeoutMs;
				return await runScriptPatiently(
					client,
					name,
					this.#scriptKeys,
					args,
					closed,
					deadline,
					this.#reopenOnDeadline(client),
				);
			}
			if (patience !== "once") {
				return await runScriptUntil(client, name, this.#scriptKeys, args, patience.until, closed);
			}
			return await runScript(client, name, this.#scriptKeys, args);
		} catch (error) {
			throw codeToError(error, name, this.#closed);
		}
	}

	/** Reopens `client` when a worker call passes its deadline: only a connection the store owns. */
	#reopenOnDeadline(client: RedisClient): (() => void) | undefined {
		return this.#owned ? () => reopen(client) : undefined;
	}

	/** Patience for a read: resent until `commandTimeoutMs` from now. */
	#untilTimeout(): Patience {
		return { until: Date.now() + this.#timeoutMs };
	}

	/** How many jobs a `retryDead` call moved; reports the records it set aside. */
	#moved(reply: unknown): number {
		const [moved, notes] = reply as [number, string];
		this.#reportSetAside(notes, "retryDead");
		return moved;
	}

	/**
	 * Reports each record a script set aside in the `quarantine` hash (its notes, one per line)
	 * to the {@link onError} listeners, as a `BadRecordError`.
	 */
	#reportSetAside(notes: unknown, operation: string): void {
		if (typeof notes !== "string" || notes === "") return;
		for (const note of notes.split("\n")) {
			const error = new BadRecordError(
				`${operation} set aside a record it cannot read, in ${this.keys.quarantine}: ${note}`,
			);
			for (const listener of this.#errorListeners) listener(error);
		}
	}

	#checkOpen(): void {
		if (this.#closed) throw new StoreClosedError();
	}

	#warnIfWorkerGivesUp(): void {
		if (this.#warnedRetries || this.#owned) return;
		this.#warnedRetries = true;
		const retries = finiteRetries(this.#worker);
		if (retries !== undefined) {
			process.emitWarning(
				`the ioredis client given to RedisJobStore.fromClient() has maxRetriesPerRequest = ${retries}: ` +
					"during a Redis outage its worker calls fail instead of waiting. " +
					"Give workers a client with maxRetriesPerRequest: null.",
				{ code: "JOBS_REDIS_FINITE_RETRIES" },
			);
		}
	}

	#duplicateForWakeUps(): RedisClient {
		// A connection blocked in BLPOP can run nothing else meanwhile, so wake-ups get their own.
		if (isCluster(this.#worker)) return this.#worker.duplicate();
		// Its own connection closes when it hears nothing (a black hole) and reopens.
		return this.#owned
			? this.#worker.duplicate({ socketTimeout: this.#workerTimeoutMs })
			: this.#worker.duplicate();
	}
}

function* chunks<T>(items: readonly T[], size: number): Generator<readonly T[]> {
	for (let from = 0; from < items.length; from += size) yield items.slice(from, from + size);
}

function jobIdHistoryOf(value: unknown): number {
	return value === undefined ? DEFAULT_JOB_ID_HISTORY : checkInteger("jobIdHistory", value, 0);
}

/** Closes a connection politely when it is up, at once otherwise (QUIT would wait for Redis). */
async function quit(client: Redis): Promise<void> {
	if (client.status === "ready") {
		await client.quit().catch(() => client.disconnect());
	} else {
		client.disconnect();
	}
}

/** The settle calls without arguments of their own, made once (an ack is the hot path). */
const PLAIN_ACK: SettleCall = { op: "ack", letter: "a", args: [] };
const RELEASE: SettleCall = { op: "release", letter: "l", args: [] };
