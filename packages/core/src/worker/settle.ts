/**
 * `Settler`: the end of one attempt — ack it, retry it after a backoff, or fail it to the dead
 * letter — reserving the next jobs in the same round trip, and reporting `failed`.
 * @module
 */
import { type Backoff, defaultBackoff } from "../backoff.js";
import { asError } from "../events.js";
import type { SettleResult } from "../job-store.js";
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
		failure: Error | undefined,
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
		let result: SettleResult;
		let dead = false;
		try {
			if (!failure) {
				result = await door.ack(ref);
			} else if (leased.attempts < maxAttempts) {
				const delay = this.#retryDelay(entry?.backoff ?? ctx.backoff, leased.attempts);
				result = await door.retry({ ...ref, delay, error: errorInfo(failure) });
			} else {
				dead = true;
				result = await door.fail({ ...ref, error: errorInfo(failure) });
			}
		} finally {
			if (ref.reserve) this.#state.claimed -= ref.reserve.limit;
		}
		if (!result.ok) {
			this.#leases.leaseLost(
				running,
				"the store refused the settle: the lease had expired or moved on",
			);
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

/** The data for `failed` when the handler never decoded it; undefined for bad JSON. */
function safeParse(payload: string): unknown {
	try {
		return JSON.parse(payload);
	} catch {
		return undefined;
	}
}
