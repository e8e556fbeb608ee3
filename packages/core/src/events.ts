/**
 * The queue's events. Listeners are isolated: one that throws is reported on `error` (or the
 * console) and never breaks the worker or the other listeners.
 * @module
 */
import type { LeaseLostError } from "./errors.js";
import type { DeadJob } from "./job.js";

/** Identifies a job in events that do not carry its data. */
export interface JobRef {
	readonly id: string;
	readonly name: string;
	readonly attempts: number;
}

/** Listener signatures per event name. */
export interface QueueEvents {
	/** A job this process ran completed (its ack was accepted), with what its handler returned. */
	completed(job: JobRef, result: unknown): void;
	/**
	 * A job this process ran failed an attempt and will run again after `delayMs` (its retry was
	 * accepted).
	 */
	retrying(job: JobRef, error: Error, delayMs: number): void;
	/** A job exhausted its attempts and moved to the dead letter (once per dead job). */
	failed(job: DeadJob, error: Error): void;
	/**
	 * A worker lost a job's lease: a renewal was refused, the local lease deadline passed (the
	 * event loop was blocked or the store unreachable), or a late settle was refused. The job may
	 * run again elsewhere; its handler's `job.signal` was aborted.
	 */
	"lease-lost"(job: JobRef, error: LeaseLostError): void;
	/** A store call in the background failed (reserve, extend, sweep, settle), or a listener threw. */
	error(error: Error): void;
}

/** Minimal typed emitter; logs to the console when nobody listens for `error` or `lease-lost`. */
export class QueueEventEmitter {
	#listeners: { [K in keyof QueueEvents]: Set<QueueEvents[K]> } = {
		completed: new Set(),
		retrying: new Set(),
		failed: new Set(),
		"lease-lost": new Set(),
		error: new Set(),
	};

	/** Whether anyone listens for `event` (to skip building what nobody would see). */
	listens(event: keyof QueueEvents): boolean {
		return this.#listeners[event].size > 0;
	}

	/** Adds a listener; returns a function that removes it. */
	on<K extends keyof QueueEvents>(event: K, listener: QueueEvents[K]): () => void {
		this.#listeners[event].add(listener);
		return () => {
			this.#listeners[event].delete(listener);
		};
	}

	emit<K extends keyof QueueEvents>(event: K, ...args: Parameters<QueueEvents[K]>): void {
		const listeners = this.#listeners[event];
		if (listeners.size === 0) {
			if (event === "error") console.error("[jobs]", args[0]);
			else if (event === "lease-lost") console.warn("[jobs]", (args[1] as Error).message);
			return;
		}
		for (const listener of listeners) {
			try {
				(listener as (...a: unknown[]) => void)(...args);
			} catch (error) {
				if (event === "error") console.error("[jobs] an error listener threw", error);
				else this.emit("error", asError(error));
			}
		}
	}
}

/** Normalizes anything thrown into an Error without losing the original. */
export function asError(value: unknown): Error {
	return value instanceof Error ? value : new Error(String(value));
}
