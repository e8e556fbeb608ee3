/**
 * Parameter checks for `JobStore` implementations. The engine never sends bad parameters; these
 * stop any other caller (a script, a buggy integration) before it corrupts a store, with the
 * same `JobsError`s from every store. Each returns the checked value.
 * @module
 */

import { requireCapability } from "./capabilities.js";
import { InvalidJobDataError, InvalidJobNameError, InvalidOptionError } from "./errors.js";
import {
	type GroupLimits,
	JOB_EVENT_TYPES,
	JOB_STATES,
	type JobErrorInfo,
	type JobEventType,
	type JobKeep,
	type JobState,
	type JobStore,
	type KeepPolicy,
	type LeaseRef,
	type ListJobsParams,
	MAX_GROUP_LENGTH,
	MAX_PAGE,
	MAX_PRIORITY,
	MAX_RATE_LIMIT,
	type NewJob,
	type RateLimit,
	type ReadEventsParams,
	type ReserveParams,
	type UnfinishedState,
	type UniqueSpec,
} from "./job-store.js";
import { assertDuration, assertInteger, describe } from "./validate.js";

const isObject = (value: unknown): value is Record<string, unknown> =>
	typeof value === "object" && value !== null;

/** `value` if it is an integer >= `min`; otherwise throws `InvalidOptionError` naming `option`. */
export function checkInteger(option: string, value: unknown, min: number): number {
	assertInteger(option, value, min);
	return value;
}

/** `value` if it is a finite number of ms >= 0 (> 0 when `positive`); otherwise throws. */
export function checkDuration(option: string, value: unknown, positive = false): number {
	assertDuration(option, value, 0);
	if (positive && value === 0) throw new InvalidOptionError(option, "must be > 0, got 0");
	return value;
}

/** Checks `{ limit, leaseMs }` of `reserve` (and of a settle's `reserve`). */
export function checkReserveParams(option: string, params: unknown): ReserveParams {
	if (!isObject(params)) throw new InvalidOptionError(option, "must be { limit, leaseMs }");
	return {
		limit: checkInteger(`${option}.limit`, params.limit, 1),
		leaseMs: checkDuration(`${option}.leaseMs`, params.leaseMs, true),
	};
}

/** Checks `{ id, token }`, both strings. */
export function checkLeaseRef(option: string, ref: unknown): LeaseRef {
	if (!isObject(ref) || typeof ref.id !== "string" || typeof ref.token !== "string") {
		throw new InvalidOptionError(option, "must be { id: string, token: string }");
	}
	return { id: ref.id, token: ref.token };
}

/**
 * Checks a {@link RateLimit}: `{ max, duration }`, `max` an integer from 1 to
 * {@link MAX_RATE_LIMIT}, `duration` an integer of ms from 1. Returns a copy; `null` stays `null`.
 */
export function checkRateLimit(option: string, limit: unknown): RateLimit | null {
	if (limit === null) return null;
	if (!isObject(limit) || Array.isArray(limit)) {
		throw new InvalidOptionError(
			option,
			`must be { max, duration } or null, got ${describe(limit)}`,
		);
	}
	for (const key of Object.keys(limit)) {
		if (key !== "max" && key !== "duration") {
			throw new InvalidOptionError(
				`${option}.${key}`,
				"is not a rate limit option (known: max, duration)",
			);
		}
	}
	const max = checkInteger(`${option}.max`, limit.max, 1);
	if (max > MAX_RATE_LIMIT) {
		throw new InvalidOptionError(`${option}.max`, `must be at most ${MAX_RATE_LIMIT}, got ${max}`);
	}
	return { max, duration: checkInteger(`${option}.duration`, limit.duration, 1) };
}

/** Checks a group: a non-empty string of at most {@link MAX_GROUP_LENGTH} characters. */
export function checkGroup(option: string, group: unknown): string {
	if (typeof group !== "string" || group === "") {
		throw new InvalidOptionError(option, `must be a non-empty string, got ${describe(group)}`);
	}
	if (group.length > MAX_GROUP_LENGTH) {
		throw new InvalidOptionError(
			option,
			`must be at most ${MAX_GROUP_LENGTH} characters, got ${group.length}`,
		);
	}
	return group;
}

