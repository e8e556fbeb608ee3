/**
 * Add coalescing: separate `add` calls made in the same tick share one `add` script call. The
 * call carries an add key, so a copy that arrives twice adds its jobs once, and a deadline in
 * server time, past which Redis refuses it: an add that rejected here never applies later.
 * @module
 */

import { randomBytes } from "node:crypto";
import { StoreClosedError, StoreUnavailableError } from "@jobs/core";
import type { AddResult, NewJob } from "@jobs/core/store";
import { type AddMode, addMode, addResults, dueSpec, recordFields } from "./codec.js";
import type { ScriptArg } from "./scripts.js";
import type { ServerClock } from "./server-clock.js";

/** Separate `add` calls made in the same tick share one script call, up to this many jobs. */
const ADD_BATCH_JOBS = 1_000;

interface PendingAdd {
	readonly jobs: readonly NewJob[];
	resolve(results: AddResult[]): void;
	reject(error: unknown): void;
}

/**
 * Queues checked adds and sends each tick's in one `add` script call.
 * @internal
 */
export class AddBatcher {
	#pendingAdds: PendingAdd[] = [];
	#pendingJobs = 0;

	/**
	 * @param run Runs the `add` script with these ARGV, sending it again on failures that may not
	 *   have reached Redis, until `deadline` (local epoch ms); failures are `JobsError`s.
	 * @param timeoutMs How long an add may take (`commandTimeoutMs`).
	 * @param clock The offset of the server's clock, for the deadline the script checks.
	 */
	constructor(
		private readonly run: (args: readonly ScriptArg[], deadline: number) => Promise<unknown>,
		private readonly timeoutMs: number,
		private readonly clock: ServerClock,
	) {}

	/** Adds checked jobs with the next script call; resolves with their ids. */
	add(jobs: readonly NewJob[]): Promise<AddResult[]> {
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

	/** Rejects the adds not sent yet with `StoreClosedError`. */
	close(): void {
		const pending = this.#pendingAdds;
		this.#pendingAdds = [];
		this.#pendingJobs = 0;
		for (const add of pending) add.reject(new StoreClosedError());
	}

	#flushAdds(): void {
		const batch = this.#pendingAdds;
		if (batch.length === 0) return;
		this.#pendingAdds = [];
		this.#pendingJobs = 0;
		const all: NewJob[] = [];
		// ARGV: add key and deadline (filled in by #send), mode, then three per job.
		const args: ScriptArg[] = ["", "", "p"];
		for (const { jobs } of batch) {
			for (const job of jobs) {
				const { head, body } = recordFields(job);
				args.push(dueSpec(job), head, body);
				args[2] = addMode(args[2] as AddMode, job);
				all.push(job);
			}
		}
		this.#send(all, args).then(
			(results) => {
				let at = 0;
				for (const add of batch) {
					add.resolve(results.slice(at, at + add.jobs.length));
					at += add.jobs.length;
				}
			},
			(error: unknown) => {
				for (const add of batch) add.reject(error);
			},
		);
	}

	/** Sends one add call (`args` from its third on) until it gets through or its deadline passes. */
	async #send(jobs: NewJob[], args: ScriptArg[]): Promise<AddResult[]> {
		const deadline = Date.now() + this.timeoutMs;
		let offset: number;
		try {
			offset = await this.clock.lowerOffset(deadline);
		} catch (error) {
			// The server clock could not be read by the deadline, so the add was never sent.
			if (!(error instanceof StoreUnavailableError)) throw error;
			throw new StoreUnavailableError(
				`Redis is unavailable (add): the jobs were not added, nothing was sent (${error.message})`,
				{ cause: error },
			);
		}
		// Redis refuses the call after `notAfter`, which in server time is before this deadline
		// here (the margin covers clock drift since the offset was sampled), so no copy of it can
		// apply once this add has rejected. Its key is kept a while longer: a copy that meets
		// the refusal then knows for certain that no other copy applied.
		const margin = Math.min(100, this.timeoutMs / 10);
		const notAfter = Math.floor(deadline + offset - margin);
		const keepUntil = notAfter + Math.max(1_000, this.timeoutMs);
		args[0] = `${keepUntil.toString(36)}.${randomBytes(9).toString("base64url")}`;
		args[1] = notAfter.toString(36);
		let reply: unknown;
		try {
			reply = await this.run(args, deadline);
		} catch (error) {
			// The connection may have dropped after Redis ran the script but before its reply came
			// back, so an outage never proves the jobs were not added; but past the deadline they
			// can no longer be.
			if (!(error instanceof StoreUnavailableError)) throw error;
			throw new StoreUnavailableError(
				`${error.message} (the jobs may have been added; if they were not, they never will be, ` +
					"so an add with the same jobId is safe)",
				{ cause: error.cause },
			);
		}
		if (reply === "late") {
			throw new StoreUnavailableError(
				`add reached Redis after its ${this.timeoutMs} ms timeout and was refused: the jobs were not added`,
			);
		}
		if (reply === "gone") {
			throw new StoreUnavailableError(
				`add reached Redis long after its ${this.timeoutMs} ms timeout and was refused: ` +
					"an earlier copy of it may have added the jobs",
			);
		}
		return addResults(reply, jobs);
	}
}
