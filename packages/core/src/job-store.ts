/**
 * The `JobStore` interface: the public, semver-covered seam between the queue engine and a
 * backend. Third parties implement it and prove it with `@jobs/store-contract`.
 *
 * Shape in one paragraph: the engine hands the store already-validated jobs whose data is an
 * opaque JSON text (`payload`); the store keeps every job in exactly one of four states
 * (`delayed`, `ready`, `active`, `dead`), leases `active` jobs to one worker at a time under a
 * unique token, and fences every settle with that token. The engine decides *what* happens to a
 * job (ack, retry after a delay, dead-letter); the store makes it happen atomically.
 *
 * @module
 */

/**
 * The states a stored job can be in. An acked job leaves the store, unless the store keeps
 * completed jobs (capability `retention`): then it is `completed` until its policy trims it.
 */
export type JobState = "delayed" | "ready" | "active" | "dead" | "completed";

/** Every {@link JobState}, for validation and tables. */
export const JOB_STATES: readonly JobState[] = ["ready", "delayed", "active", "dead", "completed"];

/**
 * How many finished jobs of one kind (completed, or dead) a store keeps, and for how long
 * (capability `retention`). `{}` keeps them all; `{ count: 0 }` keeps none.
 */
export interface KeepPolicy {
	/** Keep at most this many, the most recently finished. Default: no limit. */
	count?: number;
	/** Keep none that finished more than this many ms ago (store clock). Default: no limit. */
	age?: number;
}

/**
 * A job's own retention, overriding the queue's for that job (capability `retention`): a
 * {@link KeepPolicy}, or `false` for "do not keep this job" (the others stay as they are).
 */
export interface JobKeep {
	/** For the job once completed. */
	completed?: KeepPolicy | false;
	/** For the job once dead. */
	dead?: KeepPolicy | false;
}

/** A failure as the store keeps it: plain strings, so any backend can persist it. */
export interface JobErrorInfo {
	/** The error's `name` (e.g. `"TypeError"`), when there was one. */
	name?: string;
	/** The error message. */
	message: string;
	/** The stack trace, when there was one. */
	stack?: string;
}

/** The states {@link UniqueSpec.states} may name: the states of a job that has not finished. */
export type UnfinishedState = "ready" | "delayed" | "active";

/**
 * How a unique job claims its key, as the engine hands it to a store that declares the `unique`
 * capability. A clash is an existing job holding `key` that was added less than `ttl` ms ago
 * (when `ttl` is given) and is in one of `states` (when `states` is given; without it, whatever
 * became of it, even acked or removed). At least one of `ttl` and `states` is present.
 */
export interface UniqueSpec {
	/** The unique key, a non-empty string (given by the caller or derived from name + data). */
	key: string;
	/** Milliseconds from the holder's add (store clock) during which the key is held. */
	ttl?: number;
	/** The holder's states in which the key is held. */
	states?: readonly UnfinishedState[];
	/**
	 * On a clash: `"keep"` leaves the holder as it is; `"replace"` gives a holder that has not
	 * started (ready or delayed) this job's payload, maxAttempts and due time, keeping its id, add
	 * time and place in line when it stays ready. An active holder is always kept.
	 */
	onConflict: "keep" | "replace";
}

