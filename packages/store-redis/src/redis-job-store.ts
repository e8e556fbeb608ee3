/**
 * `RedisJobStore`: the durable, shared {@link JobStore}. Every state change is one Lua script.
 * @module
 */

import { randomBytes } from "node:crypto";
import {
	InvalidOptionError,
	StoreClosedError,
	StoreError,
	StoreUnavailableError,
} from "@jobs/core";
import {
	type AddResult,
	checkDeadSelector,
	checkDuration,
	checkErrorInfo,
	checkInteger,
	checkLeaseRef,
	checkNewJob,
	checkReserveParams,
	type DeadJobRecord,
	type DeadJobSelector,
	type DeadLetterParams,
	type ExtendParams,
	type ExtendResult,
	type FailParams,
	type JobStats,
	type JobStore,
	type LeasedJob,
	type NewJob,
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
import {
	deadJobs,
	dueSpec,
	encodeError,
	LEASE_EXPIRED,
	leasedJobs,
	plain,
	recordTail,
	SETTLE_CORRUPT,
	settleReply,
	TokenSource,
} from "./codec.js";
import {
	checkClient,
	finiteRetries,
	isCluster,
	type OwnedClients,
	openClients,
	type RedisJobStoreOptions,
} from "./connect.js";
import { type QueueKeys, queueKeys } from "./keys.js";
import {
	codeToError,
	defineScripts,
	type RedisClient,
	runScript,
	type ScriptArg,
	type ScriptKeys,
	type ScriptName,
	scriptKeys,
} from "./scripts.js";
import { Waker } from "./waker.js";

/** Options of {@link RedisJobStore.fromClient}. */
export interface FromClientOptions {
	/** Key prefix of the queue. Default `"jobs"`. */
	prefix?: string;
}

/** Add keys each queue remembers, to recognise an `add` that ioredis sent again. */
const ADD_KEYS_KEPT = 10_000;
/** Separate `add` calls made in the same tick share one script call, up to this many jobs. */
const ADD_BATCH_JOBS = 1_000;
/** Dead jobs moved per script call by `retryDead({ all: true })`. */
const RETRY_DEAD_BATCH = 1_000;
/** Settles made in one burst share one script call, up to this many. */
const SETTLE_BATCH = 500;
/**
 * A burst of at least this many settles, flushed while no settle call is in flight, goes out as
 * two calls: the worker handles the first reply while Redis runs the second, instead of each
 * waiting for the other in turn (one worker at concurrency 100: +29% jobs/s). Smaller bursts stay
 * one call: there the second call would cost more than the overlap saves.
 */
const SETTLE_SPLIT = 32;

interface PendingAdd {
	readonly jobs: readonly NewJob[];
	resolve(results: AddResult[]): void;
	reject(error: unknown): void;
}

/** The settle operations as settle-many.lua names them. */
const SETTLE_OPS = { ack: "a", retry: "r", fail: "f", release: "l" } as const;
type SettleOp = keyof typeof SETTLE_OPS;

/** One settle call waiting for its batch's script call. */
interface PendingSettle {
	readonly op: SettleOp;
	readonly id: string;
	readonly token: string;
	/** How many next jobs it asks for (0: none). */
	readonly limit: number;
	/** Their lease duration, plain digits. */
	readonly leaseMs: string;
	/** retry: the delay, plain digits. */
	readonly delay: string;
	/** retry, fail: the error, JSON text. */
	readonly error: string;
	resolve(result: SettleResult): void;
	reject(error: unknown): void;
}

/**
 * A {@link JobStore} on Redis or Redis Cluster: many producers and workers share it, and no
 * acknowledged job is lost (with AOF). "Now" is the Redis server's clock.
 *
 * @example
 * const store = await RedisJobStore.connect({ url: process.env.REDIS_URL, prefix: "emails" });
 * const queue = new JobQueue({ store });
 */
export class RedisJobStore implements JobStore, WaitForJobCapable {
	readonly capabilities: StoreCapabilities = { waitForJob: true };
	/** The key prefix given at creation. */
	readonly prefix: string;
	/** The Redis keys of this queue (see the README for the layout). */
	readonly keys: QueueKeys;

	readonly #producer: RedisClient;
	readonly #worker: RedisClient;
	readonly #owned: OwnedClients | undefined;
	readonly #waker: Waker;
	readonly #scriptKeys: ScriptKeys;
	readonly #tokens = new TokenSource();
	#seenSeq = 0;
	#closed = false;
	#closing: Promise<void> | undefined;
	#pendingAdds: PendingAdd[] = [];
	#pendingJobs = 0;
	#pendingSettles: PendingSettle[] = [];
	#settleCallsInFlight = 0;
	readonly #flushSettlesSoon = () => this.#flushSettles();
	#warnedRetries = false;
	#peeking: Promise<boolean> | undefined;

	/**
	 * Opens a store on its own connections (closed by {@link close}): one for producer calls,
	 * which reject within `commandTimeoutMs` while Redis is unreachable, one for worker calls,
	 * which wait through an outage, and one for wake-ups, opened on first `waitForJob`.
	 * Resolves without waiting for Redis: it may come up later.
	 */
	static async connect(options: RedisJobStoreOptions = {}): Promise<RedisJobStore> {
		const prefix = options.prefix ?? "jobs";
		const keys = queueKeys(prefix);
		const owned = openClients(options, prefix);
		for (const client of [owned.producer, owned.worker]) {
			// Failures reach callers as rejected calls; without a listener ioredis logs each one.
			client.on("error", () => {});
		}
		return new RedisJobStore(prefix, keys, owned.producer, owned.worker, owned);
	}

	/**
	 * Uses a caller's ioredis `Redis` or `Cluster` for every call. The caller owns it:
	 * {@link close} leaves it open (the store closes only the wake-up connection it duplicated).
	 * Throws `InvalidOptionError` for a client with `keyPrefix`.
	 */
	static fromClient(client: RedisClient, options: FromClientOptions = {}): RedisJobStore {
		checkClient(client);
		const prefix = options.prefix ?? "jobs";
		return new RedisJobStore(prefix, queueKeys(prefix), client, client, undefined);
	}

	private constructor(
		prefix: string,
		keys: QueueKeys,
		producer: RedisClient,
		worker: RedisClient,
		owned: OwnedClients | undefined,
	) {
		this.prefix = prefix;
		this.keys = keys;
		this.#scriptKeys = scriptKeys(keys);
		this.#producer = producer;
		this.#worker = worker;
		this.#owned = owned;
		defineScripts(producer);
		if (worker !== producer) defineScripts(worker);
		this.#waker = new Waker(() => this.#duplicateForWakeUps(), keys.wake);
	}

	add(jobs: readonly NewJob[]): Promise<AddResult[]> {
		if (this.#closed) return Promise.reject(new StoreClosedError());
		try {
			if (!Array.isArray(jobs)) throw new InvalidOptionError("jobs", "must be an array");
			for (const [i, job] of jobs.entries()) checkNewJob(job, `jobs[${i}]`, this);
		} catch (error) {
			return Promise.reject(error);
		}
		if (jobs.length === 0) return Promise.resolve([]);
		return new Promise<AddResult[]>((resolve, reject) => {
			if (this.#pendingJobs > 0 && this.#pendingJobs + jobs.length > ADD_BATCH_JOBS) {
				this.#flushAdds();
			}
			this.#pendingAdds.push({ jobs, resolve, reject });
			this.#pendingJobs += jobs.length;
			// Adds made in the same tick (100 concurrent producers) share one script call.
			if (this.#pendingAdds.length === 1) queueMicrotask(() => this.#flushAdds());
		});
	}

	async reserve(params: ReserveParams): Promise<LeasedJob[]> {
		this.#checkOpen();
		checkReserve("params", params);
		this.#warnIfWorkerGivesUp();
		this.#seenSeq = this.#waker.seq;
		const reply = (await this.#run(this.#worker, "reserve", [
			params.limit,
			plain(params.leaseMs),
			this.#tokens.next(),
			this.keys.wake,
		])) as string[];
		this.#waker.observe(reply[0]!, reply[1]!);
		return leasedJobs(reply, 2);
	}

	ack(params: SettleParams): Promise<SettleResult> {
		return this.#settle("ack", params, "", "");
	}

	retry(params: RetryParams): Promise<SettleResult> {
		if (this.#closed) return Promise.reject(new StoreClosedError());
		try {
			checkDuration("delay", params?.delay);
			checkErrorInfo("error", params.error);
		} catch (error) {
			return Promise.reject(error);
		}
		return this.#settle("retry", params, plain(params.delay), encodeError(params.error));
	}

	fail(params: FailParams): Promise<SettleResult> {
		if (this.#closed) return Promise.reject(new StoreClosedError());
		try {
			checkErrorInfo("error", params?.error);
		} catch (error) {
			return Promise.reject(error);
		}
		return this.#settle("fail", params, "", encodeError(params.error));
	}

	release(params: SettleParams): Promise<SettleResult> {
		return this.#settle("release", params, "", "");
	}

	async extend(params: ExtendParams): Promise<ExtendResult[]> {
		this.#checkOpen();
		checkLeaseMs("leaseMs", params?.leaseMs);
		if (!Array.isArray(params.leases)) throw new InvalidOptionError("leases", "must be an array");
		for (const [i, lease] of params.leases.entries()) checkLeaseRef(`leases[${i}]`, lease);
		if (params.leases.length === 0) return [];
		const args: ScriptArg[] = [plain(params.leaseMs)];
		for (const lease of params.leases) args.push(lease.id, lease.token);
		const reply = (await this.#run(this.#worker, "extend", args)) as number[];
		return reply.map((renewed) => (renewed === 1 ? { ok: true } : { ok: false, reason: "stale" }));
	}

	async sweep(params: SweepParams): Promise<number> {
		this.#checkOpen();
		checkInteger("limit", params?.limit, 1);
		const budget = Math.max(1_000, params.limit * 2);
		return (await this.#run(this.#worker, "sweep", [
			params.limit,
			encodeError(LEASE_EXPIRED),
			budget,
			this.keys.wake,
		])) as number;
	}

	async stats(): Promise<JobStats> {
		this.#checkOpen();
		const [ready, delayed, active, dead] = (await this.#run(
			this.#producer,
			"stats",
			[],
		)) as number[];
		return { ready: ready!, delayed: delayed!, active: active!, dead: dead! };
	}

	async deadLetter(params: DeadLetterParams = {}): Promise<DeadJobRecord[]> {
		this.#checkOpen();
		const offset = checkInteger("offset", params.offset ?? 0, 0);
		const limit = params.limit === undefined ? -1 : checkInteger("limit", params.limit, 0);
		return deadJobs(await this.#run(this.#producer, "deadLetter", [offset, limit]));
	}

	async retryDead(selector: DeadJobSelector): Promise<number> {
		this.#checkOpen();
		const ids = selectedIds(selector);
		if (ids !== "all") {
			if (ids.length === 0) return 0;
			return (await this.#run(this.#producer, "retryDead", [
				this.keys.wake,
				"ids",
				...ids,
			])) as number;
		}
		// In batches, so a large dead letter never blocks Redis for long.
		let total = 0;
		for (;;) {
			const moved = (await this.#run(this.#producer, "retryDead", [
				this.keys.wake,
				"oldest",
				RETRY_DEAD_BATCH,
			])) as number;
			total += moved;
			if (moved < RETRY_DEAD_BATCH) return total;
		}
	}

	async removeDead(selector: DeadJobSelector): Promise<number> {
		this.#checkOpen();
		const ids = selectedIds(selector);
		if (ids === "all") return (await this.#run(this.#producer, "removeDead", ["all"])) as number;
		if (ids.length === 0) return 0;
		return (await this.#run(this.#producer, "removeDead", ["ids", ...ids])) as number;
	}

	async waitForJob(params: WaitForJobParams): Promise<void> {
		this.#checkOpen();
		if (!this.#waker.observed) {
			// The next due time is unknown until a reserve ran: read it first, but never wait for
			// Redis longer than the caller would wait for a job.
			this.#seenSeq = this.#waker.seq;
			this.#peeking ??= this.#peek();
			const peeked = await within(this.#peeking, params);
			if (!peeked) return;
		}
		return this.#waker.wait({ ...params, seenSeq: this.#seenSeq });
	}

	/** A reserve of 0 jobs: promotes what is due and reads the server's time and next due time. */
	async #peek(): Promise<boolean> {
		try {
			const reply = (await this.#run(this.#worker, "reserve", [
				0,
				1,
				"",
				this.keys.wake,
			])) as string[];
			this.#waker.observe(reply[0]!, reply[1]!);
			return true;
		} catch {
			return false;
		} finally {
			this.#peeking = undefined;
		}
	}

	close(): Promise<void> {
		this.#closing ??= this.#close();
		return this.#closing;
	}

	async #close(): Promise<void> {
		this.#closed = true;
		// Settles called before close() are sent now, as they would have been one by one.
		this.#flushSettles();
		const pending = this.#pendingAdds;
		this.#pendingAdds = [];
		this.#pendingJobs = 0;
		for (const add of pending) add.reject(new StoreClosedError());
		await this.#waker.close();
		if (!this.#owned) return;
		await Promise.all([quit(this.#owned.producer), quit(this.#owned.worker)]);
	}

	/**
	 * Queues a settle (already checked) for the next batch: settles made while one burst of
	 * replies is handled (many handlers finishing at once) share one script call, flushed on
	 * `process.nextTick`, after the microtasks that made them, or at once at {@link SETTLE_BATCH}.
	 */
	#settle(op: SettleOp, params: SettleParams, delay: string, error: string): Promise<SettleResult> {
		if (this.#closed) return Promise.reject(new StoreClosedError());
		try {
			checkLeaseRef("params", params);
			if (params.reserve !== undefined) checkReserve("reserve", params.reserve);
		} catch (error) {
			return Promise.reject(error);
		}
		const reserve = params.reserve;
		return new Promise<SettleResult>((resolve, reject) => {
			const pending = this.#pendingSettles;
			pending.push({
				op,
				id: params.id,
				token: params.token,
				limit: reserve ? reserve.limit : 0,
				leaseMs: reserve ? plain(reserve.leaseMs) : "0",
				delay,
				error,
				resolve,
				reject,
			});
			if (pending.length === 1) process.nextTick(this.#flushSettlesSoon);
			else if (pending.length >= SETTLE_BATCH) this.#flushSettles();
		});
	}

	#flushSettles(): void {
		const pending = this.#pendingSettles;
		if (pending.length === 0) return;
		this.#pendingSettles = [];
		if (this.#settleCallsInFlight === 0 && pending.length >= SETTLE_SPLIT) {
			const half = pending.length >> 1;
			this.#sendSettles(pending.slice(0, half));
			this.#sendSettles(pending.slice(half));
		} else {
			this.#sendSettles(pending);
		}
	}

	/** Sends one settle-many call for `batch` and settles each of its calls from the reply. */
	#sendSettles(batch: readonly PendingSettle[]): void {
		const args: ScriptArg[] = ["", this.keys.wake];
		let asks = false;
		for (const s of batch) {
			args.push(SETTLE_OPS[s.op], s.id, s.token, s.limit, s.leaseMs);
			if (s.op === "retry") args.push(s.delay, s.error);
			else if (s.op === "fail") args.push(s.error);
			if (s.limit > 0) asks = true;
		}
		if (asks) {
			args[0] = this.#tokens.next();
			// A wake-up from now on may concern jobs this call does not see.
			this.#seenSeq = this.#waker.seq;
		}
		this.#settleCallsInFlight++;
		runScript(this.#worker, "settleMany", this.#scriptKeys, args).then(
			(reply) => {
				this.#settleCallsInFlight--;
				this.#settled(batch, reply);
			},
			(error: unknown) => {
				this.#settleCallsInFlight--;
				for (const s of batch) s.reject(codeToError(error, s.op, this.#closed));
			},
		);
	}

	/** Resolves each settle of a batch with its own outcome and next jobs. */
	#settled(batch: readonly PendingSettle[], reply: unknown): void {
		let parsed: ReturnType<typeof settleReply>;
		try {
			parsed = settleReply(reply, batch.length);
		} catch (error) {
			for (const s of batch) s.reject(error);
			return;
		}
		const { statuses } = parsed;
		for (let k = 0; k < batch.length; k++) {
			// The script promoted and read the next due time: keep it for waitForJob.
			if (statuses[k]! >= 0 && batch[k]!.limit > 0) {
				const r = reply as string[];
				this.#waker.observe(r[0]!, r[1]!);
				break;
			}
		}
		for (let k = 0; k < batch.length; k++) {
			const s = batch[k]!;
			const status = statuses[k]!;
			if (status === SETTLE_CORRUPT) {
				s.reject(
					new StoreError(
						`corrupt data in Redis: the lease of job ${s.id} holds a record that cannot be read (${s.op} changed nothing)`,
					),
				);
				continue;
			}
			const result: SettleResult = { ok: status >= 0 };
			// A stale settle leases nothing (the caller may be a worker that lost its way).
			if (s.limit > 0) result.next = parsed.jobsOf(k);
			s.resolve(result);
		}
	}

	#flushAdds(): void {
		const batch = this.#pendingAdds;
		if (batch.length === 0) return;
		this.#pendingAdds = [];
		this.#pendingJobs = 0;
		// A random add key lets the script recognise this call if ioredis sends it again after
		// a reconnect (the first execution's reply was lost): the jobs are not added twice.
		const args: ScriptArg[] = [
			randomBytes(12).toString("base64url"),
			this.keys.wake,
			ADD_KEYS_KEPT,
		];
		for (const { jobs } of batch) {
			for (const job of jobs) args.push(dueSpec(job), recordTail(job));
		}
		this.#run(this.#producer, "add", args).then(
			(first) => {
				let next = Number(first);
				for (const add of batch) {
					add.resolve(add.jobs.map(() => ({ id: String(next++), created: true })));
				}
			},
			(error: unknown) => {
				// The connection may have dropped after Redis ran the script but before its reply came
				// back, so an outage never proves the jobs were not added: say so.
				const failure =
					error instanceof StoreUnavailableError
						? new StoreUnavailableError(
								`${error.message} (the jobs may or may not have been added)`,
								{
									cause: error.cause,
								},
							)
						: error;
				for (const add of batch) add.reject(failure);
			},
		);
	}

	async #run(client: RedisClient, name: ScriptName, args: readonly ScriptArg[]): Promise<unknown> {
		try {
			return await runScript(client, name, this.#scriptKeys, args);
		} catch (error) {
			throw codeToError(error, name, this.#closed);
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
		// A subscribed connection can run nothing else, so wake-ups get their own.
		return isCluster(this.#worker) ? this.#worker.duplicate() : this.#worker.duplicate();
	}
}

function checkReserve(option: string, params: ReserveParams): void {
	checkReserveParams(option, params);
	checkLeaseMs(`${option}.leaseMs`, params.leaseMs);
}

/** Leases are whole milliseconds in Lua (`%.0f`): below 1 ms one would expire at once. */
function checkLeaseMs(option: string, value: unknown): void {
	if (checkDuration(option, value) < 1) {
		throw new InvalidOptionError(option, `must be at least 1 ms, got ${String(value)}`);
	}
}

function selectedIds(selector: DeadJobSelector): readonly string[] | "all" {
	const ids = checkDeadSelector("selector", selector);
	return ids === "all" ? ids : [...new Set(ids)];
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

/** Closes a connection politely when it is up, at once otherwise (QUIT would wait for Redis). */
async function quit(client: Redis): Promise<void> {
	if (client.status === "ready") {
		await client.quit().catch(() => client.disconnect());
	} else {
		client.disconnect();
	}
}
