/**
 * Settle batching: `ack`, `retry`, `fail` and `release` calls made in one burst share one
 * `settleMany` script call, each keeping its own fencing, outcome, next jobs and error.
 * @module
 */

import { BadRecordError } from "@jobs/core";
import type { SettleParams, SettleResult } from "@jobs/core/store";
import { plain, SETTLE_CORRUPT, settleReply, type TokenSource } from "./codec.js";
import {
	codeToError,
	type RedisClient,
	runScriptPatiently,
	type ScriptArg,
	type ScriptKeys,
} from "./scripts.js";
import type { WakeUps } from "./wake-ups.js";

/** Settles made in one burst share one script call, up to this many. */
const SETTLE_BATCH = 500;
/**
 * A burst of at least this many settles, flushed while no settle call is in flight, goes out as
 * two calls: the worker handles the first reply while Redis runs the second, instead of each
 * waiting for the other in turn (one worker at concurrency 100: +29% jobs/s). Smaller bursts stay
 * one call: there the second call would cost more than the overlap saves.
 */
const SETTLE_SPLIT = 32;

/** A settle operation: `ack`, `retry`, `fail` or `release`. */
export type SettleOp = "ack" | "retry" | "fail" | "release";

/**
 * A settle as settle-many.lua reads it: the op's letter (`a` ack, `c` ack with a result for its
 * event, `k` ack and keep, `r` retry,
 * `f` fail, `g` fail and keep or drop, `l` release, `b` release holding the queue back) and
 * the op's own arguments.
 */
export interface SettleCall {
	readonly op: SettleOp;
	readonly letter: "a" | "c" | "k" | "r" | "f" | "g" | "l" | "b";
	readonly args: readonly string[];
}

/** One settle call waiting for its batch's script call. */
interface PendingSettle {
	readonly op: SettleOp;
	readonly letter: SettleCall["letter"];
	readonly id: string;
	readonly token: string;
	/** How many next jobs it asks for (0: none). */
	readonly limit: number;
	/** Their lease duration, plain digits. */
	readonly leaseMs: string;
	/** The op's own arguments (see {@link SettleCall}). */
	readonly args: readonly string[];
	resolve(result: SettleResult): void;
	reject(error: unknown): void;
}

/** What a {@link SettleBatcher} sends its calls with. */
export interface SettleBatcherOptions {
	/** The client settle-many calls go to. */
	readonly client: RedisClient;
	readonly scriptKeys: ScriptKeys;
	/** How many ids of acked jobs added with a jobId the queue remembers. */
	readonly jobIdHistory: number;
	/** Fencing tokens of the next jobs a batch leases. */
	readonly tokens: TokenSource;
	readonly wakeUps: WakeUps;
	/** Whether the store is closed, which explains any connection error. */
	closed(): boolean;
	/** How long a settle call may wait for Redis (`workerTimeoutMs`). */
	readonly timeoutMs: number;
	/** Reports the notes of the records a call set aside (its reply's third string). */
	reportSetAside(notes: unknown): void;
	/** Called when a call passes its deadline unanswered (the store reopens its connection). */
	readonly onDeadline?: (() => void) | undefined;
}

/**
 * Queues checked settles and sends them in settle-many calls.
 * @internal
 */
export class SettleBatcher {
	readonly #options: SettleBatcherOptions;
	#pendingSettles: PendingSettle[] = [];
	#settleCallsInFlight = 0;
	readonly #flushSettlesSoon = () => this.flush();

	constructor(options: SettleBatcherOptions) {
		this.#options = options;
	}

	/**
	 * Queues a settle (already checked) for the next batch: settles made while one burst of
	 * replies is handled (many handlers finishing at once) share one script call, flushed on
	 * `process.nextTick`, after the microtasks that made them, or at once at {@link SETTLE_BATCH}.
	 */
	settle(call: SettleCall, params: SettleParams): Promise<SettleResult> {
		const reserve = params.reserve;
		return new Promise<SettleResult>((resolve, reject) => {
			const pending = this.#pendingSettles;
			pending.push({
				op: call.op,
				letter: call.letter,
				id: params.id,
				token: params.token,
				limit: reserve ? reserve.limit : 0,
				leaseMs: reserve ? plain(reserve.leaseMs) : "0",
				args: call.args,
				resolve,
				reject,
			});
			if (pending.length === 1) process.nextTick(this.#flushSettlesSoon);
			else if (pending.length >= SETTLE_BATCH) this.flush();
		});
	}

	/** Sends the queued settles now. */
	flush(): void {
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
		const { client, scriptKeys, tokens, wakeUps, jobIdHistory } = this.#options;
		const args: ScriptArg[] = ["", jobIdHistory];
		let asks = false;
		for (const s of batch) {
			args.push(s.letter, s.id, s.token, s.limit, s.leaseMs);
			for (const arg of s.args) args.push(arg);
			if (s.limit > 0) asks = true;
		}
		if (asks) {
			args[0] = tokens.next();
			// A wake-up from now on may concern jobs this call does not see.
			wakeUps.lookingForJobs();
		}
		this.#settleCallsInFlight++;
		const deadline = Date.now() + this.#options.timeoutMs;
		runScriptPatiently(
			client,
			"settleMany",
			scriptKeys,
			args,
			this.#options.closed,
			deadline,
			this.#options.onDeadline,
		).then(
			(reply) => {
				this.#settleCallsInFlight--;
				this.#settled(batch, reply);
			},
			(error: unknown) => {
				this.#settleCallsInFlight--;
				for (const s of batch) s.reject(codeToError(error, s.op, this.#options.closed()));
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
		this.#options.reportSetAside((reply as unknown[])[2]);
		const { statuses } = parsed;
		for (let k = 0; k < batch.length; k++) {
			// The script promoted and read the next due time: keep it for waitForJob.
			if (statuses[k]! >= 0 && batch[k]!.limit > 0) {
				this.#options.wakeUps.observe(reply as string[]);
				break;
			}
		}
		for (let k = 0; k < batch.length; k++) {
			const s = batch[k]!;
			const status = statuses[k]!;
			if (status === SETTLE_CORRUPT) {
				s.reject(
					new BadRecordError(
						`corrupt data in Redis: the record of job ${s.id} cannot be read (${s.op} changed nothing; ` +
							"the sweep sets it aside once its lease expires)",
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
}