/** A validated job, ready to be persisted by {@link JobStore.add}. */
export interface NewJob {
	/** The job name, a non-empty string. */
	name: string;
	/**
	 * The job data as JSON text. The store must hand back exactly this string (byte for byte);
	 * it never needs to parse it.
	 */
	payload: string;
	/**
	 * The `maxAttempts` given to `add`, if any. The store only keeps and returns it: the engine
	 * resolves the effective limit (add > handle > queue default) when it runs the job.
	 */
	maxAttempts?: number;
	/** Milliseconds from the store's "now" before the job becomes ready. Absent or 0: ready at once. */
	delay?: number;
	/**
	 * Absolute due time in epoch milliseconds, measured on the store's clock. Never given together
	 * with `delay`. A time in the past means ready at once.
	 */
	runAt?: number;
	/**
	 * The caller's id for the job (capability `jobIds`). When a job with this id exists, in any
	 * state, the add changes nothing and reports it (`created: false`, `existing: "jobId"`). Never
	 * all digits: those are the ids stores assign.
	 */
	jobId?: string;
	/** Deduplication (capability `unique`); see {@link UniqueSpec}. */
	unique?: UniqueSpec;
	/**
	 * The job's priority (capability `priorities`): an integer from 0 to {@link MAX_PRIORITY},
	 * lower first. Absent is 0, the first. A store leases every ready job of a lower priority
	 * before any of a higher one, and jobs of one priority in the order they became ready: `ready`
	 * is then one line per priority, and whatever this interface says of the head or the tail of
	 * `ready` (a release, a sweep, a promotion, `retryDead`) is said of the job's own line.
	 */
	priority?: number;
	/**
	 * The job's own retention (capability `retention`). The store only keeps it and returns it
	 * with the lease: the engine resolves the effective policy and passes it to `ack` and `fail`.
	 */
	retention?: JobKeep;
	/**
	 * The job's group (capability `groups`): a tenant, a customer, an API key. A non-empty string
	 * of at most {@link MAX_GROUP_LENGTH} characters. See {@link GroupsCapable} for how groups
	 * share the workers.
	 */
	group?: string;
}

/** The longest {@link NewJob.group} accepted, in characters. */
export const MAX_GROUP_LENGTH = 256;

/**
 * The highest (last to run) {@link NewJob.priority}: BullMQ's range and direction, so code that
 * moves over keeps its numbers.
 */
export const MAX_PRIORITY = 2_097_152;

/** What {@link JobStore.add} did with one job. */
export interface AddResult {
	/** The job's id: the new job's, or the existing job's when `created` is false. */
	id: string;
	/** `true` when a new job was stored; `false` when an existing one matched and was returned. */
	created: boolean;
	/** Why no job was created: a job with the same `jobId`, or one holding the unique key. */
	existing?: "jobId" | "unique";
	/** `true` when the existing job took this job's payload and due time (`onConflict: "replace"`). */
	replaced?: boolean;
}

/** A job leased to one worker by {@link JobStore.reserve}. */
export interface LeasedJob {
	/** The id the store assigned in {@link JobStore.add}. */
	id: string;
	name: string;
	/** The payload exactly as it was added. */
	payload: string;
	/** 1-based count of reservations of this job, this one included. */
	attempts: number;
	/** The `maxAttempts` stored with the job, if `add` gave one. */
	maxAttempts?: number;
	/** The lease token. Every settle and extend of this job must present it. */
	token: string;
	/**
	 * The failure recorded for the previous attempt, if any: the handler error passed to
	 * {@link JobStore.retry}, or the "lease expired" note written by {@link JobStore.sweep}.
	 */
	lastError?: JobErrorInfo;
	/**
	 * The job's own retention, as `add` gave it (capability `retention`). Named apart from the
	 * settles' `keep`, so a lease spread into `ack({ ...leased })` never passes it as a policy.
	 */
	retention?: JobKeep;
	/** Its group, when `add` gave one (capability `groups`). */
	group?: string;
}

/** A job in the dead letter. */
export interface DeadJobRecord {
	id: string;
	name: string;
	/** The payload exactly as it was added. */
	payload: string;
	/** How many times the job was reserved. */
	attempts: number;
	maxAttempts?: number;
	/** The last error, as given to {@link JobStore.fail}. */
	error: JobErrorInfo;
	/** When the job died, epoch milliseconds on the store's clock. */
	failedAt: number;
}

/**
 * A job as {@link LookupCapable.getJob} and {@link LookupCapable.listJobs} return it: where it is
 * and what it holds, read atomically.
 */
