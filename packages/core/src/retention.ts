/**
 * Retention: what a queue keeps of finished jobs, as its users say it (`true`, `false`, a
 * policy) and as its store receives it (a {@link KeepPolicy}, or `false`).
 * @module
 */
import { InvalidOptionError } from "./errors.js";
import type { JobKeep, KeepPolicy } from "./job-store.js";
import { checkKeepPolicy } from "./store-checks.js";
import { describe } from "./validate.js";

/**
 * What to keep of finished jobs of one kind: `true` all of them, `false` none, or a
 * {@link KeepPolicy} (`{ count }` the most recent, `{ age }` those finished in the last `age` ms,
 * or both).
 */
export type KeepOption = boolean | KeepPolicy;

/** What to keep of completed jobs and of dead ones. */
export interface KeepOptions {
	/** Completed jobs, with their results. Queue default `false`: an acked job leaves the store. */
	completed?: KeepOption;
	/** Dead jobs. Queue default `true`: they stay in the dead letter until removed. */
	dead?: KeepOption;
}

/** The queue-wide policies, resolved: `false` keeps none, a policy keeps what it says. */
export interface QueueKeep {
	readonly completed: KeepPolicy | false;
	readonly dead: KeepPolicy | false;
}

/** Today's behaviour, the fastest: completed jobs leave, dead ones stay. */
export const DEFAULT_KEEP: QueueKeep = Object.freeze({ completed: false, dead: Object.freeze({}) });

/** Checks `keep` options (`{ completed?, dead? }`) and resolves each given one. */
export function checkKeepOptions(option: string, keep: unknown): JobKeep {
	if (keep === null || typeof keep !== "object" || Array.isArray(keep)) {
		throw new InvalidOptionError(option, `must be { completed?, dead? }, got ${describe(keep)}`);
	}
	const resolved: JobKeep = {};
	for (const [kind, value] of Object.entries(keep)) {
		if (kind !== "completed" && kind !== "dead") {
			throw new InvalidOptionError(
				`${option}.${kind}`,
				"is not a keep option (known: completed, dead)",
			);
		}
		if (value !== undefined) resolved[kind] = toPolicy(`${option}.${kind}`, value);
	}
	return resolved;
}

/** The queue's policies: its `keep` option over {@link DEFAULT_KEEP}. */
export function queueKeep(keep: unknown): QueueKeep {
	if (keep === undefined) return DEFAULT_KEEP;
	const given = checkKeepOptions("keep", keep);
	return {
		completed: given.completed ?? DEFAULT_KEEP.completed,
		dead: given.dead ?? DEFAULT_KEEP.dead,
	};
}

/** What the sweep trims by: the queue's policies that have a limit (age or count). */
export function sweepKeep(keep: QueueKeep): JobKeep | undefined {
	const limited = (p: KeepPolicy | false) =>
		p !== false && (p.age !== undefined || p.count !== undefined);
	if (!limited(keep.completed) && !limited(keep.dead)) return undefined;
	const out: JobKeep = {};
	if (limited(keep.completed)) out.completed = keep.completed;
	if (limited(keep.dead)) out.dead = keep.dead;
	return out;
}

/** A policy, frozen: a store may then check and format it once for all the settles it rides on. */
function toPolicy(option: string, value: unknown): KeepPolicy | false {
	if (value === false) return false;
	return Object.freeze(value === true ? {} : checkKeepPolicy(option, value));
}