/** Checks {@link GroupLimits}: `{ concurrency?, rate? }`, or `null`. Returns a copy. */
export function checkGroupLimits(option: string, limits: unknown): GroupLimits | null {
	if (limits === null) return null;
	if (!isObject(limits) || Array.isArray(limits)) {
		throw new InvalidOptionError(
			option,
			`must be { concurrency?, rate? } or null, got ${describe(limits)}`,
		);
	}
	for (const key of Object.keys(limits)) {
		if (key !== "concurrency" && key !== "rate") {
			throw new InvalidOptionError(
				`${option}.${key}`,
				"is not a group limit (known: concurrency, rate)",
			);
		}
	}
	const checked: GroupLimits = {};
	if (limits.concurrency !== undefined) {
		checked.concurrency = checkInteger(`${option}.concurrency`, limits.concurrency, 1);
	}
	if (limits.rate !== undefined) {
		const rate = checkRateLimit(`${option}.rate`, limits.rate);
		if (rate === null) throw new InvalidOptionError(`${option}.rate`, "must be { max, duration }");
		checked.rate = rate;
	}
	return checked;
}

/** Checks a global concurrency: an integer from 1, or `null` for none. */
export function checkGlobalConcurrency(option: string, max: unknown): number | null {
	return max === null ? null : checkInteger(option, max, 1);
}

/** Checks the `limitFor` of a release: a finite number of ms above 0. */
export function checkLimitFor(option: string, ms: unknown): number {
	return checkDuration(option, ms, true);
}

/** The longest `jobId` or unique key accepted, in characters. */
export const MAX_JOB_ID_LENGTH = 256;

/** The states a unique key can be held in, and the default `states` of a unique job. */
export const UNFINISHED_STATES: readonly UnfinishedState[] = ["ready", "delayed", "active"];

/**
 * Checks a job id given by a caller (`jobId`, or an id passed to `getJob`/`removeJob`): a
 * non-empty string of at most {@link MAX_JOB_ID_LENGTH} characters. With `chosen`, also refuses
 * an all-digit id, the form of the ids stores assign, so the two can never clash.
 */
export function checkJobId(option: string, id: unknown, chosen = false): string {
	if (typeof id !== "string" || id === "") {
		throw new InvalidOptionError(option, `must be a non-empty string, got ${describe(id)}`);
	}
	if (id.length > MAX_JOB_ID_LENGTH) {
		throw new InvalidOptionError(
			option,
			`must be at most ${MAX_JOB_ID_LENGTH} characters, got ${id.length}`,
		);
	}
	if (chosen && /^\d+$/.test(id)) {
		throw new InvalidOptionError(
			option,
			`"${id}" is all digits, the form of the ids the store assigns; add a letter (e.g. "order-${id}")`,
		);
	}
	return id;
}

/**
 * Checks the unique spec a store receives (the engine builds it from the `unique` add option):
 * a key, at least one of `ttl` and `states`, known distinct states, and a conflict policy.
 */
export function checkUniqueSpec(option: string, spec: unknown): UniqueSpec {
	if (!isObject(spec)) throw new InvalidOptionError(option, "must be an object");
	const key = checkJobId(`${option}.key`, spec.key);
	if (spec.onConflict !== "keep" && spec.onConflict !== "replace") {
		throw new InvalidOptionError(
			`${option}.onConflict`,
			`must be "keep" or "replace", got ${describe(spec.onConflict)}`,
		);
	}
	const checked: UniqueSpec = { key, onConflict: spec.onConflict };
	if (spec.ttl !== undefined) checked.ttl = checkDuration(`${option}.ttl`, spec.ttl, true);
	if (spec.states !== undefined)
		checked.states = checkUniqueStates(`${option}.states`, spec.states);
	if (checked.ttl === undefined && checked.states === undefined) {
		throw new InvalidOptionError(option, "needs a ttl, states, or both");
	}
	if (checked.onConflict === "replace" && checked.states?.every((state) => state === "active")) {
		throw new InvalidOptionError(
			option,
			'onConflict "replace" changes a job that has not started, but states ["active"] only ever clashes with a started one',
		);
	}
	return checked;
}

/** Checks a list of unfinished states: non-empty, known, no repeats. */
export function checkUniqueStates(option: string, states: unknown): UnfinishedState[] {
	if (!Array.isArray(states) || states.length === 0) {
		throw new InvalidOptionError(
			option,
			`must be a non-empty array of "ready", "delayed", "active", got ${describe(states)}`,
		);
	}
	const seen = new Set<string>();
	for (const state of states) {
		if (!UNFINISHED_STATES.includes(state)) {
			throw new InvalidOptionError(
				option,
				`${describe(state)} is not one of "ready", "delayed", "active"`,
			);
		}
		if (seen.has(state)) throw new InvalidOptionError(option, `lists "${state}" twice`);
		seen.add(state);
	}
	return [...states];
}