export interface JobRecord {
	id: string;
	name: string;
	/** The payload exactly as it was added (or as a `replace` clash set it). */
	payload: string;
	state: JobState;
	/** Reservations so far; for an active job, the running attempt (1-based). */
	attempts: number;
	/** The `maxAttempts` stored with the job, if `add` gave one. */
	maxAttempts?: number;
	/** The failure of the previous attempt (the final one for a dead job), if any. */
	lastError?: JobErrorInfo;
	/** When it was added, epoch ms on the store's clock. */
	addedAt: number;
	/** When a delayed job falls due; for other states absent. */
	dueAt?: number;
	/** When the running attempt was leased (active jobs). */
	leasedAt?: number;
	/** When its current lease expires (active jobs). */
	leaseExpiresAt?: number;
	/** When it died (dead jobs). */
	failedAt?: number;
	/** The unique key it holds, if it was added with one. */
	uniqueKey?: string;
	/** Its priority when above 0 (capability `priorities`). */
	priority?: number;
	/** Its group, when `add` gave one (capability `groups`). */
	group?: string;
	/** The handler's result as JSON text (completed jobs kept by `retention`), when it returned one. */
	result?: string;
	/** When it completed (completed jobs). */
	finishedAt?: number;
	/** The last progress of the running attempt, as JSON text (capability `progress`). */
	progress?: string;
}

/** Parameters of {@link LookupCapable.listJobs}. */
export interface ListJobsParams {
	state: JobState;
	/** Skip this many jobs. Default 0. */
	offset?: number;
	/** Return at most this many. Default 100, at most {@link MAX_PAGE}. */
	limit?: number;
}

/** The largest page {@link LookupCapable.listJobs} returns. */
export const MAX_PAGE = 1_000;

/**
 * One page of jobs in one state, in that state's order: `ready` head first (next to run; with
 * `priorities`, line by line, lowest first; with `groups`, the jobs without a group first, then
 * group by group), `delayed` by due time, `dead` oldest death first, `active` in an order of the store's choosing
 * that stays the same while the set of active jobs does not change.
 */
export interface JobPage {
	jobs: JobRecord[];
	/** How many jobs are in that state now (as {@link JobStore.stats} would count them). */
	total: number;
}

/** What {@link RemoveCapable.removeJob} did. */
export interface RemoveResult {
	/** `true` when the job was waiting, delayed or dead and is now gone. */
	removed: boolean;
	/** The state it was removed from. */
	state?: Exclude<JobState, "active">;
}

/** Counts of jobs per state, all read at one instant (one atomic store call). */
export interface JobStats {
	/** Jobs waiting to be reserved now. */
	ready: number;
	/** Jobs waiting for their due time (new delayed jobs and retries in backoff). */
	delayed: number;
	/** Jobs leased to a worker. */
	active: number;
	/** Jobs in the dead letter. */
	dead: number;
	/** Completed jobs kept (stores with the `retention` capability; others leave it out). */
	completed?: number;
}

/** Parameters of {@link JobStore.reserve}. */
export interface ReserveParams {
	/** The most jobs to lease in this call (at least 1). Lease fewer if fewer are ready. */
	limit: number;
	/** Lease duration in milliseconds, measured on the store's clock. */
	leaseMs: number;
}

/** Identifies one lease: the job id and the token {@link JobStore.reserve} returned. */
export interface LeaseRef {
	id: string;
	token: string;
}

/**
 * Common parameters of the settle operations. `reserve`, when given, asks the store to lease
 * up to `reserve.limit` more jobs in the same round trip (the result's `next`). It is honoured
 * only when the settle succeeds: a stale settle leases nothing. A store may ignore it and return
 * no `next`: the engine then calls {@link JobStore.reserve} itself.
 */
export interface SettleParams extends LeaseRef {
	reserve?: ReserveParams;
}

/**
 * Parameters of {@link JobStore.ack}. A store with the `retention` capability keeps the job as
 * `completed`, with `result`, when `keep` is given, then trims its completed jobs to `keep`;
 * without `keep` the job leaves the store. A store with `events` writes `result` in the job's
 * `completed` event. Other stores ignore both.
 */
export interface AckParams extends SettleParams {
	/** The handler's result as JSON text. */
	result?: string;
	/** Keep the job as completed under this policy; absent or `false`: it leaves the store. */
	keep?: KeepPolicy | false;
}

/** Parameters of {@link JobStore.release}. */
export interface ReleaseParams extends SettleParams {
	/**
	 * With the `rateLimit` capability: from this release on, lease no job of the queue for this
	 * many ms (more than 0), by `reserve` or a settle's `reserve` (an upstream said "429: slow
	 * down"). A later, shorter one does not cut an earlier one short.
	 */
	limitFor?: number;
}

