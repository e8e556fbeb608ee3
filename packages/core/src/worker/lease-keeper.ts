/**
 * `LeaseKeeper`: renews every lease the worker holds every third of the lease, tracks how long
 * each surely lasts, and reports the ones that are lost (`lease-lost`, the job's signal aborts).
 * A lease is declared lost at its local deadline by a watchdog timer, whatever the store does:
 * a renewal that hangs (a dead connection) delays neither the check nor the next heartbeat.
 * @module
 */
import type { TimerHandle } from "../clock.js";
import { LeaseLostError } from "../errors.js";
import { asError } from "../events.js";
import type { LeaseAheadBuffer } from "./lease-ahead.js";
import { RecurringTask } from "./recurring-task.js";
import { abort, type Running } from "./running.js";
import type { WorkerState } from "./worker-state.js";

/** The worker's heartbeat and lease-loss handling. @internal */
export class LeaseKeeper {
	readonly #state: WorkerState;
	readonly #ahead: LeaseAheadBuffer;
	/** Renews every lease each third of the lease; once stopping, ends when no lease is held. */
	readonly heartbeat: RecurringTask;
	/** The renewal in flight: the next heartbeat sends none while it lasts. */
	#renewing: Promise<void> | undefined;
	/** Fires at the earliest deadline of the leases held, to declare it lost on time. */
	#watchdog: TimerHandle | undefined;

	constructor(state: WorkerState, ahead: LeaseAheadBuffer) {
		this.#state = state;
		this.#ahead = ahead;
		this.heartbeat = new RecurringTask(
			state.ctx.clock,
			() => this.#beat(),
			() => (state.stopping && state.running.size === 0 ? undefined : state.settings.leaseMs / 3),
		);
	}

	/** The renewal in flight, for stop to wait on. */
	get inFlight(): Promise<void> | undefined {
		return this.#renewing;
	}

	/** Stops the watchdog (the worker stopped). */
	stop(): void {
		this.#disarm();
	}

	#disarm(): void {
		if (this.#watchdog) this.#state.ctx.clock.clearTimeout(this.#watchdog);
		this.#watchdog = undefined;
	}

	/**
	 * Marks the lease lost (once): aborts the job's signal, forgets the job if it was only
	 * leased ahead, and emits `lease-lost`.
	 */
	leaseLost(running: Running, detail: string): void {
		if (running.lost) return;
		running.lost = true;
		const error = new LeaseLostError(running.leased.id, detail);
		abort(running, error);
		if (this.#ahead.remove(running)) {
			// Leased ahead and never started: someone else may run it now, so this worker won't.
			this.#state.running.delete(running.leased.id);
		}
		const { id, name, attempts } = running.leased;
		this.#state.ctx.events.emit("lease-lost", { id, name, attempts }, error);
	}

	/**
	 * One heartbeat: declares the leases past their deadline lost, arms the watchdog, and renews
	 * the others in one store call unless the last renewal is still in flight. Resolves without
	 * waiting for the store, so the next heartbeat comes on time.
	 */
	async #beat(): Promise<void> {
		const live = this.#checkDeadlines();
		if (live.length === 0 || this.#renewing) return;
		this.#renewing = this.#renew(live).finally(() => {
			this.#renewing = undefined;
		});
	}

	/** Declares lost each lease past its deadline; arms the watchdog; returns the live ones. */
	#checkDeadlines(): Running[] {
		const state = this.#state;
		const now = state.ctx.clock.now();
		const live: Running[] = [];
		let earliest = Number.POSITIVE_INFINITY;
		for (const running of state.running.values()) {
			if (running.lost || running.handedBack) continue;
			if (now >= running.deadline) {
				this.leaseLost(
					running,
					`not renewed within the ${state.settings.leaseMs} ms lease (event loop blocked or store unreachable)`,
				);
			} else {
				live.push(running);
				earliest = Math.min(earliest, running.deadline);
			}
		}
		this.#disarm();
		if (live.length > 0) {
			this.#watchdog = state.ctx.clock.setTimeout(() => {
				this.#watchdog = undefined;
				this.#checkDeadlines();
			}, earliest - now);
		}
		return live;
	}

	/** Renews `live` in one store call; flags leases that are gone. */
	async #renew(live: Running[]): Promise<void> {
		const state = this.#state;
		const { leaseMs } = state.settings;
		const now = state.ctx.clock.now();
		try {
			const renewed = await state.ctx.door.extend({
				leases: live.map((r) => ({ id: r.leased.id, token: r.leased.token })),
				leaseMs,
			});
			live.forEach((running, i) => {
				if (running.lost) return; // its deadline passed while the call was out
				if (renewed[i]?.ok) running.deadline = now + leaseMs;
				// A job that finished meanwhile was settled: a refusal then means nothing.
				else if (state.running.get(running.leased.id) === running) {
					this.leaseLost(running, "the store refused to renew it");
				}
			});
			this.#checkDeadlines();
		} catch (error) {
			state.ctx.events.emit("error", asError(error));
		}
	}
}
