/**
 * Add coalescing: separate `add` calls made in the same tick share one `add` script call, which
 * carries an add key so a resent call does not add its jobs twice.
 * @module
 */

import { randomBytes } from "node:crypto";
import { StoreClosedError, StoreUnavailableError } from "@jobs/core";
import type { AddResult, NewJob } from "@jobs/core/store";
import { addResults, dueSpec, hasIdentity, recordFields } from "./codec.js";
import type { ScriptArg } from "./scripts.js";

/** Add keys each queue remembers, to recognise an `add` that ioredis sent again. */
const ADD_KEYS_KEPT = 10_000;
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
	 * @param run Runs the `add` script with these ARGV (failures already `JobsError`s).
	 * @param wake The queue's wake-up channel.
	 */
	constructor(
		private readonly run: (args: readonly ScriptArg[]) => Promise<unknown>,
		private readonly wake: string,
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
		// A random add key lets the script recognise this call if ioredis sends it again after
		// a reconnect (the first execution's reply was lost): the jobs are not added twice.
		const args: ScriptArg[] = [
			randomBytes(12).toString("base64url"),
			this.wake,
			ADD_KEYS_KEPT,
			"p",
		];
		const all: NewJob[] = [];
		for (const { jobs } of batch) {
			for (const job of jobs) {
				const { head, body } = recordFields(job);
				args.push(dueSpec(job), head, body);
				if (hasIdentity(job)) args[3] = "x";
				all.push(job);
			}
		}
		this.run(args).then(
			(reply) => {
				let results: AddResult[];
				try {
					results = addResults(reply, all);
				} catch (error) {
					for (const add of batch) add.reject(error);
					return;
				}
				let at = 0;
				for (const add of batch) {
					add.resolve(results.slice(at, at + add.jobs.length));
					at += add.jobs.length;
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
}