/**
 * A queue's rate limit (capability `rateLimit`): at most `max` jobs started (leased) in any
 * `duration` ms, across every worker of every process.
 */
export interface RateLimit {
	/** An integer from 1 to {@link MAX_RATE_LIMIT}. */
	max: number;
	/** The window in ms, an integer from 1. */
	duration: number;
}

/**
 * The highest {@link RateLimit.max}: a store keeps a note of the starts of the last `duration`
 * ms, at most one per start.
 */
export const MAX_RATE_LIMIT = 1_000_000;

/** Parameters of {@link JobStore.retry}. */
export interface RetryParams extends SettleParams {
	/** Milliseconds from the store's "now" before the job is ready again (0 or more). */
	delay: number;
	/** The error of the attempt that failed; returned as `lastError` by the next reserve. */
	error: JobErrorInfo;
}

/** Parameters of {@link JobStore.fail}. */
export interface FailParams extends SettleParams {
	/** The final error, kept with the dead job. */
	error: JobErrorInfo;
	/**
	 * With the `retention` capability: trim the dead letter to this policy once the job is in it
	 * (the job itself may go at once), or with `false` delete the job instead of keeping it (its
	 * `failed` event is still written). Absent: dead jobs stay until removed.
	 */
	keep?: KeepPolicy | false;
}

/** Result of a settle (`ack`, `retry`, `fail`, `release`). */
export interface SettleResult {
	/**
	 * `true` when the lease was current and the job moved. `false` when the token was stale (the
	 * lease expired, the job was swept, settled or re-leased): then the store changed nothing.
	 */
	ok: boolean;
	/** Jobs leased in the same round trip when `reserve` was asked for and honoured. */
	next?: LeasedJob[];
}

/** What {@link JobStore.extend} did with one lease. */
export type ExtendResult =
	| { ok: true }
	| {
			ok: false;
			/** `"stale"`: the lease expired, was settled or went to someone else; it is lost for good. */
			reason: "stale";
	  };

/** Parameters of {@link JobStore.extend}. */
export interface ExtendParams {
	/** The leases to renew, usually every job a worker is running. */
	leases: LeaseRef[];
	/** New lease duration in milliseconds from the store's "now". */
	leaseMs: number;
}

/** Parameters of {@link JobStore.sweep}. */
export interface SweepParams {
	/** The most expired leases to recover in this call. */
	limit: number;
	/**
	 * With the `retention` capability: also trim the completed and dead jobs past these policies
	 * (the queue's), a bounded number per call, so jobs age out when nothing new finishes.
	 */
	keep?: JobKeep;
}

/** Parameters of {@link JobStore.deadLetter}. */
export interface DeadLetterParams {
	/** Skip this many of the oldest dead jobs. Default 0. */
	offset?: number;
	/** Return at most this many. Default: all. */
	limit?: number;
}

/**
 * Selects dead jobs: by id, or all of them. "All" must be said explicitly so that no failure is
 * discarded by a call that forgot its argument.
 */
export type DeadJobSelector = { ids: readonly string[] } | { all: true };

/** Parameters of {@link WaitForJobCapable.waitForJob}. */
export interface WaitForJobParams {
	/** Resolve after this many milliseconds even if nothing happened. */
	timeoutMs: number;
	/** Resolve at once when aborted (the worker is stopping). */
	signal: AbortSignal;
}

/**
 * The optional features a store implements, declared once as {@link JobStore.capabilities}. The
 * engine reads this declaration (never probes for methods) and refuses with `UnsupportedError`
 * any option or call that needs a capability the store does not declare. The contract suite
 * runs the group of every declared capability.
 */