/** Checks `{ state, offset?, limit? }` of `listJobs`; fills in the defaults (0, 100). */
export function checkListParams(option: string, params: unknown): Required<ListJobsParams> {
	if (!isObject(params)) throw new InvalidOptionError(option, "must be { state, offset?, limit? }");
	const state = checkState(`${option}.state`, params.state);
	const offset =
		params.offset === undefined ? 0 : checkInteger(`${option}.offset`, params.offset, 0);
	const limit = params.limit === undefined ? 100 : checkInteger(`${option}.limit`, params.limit, 0);
	if (limit > MAX_PAGE) {
		throw new InvalidOptionError(`${option}.limit`, `must be at most ${MAX_PAGE}, got ${limit}`);
	}
	return { state, offset, limit };
}

/** Checks a job state name. */
export function checkState(option: string, state: unknown): JobState {
	if (!JOB_STATES.includes(state as JobState)) {
		throw new InvalidOptionError(
			option,
			`must be one of ${JOB_STATES.map((s) => `"${s}"`).join(", ")}, got ${describe(state)}`,
		);
	}
	return state as JobState;
}

/**
 * Checks one job given to `add`; `at` names it in messages (e.g. `jobs[3]`). With `store`, a
 * `jobId` or `unique` the store does not declare a capability for is refused with
 * `UnsupportedError`.
 */
export function checkNewJob(job: unknown, at: string, store?: JobStore): NewJob {
	if (!isObject(job)) throw new InvalidOptionError(at, "must be an object");
	if (typeof job.name !== "string" || job.name === "") {
		throw new InvalidJobNameError(`${at}.name: must be a non-empty string`);
	}
	if (typeof job.payload !== "string") {
		throw new InvalidJobDataError(`${at}.payload`, "must be a JSON string");
	}
	if (job.maxAttempts !== undefined) checkInteger(`${at}.maxAttempts`, job.maxAttempts, 1);
	if (job.delay !== undefined) checkDuration(`${at}.delay`, job.delay);
	if (job.runAt !== undefined) {
		if (typeof job.runAt !== "number" || !Number.isFinite(job.runAt)) {
			throw new InvalidOptionError(
				`${at}.runAt`,
				`must be a finite number, got ${describe(job.runAt)}`,
			);
		}
		if (job.delay !== undefined) {
			throw new InvalidOptionError(at, "give either delay or runAt, not both");
		}
	}
	if (job.jobId !== undefined) {
		checkJobId(`${at}.jobId`, job.jobId, true);
		if (store) requireCapability(store, "jobIds", `${at}.jobId`);
	}
	if (job.unique !== undefined) {
		checkUniqueSpec(`${at}.unique`, job.unique);
		if (store) requireCapability(store, "unique", `${at}.unique`);
	}
	if (job.retention !== undefined) {
		checkJobKeep(`${at}.retention`, job.retention);
		if (store) requireCapability(store, "retention", `${at}.retention`);
	}
	if (job.priority !== undefined) {
		checkPriority(`${at}.priority`, job.priority);
		if (store) requireCapability(store, "priorities", `${at}.priority`);
	}
	if (job.group !== undefined) {
		checkGroup(`${at}.group`, job.group);
		if (store) requireCapability(store, "groups", `${at}.group`);
	}
	return job as unknown as NewJob;
}

/** `value` if it is a priority: an integer from 0 to {@link MAX_PRIORITY}; otherwise throws. */
export function checkPriority(option: string, value: unknown): number {
	assertInteger(option, value, 0);
	if (value > MAX_PRIORITY) {
		throw new InvalidOptionError(option, `must be at most ${MAX_PRIORITY}, got ${value}`);
	}
	return value;
}

/** Checks a {@link KeepPolicy}: `{ count?, age? }`, each an integer >= 0. Returns a copy. */
export function checkKeepPolicy(option: string, policy: unknown): KeepPolicy {
	if (!isObject(policy) || Array.isArray(policy)) {
		throw new InvalidOptionError(option, `must be { count?, age? }, got ${describe(policy)}`);
	}
	for (const key of Object.keys(policy)) {
		if (key !== "count" && key !== "age") {
			throw new InvalidOptionError(`${option}.${key}`, "is not a keep option (known: count, age)");
		}
	}
	const checked: KeepPolicy = {};
	if (policy.count !== undefined) checked.count = checkInteger(`${option}.count`, policy.count, 0);
	if (policy.age !== undefined) checked.age = checkInteger(`${option}.age`, policy.age, 0);
	return checked;
}

