/**
 * `LeaseKeeper`: renews every lease the worker holds every third of the lease, tracks how long
 * each surely lasts, and reports the ones that are lost (`lease-lost`, the job's signal aborts).
 * @module
 */
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

	constructor(state: WorkerState, ahead: LeaseAheadBuffer) {
		this.#state = state;
		this.#ahead = ahead;
		this.heartbeat = new RecurringTask(
			state.ctx.clock,
			() => this.#renewAll(),
			() => (state.stopping && state.running.size === 0 ? undefined : state.settings.leaseMs / 3),
		);
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

	/** Renews every live lease in one store call; flags leases that are gone. */
	async #renewAll(): Promise<void> {
		const state = this.#state;
		const { leaseMs } = state.settings;
		const now = state.ctx.clock.now();
		const live: Running[] = [];
		for (const running of state.running.values()) {
			if (running.lost || running.handedBack) continue;
			if (now > running.deadline) {
				this.leaseLost(
					running,
					`not renewed within the ${leaseMs} ms lease (event loop blocked or store unreachable)`,
				);
			} else {
				live.push(running);
			}
		}
		if (live.length === 0) return;
		try {
			const renewed = await state.ctx.door.extend({
				leases: live.map((r) => ({ id: r.leased.id, token: r.leased.token })),
				leaseMs,
			});
			live.forEach((running, i) => {
				if (renewed[i]?.ok) running.deadline = now + leaseMs;
				// A job that finished meanwhile was settled: a refusal then means nothing.
				else if (state.running.get(running.leased.id) === running) {
					this.leaseLost(running, "the store refused to renew it");
				}
			});
		} catch (error) {
			state.ctx.events.emit("error", asError(error));
		}
	}
}