export interface StoreCapabilities {
	/** {@link WaitForJobCapable.waitForJob}: idle workers are woken instead of polling. */
	readonly waitForJob?: boolean;
	/** {@link NewJob.jobId}: caller-chosen ids, an existing id reported instead of duplicated. */
	readonly jobIds?: boolean;
	/** {@link NewJob.unique}: unique jobs. */
	readonly unique?: boolean;
	/** {@link LookupCapable}: `getJob` and `listJobs`. */
	readonly lookup?: boolean;
	/** {@link RemoveCapable}: `removeJob`. */
	readonly remove?: boolean;
	/**
	 * Completed jobs kept with their results, and dead ones trimmed, under a {@link KeepPolicy}
	 * given with each `ack` and `fail` ({@link AckParams.keep}, {@link FailParams.keep}).
	 */
	readonly retention?: boolean;
	/** {@link ProgressCapable}: `progress`. */
	readonly progress?: boolean;
	/** {@link EventsCapable}: a stream of job events any process can read. */
	readonly events?: boolean;
	/** {@link PauseCapable}: the queue paused and resumed from any process. */
	readonly pause?: boolean;
	/** {@link NewJob.priority}: jobs leased by priority, lowest first, FIFO within one. */
	readonly priorities?: boolean;
	/**
	 * {@link RateLimitCapable}: a rate limit on starts, and {@link ReleaseParams.limitFor}, kept
	 * with the jobs.
	 */
	readonly rateLimit?: boolean;
	/** {@link GlobalConcurrencyCapable}: a limit on the jobs active at once, kept with the jobs. */
	readonly globalConcurrency?: boolean;
	/** {@link NewJob.group} and {@link GroupsCapable}: groups served in turn, with limits and pause. */
	readonly groups?: boolean;
}

/** The name of a capability. */
export type Capability = keyof StoreCapabilities;

/** Capability `waitForJob`. */
export interface WaitForJobCapable {
	/**
	 * Resolves when a job may have become ready (added, retried, released, swept, retried from
	 * the dead letter, or a delayed job fell due) or may start (a limit of `rateLimit` or
	 * `globalConcurrency` let up), when `timeoutMs` passes, when `signal` aborts, or when the
	 * store closes, whichever comes first; it may resolve early for no reason. Idle
	 * workers await it instead of sleeping for `pollInterval`, so a new job reaches them at once.
	 */
	waitForJob(params: WaitForJobParams): Promise<void>;
}

/** Capability `lookup`. */
export interface LookupCapable {
	/**
	 * The job with this id, in whatever state, or `null` when there is none (never added, acked,
	 * or removed). A delayed job that is due is reported `ready`.
	 */
	getJob(id: string): Promise<JobRecord | null>;
	/** One page of the jobs in one state (see {@link JobPage} for the order). */
	listJobs(params: ListJobsParams): Promise<JobPage>;
}

/** Capability `remove`. */
export interface RemoveCapable {
	/**
	 * Deletes a ready, delayed or dead job atomically, releasing any unique key it holds.
	 * Resolves `{ removed: false }` for an unknown id. Rejects with `JobActiveError`, changing
	 * nothing, when the job is active.
	 */
	removeJob(id: string): Promise<RemoveResult>;
}

/** Capability `pause`. */
export interface PauseCapable {
	/**
	 * Pauses the queue for every worker of every process: from the moment it resolves, `reserve`
	 * and a settle's `reserve` lease nothing (jobs already leased run and settle as usual), and
	 * `waitForJob` does not resolve for ready jobs. `add` goes on working. The paused state is
	 * stored with the jobs: it outlives the caller, workers and restarts. Idempotent.
	 */
	pause(): Promise<void>;
	/** Resumes a paused queue and wakes idle workers when jobs are ready. Idempotent. */
	resume(): Promise<void>;
	/** Whether the queue is paused. */
	isPaused(): Promise<boolean>;
}

/**
 * Capability `rateLimit`: the queue's {@link RateLimit}, stored with the jobs, so every worker
 * of every process obeys it from the moment it is set. `reserve` and a settle's `reserve` then
 * lease no more than the limit allows (fewer than asked, or none), and `waitForJob` resolves
 * when the window lets the next job start. Releases may carry {@link ReleaseParams.limitFor}.
 */
export interface RateLimitCapable {
	/** Sets the limit (`null`: none). It counts the starts already made in the window. */
	setRateLimit(limit: RateLimit | null): Promise<void>;
	/** The limit, or `null` for none. */
	getRateLimit(): Promise<RateLimit | null>;
}

