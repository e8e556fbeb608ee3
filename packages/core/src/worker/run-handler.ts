/**
 * `HandlerRunner`: runs one job's handler in a free slot, then hands the slot to the next job
 * leased ahead and the outcome to the settler.
 * @module
 */
import {
	LeaseLostError,
	NoHandlerError,
	RateLimitedError,
	UnsupportedError,
	WorkerLostError,
} from "../errors.js";
import { type Job, MAX_PROGRESS_BYTES } from "../job.js";
import { checkLimitFor } from "../store-checks.js";
import { encodeJobData } from "../validate.js";
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
	readonly #leases: LeaseKeeper;
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
		this.#leases = leases;
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
		let result: string | undefined;
		let value: unknown;
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
				const job: Job<unknown, string> = new HandlerJob(running, data, maxAttempts, this);
				value = await entry.handler(job);
				// The result follows the rules of data: a bad one fails the attempt, saying why.
				if (value !== undefined) result = encodeJobData(value, ctx.maxResultBytes, "result");
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
		this.#state.track(
			this.#settler.settle(running, { failure, result, value }, maxAttempts, entry, data, fast),
		);
	}

	/**
	 * The error `job.rateLimit(ms)` throws: a `RateLimitedError` the settler turns into a release
	 * that holds the queue back, or the error saying why it cannot. @internal
	 */
	rateLimited(ms: number): Error {
		if (!this.#state.ctx.door.supports("rateLimit")) {
			return new UnsupportedError("rateLimit", "job.rateLimit");
		}
		return new RateLimitedError(checkLimitFor("job.rateLimit(ms)", ms));
	}

	/** `job.progress(value)`: written only while the lease is current. @internal */
	async progress(running: Running, value: unknown): Promise<void> {
		const { door } = this.#state.ctx;
		if (!door.supports("progress")) throw new UnsupportedError("progress", "job.progress");
		const progress = encodeJobData(value, MAX_PROGRESS_BYTES, "progress");
		const { id, token } = running.leased;
		if (!running.lost) {
			const { ok } = await door.progress({ id, token, progress });
			if (ok) return;
			this.#leases.leaseLost(
				running,
				"the store refused a progress update: the lease had expired or moved on",
			);
		}
		throw running.abortReason instanceof LeaseLostError
			? running.abortReason
			: new LeaseLostError(id, "progress is not written once the lease is lost");
	}
}

/**
 * What a handler gets: a class rather than a literal, so its `signal` getter and `progress` method
 * live on the prototype instead of two closures per job.
 */
class HandlerJob implements Job<unknown, string> {
	readonly id: string;
	readonly name: string;
	readonly data: unknown;
	readonly attempts: number;
	readonly maxAttempts: number;
	readonly group: string | undefined;
	readonly #running: Running;
	readonly #runner: HandlerRunner;

	constructor(running: Running, data: unknown, maxAttempts: number, runner: HandlerRunner) {
		const { leased } = running;
		this.id = leased.id;
		this.name = leased.name;
		this.data = data;
		this.attempts = leased.attempts;
		this.maxAttempts = maxAttempts;
		this.group = leased.group;
		this.#running = running;
		this.#runner = runner;
	}

	get signal(): AbortSignal {
		return signalOf(this.#running);
	}

	progress(value: unknown): Promise<void> {
		return this.#runner.progress(this.#running, value);
	}

	rateLimit(ms: number): never {
		throw this.#runner.rateLimited(ms);
	}
}
