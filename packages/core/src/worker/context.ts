/**
 * What a worker is handed by its queue.
 * @module
 */
import type { Backoff } from "../backoff.js";
import type { Clock } from "../clock.js";
import type { QueueEventEmitter } from "../events.js";
import type { JobHandler } from "../job.js";
import type { QueueKeep } from "../retention.js";
import type { StoreDoor } from "../store-door.js";

/** What the worker needs from its queue. @internal */
export interface WorkerContext {
	/** The queue's door to its store: the worker makes every store call through it. */
	door: StoreDoor;
	clock: Clock;
	handlers: ReadonlyMap<string, HandlerEntry>;
	maxAttempts: number;
	backoff: Backoff;
	events: QueueEventEmitter;
	/** The queue's retention policies (used only when the store declares `retention`). */
	keep: QueueKeep;
	/** Largest accepted handler result, in bytes of JSON (the queue's `maxPayloadBytes`). */
	maxResultBytes: number;
}

/** A registered handler with its options. @internal */
export interface HandlerEntry {
	handler: JobHandler<unknown, string>;
	maxAttempts: number | undefined;
	backoff: Backoff | undefined;
}