/**
 * Capability `globalConcurrency`: the most jobs active (leased) at once across every worker of
 * every process, stored with the jobs. `reserve` and a settle's `reserve` lease no more than
 * that leaves room for; a lease counts until it is settled or a sweep recovers it, so a dead
 * worker's slots come back once its leases expire and are swept. `waitForJob` resolves when a
 * slot frees while jobs are ready.
 */
export interface GlobalConcurrencyCapable {
	/** Sets the limit, an integer from 1 (`null`: none). Leases already granted stay. */
	setGlobalConcurrency(max: number | null): Promise<void>;
	/** The limit, or `null` for none. */
	getGlobalConcurrency(): Promise<number | null>;
}

/** The limits every group has on its own (capability `groups`), each optional. */
export interface GroupLimits {
	/** At most this many jobs of one group active at once (an integer from 1). */
	concurrency?: number;
	/** At most `max` jobs of one group started in any `duration` ms. */
	rate?: RateLimit;
}

/**
 * Capability `groups`. Jobs added with a {@link NewJob.group} are served in turn: a reserve
 * leases one job of each member of a rotation in turn, before a second of any. A group joins the
 * rotation's tail when it gets jobs ready; the jobs added without a group count as one more
 * member, which joins it at the first reserve that finds them waiting, or ahead of a group that
 * joins an empty rotation (they were served alone until then). So a group with a job ready waits
 * for at most one lease of each other member, however many jobs those have waiting. Within a
 * group (and among jobs without one), jobs go in priority order, then in the order they became
 * ready. A group at its concurrency leaves the rotation until one of its leases ends, and a
 * paused group until it is resumed; each then rejoins at the tail (a limit set anew puts back
 * every group held at the old one). A group held by its rate limit keeps its place and sits out
 * its turns. `listJobs` of `ready` lists jobs without a group first, then group by group, in the
 * order the groups got the jobs they have ready. The queue's own limits (pause, `rateLimit`,
 * `globalConcurrency`) apply on top. A group with no job and no pause leaves nothing stored.
 */
export interface GroupsCapable {
	/** Sets the limits of every group (`null`: none). Leases already granted stay. */
	setGroupLimits(limits: GroupLimits | null): Promise<void>;
	/** The limits of every group, or `null` for none. */
	getGroupLimits(): Promise<GroupLimits | null>;
	/** Pauses one group: none of its jobs is leased until it is resumed. Idempotent. */
	pauseGroup(group: string): Promise<void>;
	/** Resumes a paused group. Idempotent. */
	resumeGroup(group: string): Promise<void>;
	/** Whether the group is paused. */
	isGroupPaused(group: string): Promise<boolean>;
}

/** Parameters of {@link ProgressCapable.progress}. */
export interface ProgressParams extends LeaseRef {
	/** The progress as JSON text. */
	progress: string;
}

/** Capability `progress`. */
export interface ProgressCapable {
	/**
	 * Records the progress of a leased job, fenced by the token like a settle: `{ ok: false }`
	 * and nothing written when the lease is not current. The value is the job's `progress` in
	 * lookups while that attempt runs (a settle or a sweep ends it: the next attempt starts with
	 * none), and a `progress` event with the `events` capability.
	 */
	progress(params: ProgressParams): Promise<{ ok: boolean }>;
}

/** The kinds of {@link StoredEvent}. */
export type JobEventType =
	| "added"
	| "active"
	| "progress"
	| "completed"
	| "retrying"
	| "failed"
	| "stalled"
	| "waiting"
	| "removed";

/** Every {@link JobEventType}, for validation. */
export const JOB_EVENT_TYPES: readonly JobEventType[] = [
	"added",
	"active",
	"progress",
	"completed",
	"retrying",
	"failed",
	"stalled",
	"waiting",
	"removed",
];

