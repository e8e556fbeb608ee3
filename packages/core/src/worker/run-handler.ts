/**
 * `HandlerRunner`: runs one job's handler in a free slot, then hands the slot to the next job
 * leased ahead and the outcome to the settler.
 * @module
 */
import { NoHandlerError, WorkerLostError } from "../errors.js";
import type { Job } from "../job.js";
import { toError } from "./handler-failure.js";
import type { LeaseAheadBuffer } from "./lease-ahead.js";
import type { LeaseKeeper } from "./lease-keeper.js";
import type { ReserveLoop } from "./reserve-loop.js";
import { type Running, signalOf } from "./running.js";
import { Settler } from "./settle.js";
import type { WorkerState } from "./worker-state.js";

/** Lease ahead only after a handler this fast: for slow jobs a round trip is noise. */
const FAST_HANDLER_MS = 20;

/** Runs handlers. @internal */
export class HandlerRunner {
	readonly #state: WorkerState;
	readonly #ahead: LeaseAheadBuffer;
	readonly #settler: Settler;

	/** A settle reserves in passing through `reserver` and reports a refused one to `leases`. */
	constructor(
		state: WorkerState,
		ahead: LeaseAheadBuffer,
		reserver: ReserveLoop,
		leases: LeaseKeeper,
	) {
		this.#state = state;
		this.#ahead = ahead;
		this.#settler = new Settler(state, reserver, leases);
	}

	/**
	 * Runs the job's handler (or fails it without running: attempts used up, or no handler for
	 * its name), then settles it unless `stop({ timeout })` already handed it back.
	 */
	async run(running: Running): Promise<void> {
		const { ctx } = this.#state;
		const { leased } = running;
		const startedAt = ctx.clock.now();
		const entry = ctx.handlers.get(leased.name);
		const maxAttempts = leased.maxAttempts ?? entry?.maxAttempts ?? ctx.maxAttempts;
		let failure: Error | undefined;
		let data: unknown;
		if (leased.attempts > maxAttempts) {
			// Earlier attempts ended without a settle (their worker died): give up without running.
			const last = leased.lastError?.message ?? "its lease expired";
			failure = new WorkerLostError(
				`job ${leased.id} ("${leased.name}") used all ${maxAttempts} attempts without finishing: ${last}`,
			);
		} else if (!entry) {
			failure = new NoHandlerError(leased.name);
		} else {
			try {
				data = JSON.parse(leased.payload);
				const job: Job<unknown, string> = {
					id: leased.id,
					name: leased.name,
					data,
					attempts: leased.attempts,
					maxAttempts,
					get signal() {
						return signalOf(running);
					},
				};
				await entry.handler(job);
			} catch (error) {
				failure = toError(error);
			}
		}
		if (running.handedBack) return; // stop({ timeout }) already released it
		this.#state.running.delete(leased.id);
		const fast = ctx.clock.now() - startedAt < FAST_HANDLER_MS;
		// Start a job leased ahead before settling this one: the settle's round trip then
		// overlaps the next handler instead of delaying it.
		const next = this.#ahead.takeNext();
		if (next) void this.run(next);
		this.#state.track(this.#settler.settle(running, failure, maxAttempts, entry, data, fast));
	}
}
