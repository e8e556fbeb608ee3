/**
 * `Settler`: the end of one attempt — ack it, retry it after a backoff, or fail it to the dead
 * letter — reserving the next jobs in the same round trip, and reporting `failed`.
 * @module
 */
import { type Backoff, defaultBackoff } from "../backoff.js";
import { RateLimitedError } from "../errors.js";
import { asError } from "../events.js";
import type { AckParams, KeepPolicy, LeasedJob, SettleParams, SettleResult } from "../job-store.js";
import type { HandlerEntry } from "./context.js";
import { errorInfo } from "./handler-failure.js";
import type { LeaseKeeper } from "./lease-keeper.js";
import type { ReserveLoop } from "./reserve-loop.js";
import type { Running } from "./running.js";
import type { WorkerState } from "./worker-state.js";

/** Settles finished attempts with the store. @internal */
export class Settler {
	readonly #state: WorkerState;
	readonly #reserver: ReserveLoop;
	readonly #leases: LeaseKeeper;

	constructor(state: WorkerState, reserver: ReserveLoop, leases: LeaseKeeper) {
		this.#state = state;
		this.#reserver = reserver;
		this.#leases = leases;
	}

	/**
	 * Acks the job when the attempt succeeded, retries it while attempts remain, else fails it
	 * to the dead letter and emits `failed`. A refused settle means the lease was lost. Jobs the
	 * store leased in the same round trip (`leaseAhead`: also for the lease-ahead slots) start.
	 */
	async settle(
		running: Running,
		outcome: { failure: Error | undefined; result: string | undefined; value: unknown },
		maxAttempts: number,
		entry: HandlerEntry | undefined,
		data: unknown,
		leaseAhead: boolean,
	): Promise<void> {
		const { leased } = running;
		const { ctx } = this.#state;
		const { door } = ctx;
		const ref = {
			id: leased.id,
			token: leased.token,
			reserve: this.#reserver.claimNext(leaseAhead),
		};
		const sentAt = ctx.clock.now();
		const { failure } = outcome;
		let result: SettleResult;
		let dead = false;
		let delay = 0;
		const limited = failure instanceof RateLimitedError;
		try {
			if (!failure) {
				result = await door.ack(this.#ackParams(ref, outcome.result, leased));
			} else if (limited) {
				// Handed back untouched, its attempt not counted: the upstream was busy, not the job.
				result = await door.release({ ...ref, limitFor: failure.ms });
			} else if (leased.attempts < maxAttempts) {
				delay = this.#retryDelay(entry?.backoff ?? ctx.backoff, leased.attempts);
				result = await door.retry({ ...ref, delay, error: errorInfo(failure) });
			} else {
				dead = true;
				const keep = this.#policy("dead", leased);
				const params = { ...ref, error: errorInfo(failure) };
				result = await door.fail(keep === undefined ? params : { ...params, keep });
			}
		} finally {
			if (ref.reserve) this.#state.claimed -= ref.reserve.limit;
		}
		if (!result.ok) {
			this.#leases.leaseLost(
				running,
				"the store refused the settle: the lease had expired or moved on",
			);
		} else if (!failure) {
			if (ctx.events.listens("completed")) {
				ctx.events.emit("completed", jobRef(leased), outcome.value);
			}
		} else if (!dead && !limited) {
			ctx.events.emit("retrying", jobRef(leased), failure, delay);
		} else if (dead) {
			ctx.events.emit(
				"failed",
				{
					id: leased.id,
					name: leased.name,
					data: data ?? safeParse(leased.payload),
					attempts: leased.attempts,
					maxAttempts,
					error: errorInfo(failure!),
				},
				failure!,
			);
		}
		if (result.next?.length) this.#reserver.startAll(result.next, sentAt);
	}

	/**
	 * The ack's parameters: the job's policy over the queue's (with `retention`), and the result
	 * when it is kept or written in a `completed` event (with `events`). Otherwise the plain ack,
	 * the fastest path.
	 */
	#ackParams(ref: SettleParams, result: string | undefined, leased: LeasedJob): AckParams {
		const keep = this.#policy("completed", leased);
		// Object literals of one shape, not a spread and added fields: this runs per job.
		if (keep !== undefined && keep !== false) {
			return { id: ref.id, token: ref.token, reserve: ref.reserve, keep, result };
		}
		if (result !== undefined && this.#state.ctx.door.supports("events")) {
			return { id: ref.id, token: ref.token, reserve: ref.reserve, result };
		}
		return ref;
	}

	/**
	 * The policy a settle passes for `kind`: the job's own, else the queue's; undefined when it
	 * is the store's default (completed: not kept; dead: kept) or the store has no `retention`.
	 */
	#policy(kind: "completed" | "dead", leased: LeasedJob): KeepPolicy | false | undefined {
		const { ctx } = this.#state;
		if (!ctx.door.supports("retention")) return undefined;
		const policy = leased.retention?.[kind] ?? ctx.keep[kind];
		if (kind === "completed") return policy === false ? undefined : policy;
		// Dead jobs are kept with no limit unless a policy says otherwise.
		return policy !== false && policy.count === undefined && policy.age === undefined
			? undefined
			: policy;
	}

	/**
	 * The handler's backoff for `attempt`; the queue's when it throws or returns no delay; the
	 * default exponential backoff when the queue's does too. Each failure is an `error` event.
	 */
	#retryDelay(backoff: Backoff, attempt: number): number {
		return (
			this.#tryBackoff(backoff, attempt) ??
			(backoff === this.#state.ctx.backoff
				? undefined
				: this.#tryBackoff(this.#state.ctx.backoff, attempt)) ??
			defaultBackoff(attempt)
		);
	}

	#tryBackoff(backoff: Backoff, attempt: number): number | undefined {
		try {
			const delay = backoff(attempt);
			if (typeof delay === "number" && Number.isFinite(delay) && delay >= 0) return delay;
			throw new TypeError(`backoff(${attempt}) returned ${String(delay)}, not a delay in ms`);
		} catch (error) {
			this.#state.ctx.events.emit("error", asError(error));
			return undefined;
		}
	}
}

/** A job as local events name it. */
function jobRef(leased: LeasedJob): { id: string; name: string; attempts: number } {
	return { id: leased.id, name: leased.name, attempts: leased.attempts };
}

/** The data for `failed` when the handler never decoded it; undefined for bad JSON. */
function safeParse(payload: string): unknown {
	try {
		return JSON.parse(payload);
	} catch {
		return undefined;
	}
}