/**
 * One job event as a store keeps it (capability `events`). Written in the same atomic step as
 * the change it reports, so the events of one job are in the order its changes happened:
 * - `added`: stored by `add` (not for an add that found an existing job);
 * - `active`: leased by `reserve` or a settle's `next` (`attempt` is the attempt starting);
 * - `progress`: `progress` recorded `progress`;
 * - `completed`: acked, with `result` when the handler returned one;
 * - `retrying`: `retry`, with `error` and `dueAt`;
 * - `failed`: moved to the dead letter by `fail`, with `error`;
 * - `stalled`: its lease expired and `sweep` put it back in `ready`;
 * - `waiting`: back in `ready` by `release` or `retryDead`;
 * - `removed`: deleted by `removeJob` or `removeDead` (not by a retention trim).
 */
export interface StoredEvent {
	/** The event's cursor: strictly increasing in stream order. */
	id: string;
	type: JobEventType;
	jobId: string;
	name: string;
	/** The attempt the event belongs to (0 before the first). */
	attempt: number;
	/** When it happened, epoch ms on the store's clock. */
	at: number;
	/** `completed`: the result as JSON text, when there is one. */
	result?: string;
	/** `progress`: the value as JSON text. */
	progress?: string;
	/** `retrying` and `failed`: the attempt's error. */
	error?: JobErrorInfo;
	/** `retrying`: when the job falls due again. */
	dueAt?: number;
}

/** Parameters of {@link EventsCapable.readEvents}. */
export interface ReadEventsParams {
	/** Read events after this cursor; absent: from the oldest event kept. */
	after?: string;
	/** The most events to return (at least 1). */
	limit: number;
	/** When none is there yet, wait up to this many ms for one. Default 0: answer at once. */
	waitMs?: number;
	/** Ends a wait early (resolving what is there). */
	signal?: AbortSignal;
}

/** What {@link EventsCapable.readEvents} returns. */
export interface EventPage {
	/** Events after the cursor asked for, oldest first. */
	events: StoredEvent[];
	/** The cursor to read after next time: the last event's id, or the one asked for. */
	cursor: string;
	/**
	 * `true` when the store's cap may have dropped events after the cursor asked for, before they
	 * were read. Never `false` when one was dropped; a store may also say `true` when it cannot
	 * tell (the Redis store does when the cursor's own event is gone).
	 */
	missed: boolean;
}

/** Capability `events`: a capped stream of {@link StoredEvent}s. */
export interface EventsCapable {
	/** Reads events in stream order (see {@link ReadEventsParams}). */
	readEvents(params: ReadEventsParams): Promise<EventPage>;
	/** The cursor of the newest event (reading after it gives only later events). */
	eventsCursor(): Promise<string>;
}

/** The methods each capability adds to {@link JobStore}. */
export interface CapabilityMethods {
	waitForJob: WaitForJobCapable;
	jobIds: unknown;
	unique: unknown;
	lookup: LookupCapable;
	remove: RemoveCapable;
	retention: unknown;
	progress: ProgressCapable;
	events: EventsCapable;
	pause: PauseCapable;
	priorities: unknown;
	rateLimit: RateLimitCapable;
	globalConcurrency: GlobalConcurrencyCapable;
	groups: GroupsCapable;
}

/**
 * A backend for {@link JobQueue}. Public and semver-covered: a change to what it guarantees is a
 * breaking change and ships with a change to `@jobs/store-contract`.
 *
 * Rules every method follows:
 * - **Atomic.** Each call is all-or-nothing, including `add` of many jobs.
 * - **One clock.** "Now" is the store's own clock (the Redis server's `TIME`, an injected clock in
 *   memory), never the caller's.
 * - **Fencing.** `ack`, `retry`, `fail`, `release` and `extend` act only while the presented token
 *   is the job's current lease and that lease has not expired. Otherwise they change nothing and
 *   report it (`ok: false` / `false`); they do not throw for a stale token.
 * - **Nothing is lost.** Every job is in exactly one state until it is acked or removed from the
 *   dead letter by an explicit call.
 * - **Closed.** After `close()` every method except `close` rejects with `StoreClosedError`.
 * - **Capabilities.** Further features are declared in {@link JobStore.capabilities}; a store
 *   given an option of a capability it does not declare (say `jobId`) rejects the call.
 */