/** Checks a {@link KeepPolicy} or `false` (keep nothing of this job). Returns a copy. */
export function checkKeep(option: string, keep: unknown): KeepPolicy | false {
	return keep === false ? false : checkKeepPolicy(option, keep);
}

/** Checks a {@link JobKeep}: `{ completed?, dead? }`, each a {@link KeepPolicy} or `false`. Returns a copy. */
export function checkJobKeep(option: string, keep: unknown): JobKeep {
	if (!isObject(keep) || Array.isArray(keep)) {
		throw new InvalidOptionError(option, `must be { completed?, dead? }, got ${describe(keep)}`);
	}
	const checked: JobKeep = {};
	for (const key of Object.keys(keep)) {
		if (key !== "completed" && key !== "dead") {
			throw new InvalidOptionError(
				`${option}.${key}`,
				"is not a keep option (known: completed, dead)",
			);
		}
		const policy = keep[key];
		if (policy !== undefined) checked[key] = checkKeep(`${option}.${key}`, policy);
	}
	return checked;
}

/** Checks `{ after?, limit, waitMs?, signal? }` of `readEvents`. */
export function checkReadEventsParams(option: string, params: unknown): ReadEventsParams {
	if (!isObject(params)) {
		throw new InvalidOptionError(option, "must be { after?, limit, waitMs?, signal? }");
	}
	const checked: ReadEventsParams = { limit: checkInteger(`${option}.limit`, params.limit, 1) };
	if (params.after !== undefined) {
		if (typeof params.after !== "string" || params.after === "") {
			throw new InvalidOptionError(
				`${option}.after`,
				`must be a cursor the store returned, got ${describe(params.after)}`,
			);
		}
		checked.after = params.after;
	}
	if (params.waitMs !== undefined)
		checked.waitMs = checkDuration(`${option}.waitMs`, params.waitMs);
	if (params.signal !== undefined) checked.signal = params.signal as AbortSignal;
	return checked;
}

/** Checks a list of event types: known, no repeats. */
export function checkEventTypes(option: string, types: unknown): JobEventType[] {
	if (!Array.isArray(types) || types.length === 0) {
		throw new InvalidOptionError(
			option,
			`must be a non-empty array of event types, got ${describe(types)}`,
		);
	}
	for (const type of types) {
		if (!JOB_EVENT_TYPES.includes(type)) {
			throw new InvalidOptionError(
				option,
				`${describe(type)} is not an event type (known: ${JOB_EVENT_TYPES.join(", ")})`,
			);
		}
	}
	return [...new Set(types as JobEventType[])];
}

/** Checks `{ ids }` or `{ all: true }`; returns the ids, or `"all"`. */
export function checkDeadSelector(option: string, selector: unknown): readonly string[] | "all" {
	if (isObject(selector)) {
		if (selector.all === true) return "all";
		const { ids } = selector;
		if (Array.isArray(ids) && ids.every((id) => typeof id === "string")) return ids;
	}
	throw new InvalidOptionError(option, "must be { ids: string[] } or { all: true }");
}

/** Checks `{ message, name?, stack? }` and returns a copy of those fields only. */
export function checkErrorInfo(option: string, error: unknown): JobErrorInfo {
	if (!isObject(error) || typeof error.message !== "string") {
		throw new InvalidOptionError(
			option,
			"must be { message: string, name?: string, stack?: string }",
		);
	}
	return copyErrorInfo(error as unknown as JobErrorInfo);
}

/** A copy of the documented fields only, so a caller mutating its object later changes nothing. */
export function copyErrorInfo(error: JobErrorInfo): JobErrorInfo {
	const copy: JobErrorInfo = { message: error.message };
	if (typeof error.name === "string") copy.name = error.name;
	if (typeof error.stack === "string") copy.stack = error.stack;
	return copy;
}

/** The event cap a store keeps when its `events` option is `true` or `{}`. */
export const DEFAULT_EVENTS_MAX_LEN = 10_000;

/**
 * Checks a store's `events` option (`undefined`, `true`, `false` or `{ maxLen }`) and returns
 * the cap of its event stream: 0 when events are off.
 */
export function checkEventsOption(option: string, events: unknown): number {
	if (events === undefined || events === false) return 0;
	if (events === true) return DEFAULT_EVENTS_MAX_LEN;
	if (!isObject(events)) throw new InvalidOptionError(option, "must be true, false or { maxLen }");
	if (events.maxLen === undefined) return DEFAULT_EVENTS_MAX_LEN;
	return checkInteger(`${option}.maxLen`, events.maxLen, 1);
}