export interface JobStore {
	/** The optional features this store implements. `{}` for none. */
	readonly capabilities: StoreCapabilities;

	/**
	 * Persists jobs atomically (all or none) and resolves one {@link AddResult} per job in input
	 * order. A job with a `delay` > 0 or a future `runAt` starts `delayed`, otherwise `ready` at
	 * the tail (FIFO). Assigned ids are unique within the store and never reused. Jobs of one
	 * call are applied in order: a later job of the call sees the earlier ones (a `jobId` given
	 * twice creates one job). A store may apply a call larger than a size it documents in
	 * consecutive chunks, each all or none; a failure then rejects saying how many were added.
	 */
	add(jobs: readonly NewJob[]): Promise<AddResult[]>;

	/**
	 * Leases up to `limit` jobs and resolves them oldest first (`[]` when none are ready; never
	 * throws for an empty queue); with `priorities`, lowest priority first, then oldest first.
	 * With `rateLimit` or `globalConcurrency`, fewer (or none) when a limit says so. First promotes delayed jobs that are due, in due order (ties in
	 * add order), to the tail of `ready`. Each leased job gets a fresh unique token, its `attempts`
	 * incremented, and a lease expiring `leaseMs` from now. Never hands one job to two callers
	 * whose leases are both live, however many call at once.
	 */
	reserve(params: ReserveParams): Promise<LeasedJob[]>;

	/**
	 * Completes a leased job: it leaves the store (or, with `retention` and `keep`, stays as
	 * `completed`). Fenced by the token.
	 */
	ack(params: AckParams): Promise<SettleResult>;

	/**
	 * Puts a leased job back in `delayed`, due `delay` ms from now, keeping its attempts count and
	 * recording `error` as its `lastError`. Fenced by the token.
	 */
	retry(params: RetryParams): Promise<SettleResult>;

	/** Moves a leased job to the dead letter with `error`. Fenced by the token. */
	fail(params: FailParams): Promise<SettleResult>;

	/**
	 * Hands a leased job back untouched: it returns to the head of `ready` (of its priority, with
	 * `priorities`) and its `attempts`
	 * goes back down by one, as if this reservation never happened. Used when a worker stops
	 * before the handler finished. Fenced by the token.
	 */
	release(params: ReleaseParams): Promise<SettleResult>;

	/**
	 * Renews leases: each current one now expires `leaseMs` from now. Resolves one
	 * {@link ExtendResult} per lease in input order; `ok: false` where the lease is lost for good.
	 */
	extend(params: ExtendParams): Promise<ExtendResult[]>;

	/**
	 * Recovers up to `limit` jobs whose lease expired (their worker crashed or stalled): each
	 * goes back to the tail of `ready` with its attempts kept and a `lastError` saying the lease
	 * expired. Never touches a lease that was renewed and is still live. Safe to run from many
	 * workers at once: each expired job is recovered exactly once. Resolves how many it
	 * recovered; a caller that gets `limit` back should call again.
	 */
	sweep(params: SweepParams): Promise<number>;

	/**
	 * Counts jobs per state, read atomically. A delayed job whose due time has passed counts as
	 * `ready`, which is what it is, whether or not the store has promoted it yet.
	 */
	stats(): Promise<JobStats>;

	/** Lists dead jobs, oldest death first. */
	deadLetter(params?: DeadLetterParams): Promise<DeadJobRecord[]>;

	/**
	 * Moves dead jobs back to the tail of `ready` with `attempts` reset to 0. Resolves how many
	 * moved; ids that are not dead are ignored.
	 */
	retryDead(selector: DeadJobSelector): Promise<number>;

	/** Deletes dead jobs for good. Resolves how many were removed; unknown ids are ignored. */
	removeDead(selector: DeadJobSelector): Promise<number>;

	/** Releases the store's resources. Idempotent. */
	close(): Promise<void>;

	/**
	 * Optional: subscribes to problems the store met and dealt with without failing a call (say
	 * a corrupt record it set aside so the jobs behind it keep flowing). A `JobQueue` re-emits
	 * each as its `error` event. Returns a function that unsubscribes.
	 */
	onError?(listener: (error: Error) => void): () => void;
}
