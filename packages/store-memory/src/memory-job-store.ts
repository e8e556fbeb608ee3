import { randomUUID } from "node:crypto";
import {
	type Clock,
	IdsExhaustedError,
	InvalidOptionError,
	JobActiveError,
	MAX_ASSIGNED_ID,
	StoreClosedError,
	systemClock,
	type TimerHandle,
	UnsupportedError,
} from "@jobs/core";
import {
	type AckParams,
	type AddResult,
	checkDeadSelector,
	checkDuration,
	checkErrorInfo,
	checkEventsOption,
	checkGlobalConcurrency,
	checkGroup,
	checkGroupLimits,
	checkInteger,
	checkJobId,
	checkJobKeep,
	checkKeep,
	checkLeaseRef,
	checkLimitFor,
	checkListParams,
	checkNewJob,
	checkRateLimit,
	checkReadEventsParams,
	checkReserveParams,
	copyErrorInfo,
	type DeadJobRecord,
	type DeadJobSelector,
	type DeadLetterParams,
	type EventPage,
	type EventsCapable,
	type ExtendParams,
	type ExtendResult,
	type FailParams,
	type GlobalConcurrencyCapable,
	type GroupLimits,
	type GroupsCapable,
	type JobErrorInfo,
	type JobEventType,
	type JobKeep,
	type JobPage,
	type JobRecord,
	type JobState,
	type JobStats,
	type JobStore,
	type KeepPolicy,
	type LeasedJob,
	type ListJobsParams,
	type LookupCapable,
	type NewJob,
	type PauseCapable,
	type ProgressCapable,
	type ProgressParams,
	type RateLimit,
	type RateLimitCapable,
	type ReadEventsParams,
	type ReleaseParams,
	type RemoveCapable,
	type RemoveResult,
	type ReserveParams,
	type RetryParams,
	type SettleParams,
	type SettleResult,
	type StoreCapabilities,
	type StoredEvent,
	type SweepParams,
	type UnfinishedState,
	type UniqueSpec,
	type WaitForJobCapable,
	type WaitForJobParams,
} from "@jobs/core/store";
import { Deque } from "./deque.js";
import { type HeapEntry, MinHeap } from "./min-heap.js";
import { ReadyLines } from "./ready-lines.js";
import { StartWindow } from "./start-window.js";

/** Options of {@link MemoryJobStore}. */
export interface MemoryJobStoreOptions {
	/**
	 * The store's "now" and its timers (lease expiry, due times, `waitForJob` timeouts). Default
	 * {@link systemClock}; pass a `FakeClock` to control time in tests.
	 */
	clock?: Clock;
	/**
	 * How many ids of completed (acked) jobs that were added with a `jobId` the store remembers,
	 * newest first, so that adding such an id again reports the job instead of running it twice.
	 * Default 100,000; 0 forgets an id as soon as its job completes.
	 */
	jobIdHistory?: number;
	/**
	 * Keep a stream of job events (capability `events`) that `readEvents` follows, in this
	 * process: `true` for the default cap, or `{ maxLen }` events kept, the oldest dropped first.
	 * Default off: then the store declares no `events` capability and records nothing.
	 */
	events?: boolean | { maxLen?: number };
}

/** Default of {@link MemoryJobStoreOptions.jobIdHistory}. */
export const DEFAULT_JOB_ID_HISTORY = 100_000;

/** The most finished jobs one call trims past their retention policy (the rest go in later calls). */
export const TRIM_PER_CALL = 1_000;

/** The note {@link MemoryJobStore.sweep} records as `lastError` of a recovered job. */
export const LEASE_EXPIRED_MESSAGE =
	"lease expired before the job was settled (worker crashed or stalled)";

interface StoredJob {
	readonly id: string;
	readonly name: string;
	/** Replaced by a unique clash with `onConflict: "replace"`. */
	payload: string;
	maxAttempts: number | undefined;
	attempts: number;
	lastError: JobErrorInfo | undefined;
	state: JobState;
	/** The entry that places the job in `ready` or `delayed`; any other entry of it is stale. */
	slot: object | undefined;
	/** The current lease token, `""` when not leased. */
	token: string;
	/** When the current lease expires; meaningful only while leased. */
	expiresAt: number;
	readonly addedAt: number;
	/** Due time while delayed. */
	dueAt: number;
	/** When the current lease was granted, while active. */
	leasedAt: number;
	/** When it died, while dead. */
	failedAt: number;
	/** Whether `id` is the caller's `jobId`. */
	readonly chosenId: boolean;
	readonly unique: UniqueSpec | undefined;
	/** Its own retention, as `add` gave it. */
	readonly retention: JobKeep | undefined;
	/** The last progress the running attempt reported, JSON text, until the attempt ends. */
	progress: string | undefined;
	/** The handler's result, while kept as completed. */
	result: string | undefined;
	/** 0 unless `add` gave one (a `replace` clash may change it). */
	priority: number;
	/** Its group, if `add` gave one (a `replace` clash may change it). */
	group: string | undefined;
	/** When it completed, while kept as completed. */
	finishedAt: number;
}

/**
 * One member of the rotation (capability `groups`): the ready jobs of one group, or (`name`
 * undefined) those of every job without a group, with what the group's limits count.
 */
interface Member {
	readonly name: string | undefined;
	readonly lines: ReadyLines<StoredJob>;
	/** Its jobs leased now (groups only). */
	active: number;
	/** Its starts in its rate window (groups only). */
	readonly window: StartWindow;
	paused: boolean;
	/** Whether it sits in `#rotation` (at most once). */
	inRotation: boolean;
	/**
	 * When it got its jobs ready (a sequence), while it has some: in the rotation, held out of it
	 * at its concurrency (`held`), or out of it while paused. Groups only.
	 */
	readySince: number | undefined;
	/** Whether it is out of the rotation at its concurrency, until a slot frees. */
	held: boolean;
}

interface DelayedEntry extends HeapEntry {
	readonly job: StoredJob;
}

/** One lease as it was granted or renewed; stale once the job's token or expiry moved on. */
interface LeaseEntry extends HeapEntry {
	readonly job: StoredJob;
	readonly token: string;
}

/** A unique key and the job holding it, with the scope the holder claimed it for. */
interface UniqueHold extends HeapEntry {
	readonly key: string;
	readonly job: StoredJob;
	/** `ttl` from the holder's add, or undefined without `ttl`. */
	readonly heldUntil: number | undefined;
	readonly states: readonly UnfinishedState[] | undefined;
}

/**
 * An in-process {@link JobStore} with the same semantics as the Redis store: leases with unique
 * tokens that expire on the injected clock, token fencing, sweep, delayed promotion in due
 * order, FIFO ready jobs and a dead letter. Every call runs to completion synchronously inside
 * its promise, so each one is atomic with respect to every other.
 *
 * Built for test suites: O(1) enqueue and reserve of ready jobs, O(log n) for delayed jobs and
 * leases, and {@link MemoryJobStore.waitForJob} wakes idle workers as soon as a job is ready, or
 * when a delayed job falls due on the clock (a `FakeClock.advance` wakes them too).
 *
 * @example
 * const clock = new FakeClock();
 * const queue = new JobQueue({ store: new MemoryJobStore({ clock }), clock });
 * await queue.add("report", { id: 42 }, { delay: 60_000 });
 * await clock.advance(60_000); // the job is due now, and an idle worker wakes up for it
 */
export class MemoryJobStore
	implements
		JobStore,
		WaitForJobCapable,
		LookupCapable,
		RemoveCapable,
		ProgressCapable,
		EventsCapable,
		PauseCapable,
		RateLimitCapable,
		GlobalConcurrencyCapable,
		GroupsCapable
{
	readonly capabilities: StoreCapabilities;
	readonly #clock: Clock;
	readonly #jobIdHistory: number;
	#closed = false;
	#lastId = 0;
	#seq = 0;

	/** Every job in the store, whatever its state. */
	readonly #jobs = new Map<string, StoredJob>();
	// `ready`: the jobs without a group, and each group's, in lines of priority; the members with
	// ready jobs take turns in `#rotation`, except groups paused or at their concurrency. A group
	// is kept while it holds a job, a lease, a start its rate window counts, or a pause.
	readonly #ungrouped = newMember(undefined);
	readonly #groups = new Map<string, Member>();
	readonly #rotation = new Deque<Member>();
	#readySeq = 0;
	#groupLimits: GroupLimits | null = null;
	#readyCount = 0;
	readonly #delayed = new MinHeap<DelayedEntry>();
	#delayedCount = 0;
	// Maps iterate in insertion order: lease order, death order.
	readonly #active = new Map<string, StoredJob>();
	// Renewals push a new entry and leave the old one to be skipped as stale when it surfaces.
	readonly #leases = new MinHeap<LeaseEntry>();
	readonly #dead = new Map<string, StoredJob>();
	readonly #unique = new Map<string, UniqueHold>();
	/** Holds with a ttl, by expiry, so expired ones are forgotten. */
	readonly #holdExpiry = new MinHeap<UniqueHold>();
	/** Ids of completed jobs added with a jobId, oldest first. */
	readonly #completedIds = new Set<string>();
	/** Completed jobs kept by their retention policy, oldest completion first. */
	readonly #completed = new Map<string, StoredJob>();

	/** The event stream (events on), oldest first, at most `#eventsMaxLen`. */
	readonly #events = new Deque<StoredEvent>();
	/** 0 when events are off. */
	readonly #eventsMaxLen: number;
	/** Whether the queue is paused ({@link MemoryJobStore.pause}). */
	#paused = false;
	/** The rate limit, and the starts in its window: when, how many, oldest first. */
	#rateLimit: RateLimit | null = null;
	readonly #starts = new StartWindow();
	/** No job is leased before this time (a release's `limitFor`). */
	#blockedUntil = 0;
	#globalConcurrency: number | null = null;
	#lastEventId = 0;
	readonly #eventWaiters = new Set<() => void>();

	readonly #waiters = new Set<() => void>();
	#dueTimer: TimerHandle | undefined;
	#dueTimerAt: number | undefined;

	constructor(options: MemoryJobStoreOptions = {}) {
		this.#clock = options.clock ?? systemClock;
		this.#jobIdHistory =
			options.jobIdHistory === undefined
				? DEFAULT_JOB_ID_HISTORY
				: checkInteger("jobIdHistory", options.jobIdHistory, 0);
		this.#eventsMaxLen = checkEventsOption("events", options.events);
		this.capabilities = {
			waitForJob: true,
			jobIds: true,
			unique: true,
			lookup: true,
			remove: true,
			retention: true,
			progress: true,
			pause: true,
			priorities: true,
			rateLimit: true,
			globalConcurrency: true,
			groups: true,
			...(this.#eventsMaxLen > 0 ? { events: true } : {}),
		};
	}

	async add(jobs: readonly NewJob[]): Promise<AddResult[]> {
		this.#open();
		if (!Array.isArray(jobs)) throw new InvalidOptionError("add(jobs)", "must be an array");
		// Validate the whole batch first: a bad job must leave nothing behind.
		const checked = jobs.map((job, i) => checkNewJob(job, `jobs[${i}]`, this));
		// Ids stay exact integers: refuse the call before any job of it is stored.
		const assigned = checked.filter((job) => job.jobId === undefined).length;
		if (this.#lastId + assigned > MAX_ASSIGNED_ID) {
			throw new IdsExhaustedError(`last id ${this.#lastId}, ${assigned} more asked`);
		}
		const now = this.#now();
		this.#forgetExpiredHolds(now);
		// In order: a job of this call sees the ones before it.
		const results = checked.map((input) => this.#addOne(input, now));
		this.#changed();
		return results;
	}

	#addOne(input: NewJob, now: number): AddResult {
		if (input.jobId !== undefined) {
			if (this.#jobs.has(input.jobId) || this.#completedIds.has(input.jobId)) {
				return { id: input.jobId, created: false, existing: "jobId" };
			}
		}
		if (input.unique) {
			const hold = this.#heldHold(input.unique.key, now);
			if (hold) {
				const { job } = hold;
				const replaced =
					input.unique.onConflict === "replace" &&
					this.#jobs.get(job.id) === job &&
					(job.state === "ready" || job.state === "delayed");
				if (replaced) this.#replace(job, input, now);
				return { id: job.id, created: false, existing: "unique", replaced };
			}
		}
		const job: StoredJob = {
			id: input.jobId ?? String(++this.#lastId),
			name: input.name,
			payload: input.payload,
			maxAttempts: input.maxAttempts,
			attempts: 0,
			lastError: undefined,
			state: "ready",
			slot: undefined,
			token: "",
			expiresAt: 0,
			addedAt: now,
			dueAt: 0,
			leasedAt: 0,
			failedAt: 0,
			chosenId: input.jobId !== undefined,
			unique: input.unique,
			retention: input.retention && checkJobKeep("retention", input.retention),
			progress: undefined,
			result: undefined,
			finishedAt: 0,
			priority: input.priority ?? 0,
			group: input.group,
		};
		this.#jobs.set(job.id, job);
		if (input.unique) this.#claim(job, input.unique, now);
		this.#place(job, dueAtOf(input, now));
		this.#emit("added", job, now);
		return { id: job.id, created: true };
	}

	/**
	 * A unique clash with `onConflict: "replace"`: the holder takes the new payload, due time and
	 * priority.
	 */
	#replace(job: StoredJob, input: NewJob, now: number): void {
		job.payload = input.payload;
		job.maxAttempts = input.maxAttempts;
		const dueAt = dueAtOf(input, now);
		const priority = input.priority ?? 0;
		const { group } = input;
		// A ready job that stays ready in the same line keeps its place in it.
		const sameLine = priority === job.priority && group === job.group;
		if (job.state === "ready" && dueAt === undefined && sameLine) return;
		this.#unplace(job);
		job.priority = priority;
		job.group = group;
		this.#place(job, dueAt);
	}

	/** Puts a job that is in no structure into `delayed` (due at `dueAt`) or at the tail of `ready`. */
	#place(job: StoredJob, dueAt: number | undefined): void {
		if (dueAt === undefined) this.#toReady(job, false);
		else this.#toDelayed(job, dueAt);
	}

	#toReady(job: StoredJob, atHead: boolean): void {
		job.state = "ready";
		const member = this.#memberOf(job.group);
		member.lines.push(job, atHead);
		this.#readyCount++;
		// A group joins the rotation's tail when it gets jobs ready (unless paused); the jobs
		// without a group join it at the first take that finds them waiting (see #take).
		if (member === this.#ungrouped || member.readySince !== undefined) return;
		member.readySince = this.#readySeq++;
		if (!member.paused) this.#join(member);
	}

	/**
	 * Puts `member` at the tail of the rotation unless it is in it. Into an empty rotation, the
	 * jobs without a group that wait go first: they were served alone until then.
	 */
	#join(member: Member): void {
		if (member.inRotation) return;
		const ungrouped = this.#ungrouped;
		if (this.#rotation.size === 0 && member !== ungrouped && ungrouped.lines.count > 0) {
			this.#join(ungrouped);
		}
		member.inRotation = true;
		this.#rotation.push(member);
	}

	/** The group `member` has no job ready any more. */
	#emptied(member: Member): void {
		member.inRotation = false;
		member.held = false;
		member.readySince = undefined;
		this.#forgetGroup(member);
	}

	/** Puts a group held out of the rotation at its concurrency back at its tail. */
	#unhold(member: Member): void {
		member.held = false;
		this.#join(member);
	}

	/** The member of `group` (undefined: the jobs without one), made when it has none. */
	#memberOf(group: string | undefined): Member {
		if (group === undefined) return this.#ungrouped;
		let member = this.#groups.get(group);
		if (!member) {
			member = newMember(group);
			this.#groups.set(group, member);
		}
		return member;
	}

	/** Drops a group that holds nothing any more: no job, lease, counted start or pause. */
	#forgetGroup(member: Member): void {
		if (member.name === undefined || member.lines.count > 0 || member.active > 0) return;
		if (member.paused || member.inRotation || member.readySince !== undefined) return;
		const rate = this.#groupLimits?.rate;
		if (rate && member.window.count(this.#clock.now(), rate.duration).count > 0) return;
		this.#groups.delete(member.name);
	}

	/** Whether the group `member` is at its concurrency. */
	#full(member: Member): boolean {
		const concurrency = this.#groupLimits?.concurrency;
		return concurrency !== undefined && member.active >= concurrency;
	}

	/** Whether a job of `member` may start now under its group's pause and limits. */
	#mayStart(member: Member, now: number): boolean {
		if (member.name === undefined) return true;
		if (member.paused || this.#full(member)) return false;
		const rate = this.#groupLimits?.rate;
		return !rate || member.window.count(now, rate.duration).count < rate.max;
	}

	/** A leased job left `active` (settled or swept): its group's slot is free. */
	#leftActive(job: StoredJob): void {
		if (job.group === undefined) return;
		const member = this.#groups.get(job.group)!;
		member.active--;
		if (member.held) this.#unhold(member);
		this.#forgetGroup(member);
	}

	#toDelayed(job: StoredJob, at: number): void {
		const entry: DelayedEntry = { at, seq: this.#seq++, job };
		job.state = "delayed";
		job.slot = entry;
		job.dueAt = at;
		this.#delayed.push(entry);
		this.#delayedCount++;
	}

	/** Takes a ready or delayed job out of its structure (its entry turns stale). */
	#unplace(job: StoredJob): void {
		if (job.state === "ready") {
			const member = this.#memberOf(job.group);
			member.lines.remove(job);
			this.#readyCount--;
			// Out of the rotation it leaves now; in it, at its turn (see #take).
			if (member.lines.count === 0 && !member.inRotation && member !== this.#ungrouped) {
				this.#emptied(member);
			}
		} else if (job.state === "delayed") this.#delayedCount--;
		job.slot = undefined;
		if (this.#delayed.size > 2 * this.#delayedCount + 1024) {
			this.#delayed.filter((entry) => entry.job.slot === entry);
		}
	}

	#claim(job: StoredJob, spec: UniqueSpec, now: number): void {
		const heldUntil = spec.ttl === undefined ? undefined : now + spec.ttl;
		const hold: UniqueHold = {
			key: spec.key,
			job,
			heldUntil,
			states: spec.states,
			at: heldUntil ?? 0,
			seq: this.#seq++,
		};
		this.#unique.set(spec.key, hold);
		if (heldUntil !== undefined) this.#holdExpiry.push(hold);
	}

	/** The hold on `key` if it is still in scope: within its ttl, and its job in one of its states. */
	#heldHold(key: string, now: number): UniqueHold | undefined {
		const hold = this.#unique.get(key);
		if (!hold) return undefined;
		if (hold.heldUntil !== undefined && now >= hold.heldUntil) return undefined;
		if (hold.states === undefined) return hold;
		const { job } = hold;
		const present = this.#jobs.get(job.id) === job;
		return present && (hold.states as readonly JobState[]).includes(job.state) ? hold : undefined;
	}

	/**
	 * A job left the store or died: a hold scoped by states can never apply again, so it goes; a
	 * ttl-only hold stays until its ttl ends. With `always` (an explicit removal), it goes anyway.
	 */
	#releaseHold(job: StoredJob, always: boolean): void {
		if (!job.unique) return;
		const hold = this.#unique.get(job.unique.key);
		if (hold?.job === job && (always || hold.states !== undefined)) {
			this.#unique.delete(job.unique.key);
		}
	}

	#forgetExpiredHolds(now: number): void {
		for (;;) {
			const hold = this.#holdExpiry.peek();
			if (!hold || hold.at > now) return;
			this.#holdExpiry.pop();
			if (this.#unique.get(hold.key) === hold) this.#unique.delete(hold.key);
		}
	}

	/** An acked job leaves the store; a chosen id is remembered so it is not run twice. */
	#complete(job: StoredJob): void {
		this.#releaseHold(job, false);
		this.#forget(job);
	}

	/** A finished job leaves the store for good; a chosen id is remembered. */
	#forget(job: StoredJob): void {
		this.#jobs.delete(job.id);
		if (!job.chosenId || this.#jobIdHistory === 0) return;
		this.#completedIds.add(job.id);
		if (this.#completedIds.size > this.#jobIdHistory) {
			const oldest = this.#completedIds.values().next().value!;
			this.#completedIds.delete(oldest);
		}
	}

	async reserve(params: ReserveParams): Promise<LeasedJob[]> {
		this.#open();
		const { limit, leaseMs } = checkReserveParams("reserve", params);
		const leased = this.#take(limit, leaseMs, this.#now());
		this.#changed();
		return leased;
	}

	async ack(params: AckParams): Promise<SettleResult> {
		this.#open();
		const keep = params?.keep === undefined ? undefined : checkKeep("ack.keep", params.keep);
		const result = params?.result;
		if (result !== undefined && typeof result !== "string") {
			throw new InvalidOptionError("ack.result", "must be JSON text");
		}
		return this.#settle("ack", params, (job, now) => {
			job.progress = undefined;
			this.#emit("completed", job, now, result === undefined ? {} : { result });
			if (!keep) return this.#complete(job);
			job.state = "completed";
			job.result = result;
			job.finishedAt = now;
			this.#completed.set(job.id, job);
			this.#releaseHold(job, false);
			this.#trim(this.#completed, keep, now);
		});
	}

	async retry(params: RetryParams): Promise<SettleResult> {
		this.#open();
		const delay = checkDuration("retry.delay", params?.delay);
		const error = checkErrorInfo("retry.error", params.error);
		return this.#settle("retry", params, (job, now) => {
			job.progress = undefined;
			job.lastError = error;
			this.#toDelayed(job, now + delay);
			this.#emit("retrying", job, now, { error: copyErrorInfo(error), dueAt: now + delay });
		});
	}

	async fail(params: FailParams): Promise<SettleResult> {
		this.#open();
		const error = checkErrorInfo("fail.error", params?.error);
		const keep = params.keep === undefined ? undefined : checkKeep("fail.keep", params.keep);
		return this.#settle("fail", params, (job, now) => {
			job.lastError = error;
			job.state = "dead";
			job.failedAt = now;
			job.progress = undefined;
			this.#dead.set(job.id, job);
			this.#releaseHold(job, false);
			this.#emit("failed", job, now, { error: copyErrorInfo(error) });
			if (keep === false) {
				this.#dead.delete(job.id);
				this.#forget(job);
			} else if (keep) {
				this.#trim(this.#dead, keep, now);
			}
		});
	}

	async release(params: ReleaseParams): Promise<SettleResult> {
		const limitFor =
			params?.limitFor === undefined
				? undefined
				: checkLimitFor("release.limitFor", params.limitFor);
		return this.#settle("release", params, (job, now) => {
			job.progress = undefined;
			job.attempts--;
			this.#toReady(job, true);
			this.#emit("waiting", job, now);
			if (limitFor !== undefined) {
				this.#blockedUntil = Math.max(this.#blockedUntil, now + limitFor);
			}
		});
	}

	/** Sets the queue's rate limit (`null`: none); the starts already made in its window count. */
	async setRateLimit(limit: RateLimit | null): Promise<void> {
		this.#open();
		this.#rateLimit = checkRateLimit("setRateLimit(limit)", limit);
		this.#now();
		this.#changed();
	}

	/** The queue's rate limit, or `null`. */
	async getRateLimit(): Promise<RateLimit | null> {
		this.#open();
		return this.#rateLimit && { ...this.#rateLimit };
	}

	/** Sets the most jobs active at once (`null`: no limit). */
	async setGlobalConcurrency(max: number | null): Promise<void> {
		this.#open();
		this.#globalConcurrency = checkGlobalConcurrency("setGlobalConcurrency(max)", max);
		this.#now();
		this.#changed();
	}

	/** The most jobs active at once, or `null`. */
	async getGlobalConcurrency(): Promise<number | null> {
		this.#open();
		return this.#globalConcurrency;
	}

	/** Sets the limits of every group (`null`: none). */
	async setGroupLimits(limits: GroupLimits | null): Promise<void> {
		this.#open();
		this.#groupLimits = checkGroupLimits("setGroupLimits(limits)", limits);
		// The groups held at the old concurrency go back (those still at it leave at their turn).
		for (const member of this.#groups.values()) if (member.held) this.#unhold(member);
		this.#now();
		this.#changed();
	}

	/** The limits of every group, or `null`. */
	async getGroupLimits(): Promise<GroupLimits | null> {
		this.#open();
		const limits = this.#groupLimits;
		if (!limits) return null;
		const copy: GroupLimits = { ...limits };
		if (limits.rate) copy.rate = { ...limits.rate };
		return copy;
	}

	/** Pauses one group: none of its jobs is leased until {@link resumeGroup}. */
	async pauseGroup(group: string): Promise<void> {
		this.#open();
		this.#memberOf(checkGroup("pauseGroup(group)", group)).paused = true;
		this.#armDueTimer();
	}

	/** Resumes a paused group and wakes idle workers when it has jobs ready. */
	async resumeGroup(group: string): Promise<void> {
		this.#open();
		const member = this.#groups.get(checkGroup("resumeGroup(group)", group));
		if (!member) return;
		member.paused = false;
		// Back at the rotation's tail, when it has jobs ready.
		if (member.readySince !== undefined && !member.held) this.#join(member);
		this.#forgetGroup(member);
		this.#now();
		this.#changed();
	}

	/** Whether the group is paused. */
	async isGroupPaused(group: string): Promise<boolean> {
		this.#open();
		return this.#groups.get(checkGroup("isGroupPaused(group)", group))?.paused ?? false;
	}

	/**
	 * How many jobs the limits let start now, and, when none may while a time will change that
	 * (a rate window, a release's `limitFor`), when.
	 */
	#allowance(now: number): { allowed: number; reopenAt?: number } {
		if (now < this.#blockedUntil) return { allowed: 0, reopenAt: this.#blockedUntil };
		let allowed = Number.POSITIVE_INFINITY;
		if (this.#globalConcurrency !== null) {
			allowed = Math.max(0, this.#globalConcurrency - this.#active.size);
		}
		const limit = this.#rateLimit;
		if (limit) {
			// Starts leave the window `duration` ms after they were made.
			const { count, leavesAt } = this.#starts.count(now, limit.duration);
			const left = limit.max - count;
			if (left <= 0) return { allowed: 0, reopenAt: leavesAt! };
			allowed = Math.min(allowed, left);
		}
		return { allowed };
	}

	/**
	 * Records progress for a leased job, fenced by its token: `{ ok: false }` and nothing written
	 * for a stale one.
	 */
	async progress(params: ProgressParams): Promise<{ ok: boolean }> {
		this.#open();
		const ref = checkLeaseRef("progress", params);
		if (typeof params.progress !== "string") {
			throw new InvalidOptionError("progress.progress", "must be JSON text");
		}
		const now = this.#now();
		const job = this.#current(ref.id, ref.token, now);
		if (!job) return { ok: false };
		job.progress = params.progress;
		this.#emit("progress", job, now, { progress: params.progress });
		return { ok: true };
	}

	async extend(params: ExtendParams): Promise<ExtendResult[]> {
		this.#open();
		const leaseMs = checkDuration("extend.leaseMs", params?.leaseMs, true);
		if (!Array.isArray(params.leases))
			throw new InvalidOptionError("extend.leases", "must be an array");
		const refs = params.leases.map((ref, i) => checkLeaseRef(`extend.leases[${i}]`, ref));
		const now = this.#now();
		const renewed = refs.map((ref): ExtendResult => {
			const job = this.#current(ref.id, ref.token, now);
			if (!job) return { ok: false, reason: "stale" };
			job.expiresAt = now + leaseMs;
			this.#leases.push({ at: job.expiresAt, seq: this.#seq++, job, token: job.token });
			return { ok: true };
		});
		this.#compactLeases();
		this.#changed();
		return renewed;
	}

	async sweep(params: SweepParams): Promise<number> {
		this.#open();
		const limit = checkInteger("sweep.limit", params?.limit, 1);
		const keep = params.keep === undefined ? undefined : checkJobKeep("sweep.keep", params.keep);
		const now = this.#now();
		if (keep?.completed) this.#trim(this.#completed, keep.completed, now);
		if (keep?.dead) this.#trim(this.#dead, keep.dead, now);
		let recovered = 0;
		while (recovered < limit) {
			const entry = this.#leases.peek();
			// A lease is live while now < expiresAt.
			if (!entry || entry.at > now) break;
			this.#leases.pop();
			const { job } = entry;
			if (!this.#isCurrentEntry(entry)) continue;
			this.#active.delete(job.id);
			this.#leftActive(job);
			job.token = "";
			job.progress = undefined;
			job.lastError = { message: LEASE_EXPIRED_MESSAGE };
			this.#toReady(job, false);
			this.#emit("stalled", job, now);
			recovered++;
		}
		this.#changed();
		return recovered;
	}

	async stats(): Promise<JobStats> {
		this.#open();
		// Promoting first makes a job that fell due count as ready, which is what it is.
		this.#now();
		this.#changed();
		return {
			ready: this.#readyCount,
			delayed: this.#delayedCount,
			active: this.#active.size,
			dead: this.#dead.size,
			completed: this.#completed.size,
		};
	}

	async deadLetter(params: DeadLetterParams = {}): Promise<DeadJobRecord[]> {
		this.#open();
		const offset =
			params.offset === undefined ? 0 : checkInteger("deadLetter.offset", params.offset, 0);
		const limit =
			params.limit === undefined
				? Number.POSITIVE_INFINITY
				: checkInteger("deadLetter.limit", params.limit, 0);
		const records: DeadJobRecord[] = [];
		let skipped = 0;
		for (const job of this.#dead.values()) {
			if (records.length >= limit) break;
			if (skipped++ < offset) continue;
			const record: DeadJobRecord = {
				id: job.id,
				name: job.name,
				payload: job.payload,
				attempts: job.attempts,
				error: copyErrorInfo(job.lastError!),
				failedAt: job.failedAt,
			};
			if (job.maxAttempts !== undefined) record.maxAttempts = job.maxAttempts;
			records.push(record);
		}
		return records;
	}

	async retryDead(selector: DeadJobSelector): Promise<number> {
		this.#open();
		const ids = checkDeadSelector("retryDead", selector);
		const now = this.#now();
		let moved = 0;
		for (const id of ids === "all" ? [...this.#dead.keys()] : ids) {
			const job = this.#dead.get(id);
			if (!job) continue;
			this.#dead.delete(id);
			job.attempts = 0;
			this.#toReady(job, false);
			this.#emit("waiting", job, now);
			moved++;
		}
		this.#changed();
		return moved;
	}

	async removeDead(selector: DeadJobSelector): Promise<number> {
		this.#open();
		const ids = checkDeadSelector("removeDead", selector);
		const now = this.#clock.now();
		let removed = 0;
		for (const id of ids === "all" ? [...this.#dead.keys()] : ids) {
			const job = this.#dead.get(id);
			if (!job) continue;
			this.#dead.delete(id);
			this.#jobs.delete(id);
			this.#releaseHold(job, true);
			this.#emit("removed", job, now);
			removed++;
		}
		return removed;
	}

	async getJob(id: string): Promise<JobRecord | null> {
		this.#open();
		checkJobId("getJob(id)", id);
		this.#now();
		this.#changed();
		const job = this.#jobs.get(id);
		return job ? recordOf(job) : null;
	}

	async listJobs(params: ListJobsParams): Promise<JobPage> {
		this.#open();
		const { state, offset, limit } = checkListParams("listJobs", params);
		this.#now();
		this.#changed();
		const all = this.#inState(state);
		return { jobs: all.slice(offset, offset + limit).map(recordOf), total: all.length };
	}

	/** The jobs in `state`, in that state's order. O(n): this store is for development. */
	#inState(state: JobState): StoredJob[] {
		switch (state) {
			case "ready":
				// Jobs without a group first, then group by group, in the order they got jobs ready.
				return [
					...this.#ungrouped.lines.values(),
					...[...this.#groups.values()]
						.filter((member) => member.readySince !== undefined)
						.sort((a, b) => a.readySince! - b.readySince!)
						.flatMap((member) => member.lines.values()),
				];
			case "delayed":
				return this.#delayed
					.toArray()
					.filter((e) => e.job.slot === e)
					.sort((a, b) => a.at - b.at || a.seq - b.seq)
					.map((e) => e.job);
			case "active":
				return [...this.#active.values()];
			case "dead":
				return [...this.#dead.values()];
			case "completed":
				return [...this.#completed.values()];
		}
	}

	async removeJob(id: string): Promise<RemoveResult> {
		this.#open();
		checkJobId("removeJob(id)", id);
		const now = this.#now();
		const job = this.#jobs.get(id);
		if (!job) return { removed: false };
		const { state } = job;
		if (state === "active") throw new JobActiveError(id, "remove");
		if (state === "dead") this.#dead.delete(id);
		else if (state === "completed") this.#completed.delete(id);
		else this.#unplace(job);
		this.#jobs.delete(id);
		this.#releaseHold(job, true);
		this.#emit("removed", job, now);
		this.#changed();
		return { removed: true, state };
	}

	/**
	 * Resolves as soon as a job is ready (at once if one already is), when the earliest delayed
	 * job falls due on the clock, after `timeoutMs` of clock time, when `signal` aborts, or when
	 * the store closes. Timers run on the injected clock, so a `FakeClock.advance` fires them.
	 */
	async waitForJob(params: WaitForJobParams): Promise<void> {
		this.#open();
		const timeoutMs = checkDuration("waitForJob.timeoutMs", params?.timeoutMs);
		const { signal } = params;
		this.#now();
		if (this.#hasWork() || signal?.aborted || timeoutMs === 0) return;
		await new Promise<void>((resolve) => {
			const timer = this.#clock.setTimeout(() => done(), timeoutMs);
			const done = () => {
				if (!this.#waiters.delete(done)) return;
				this.#clock.clearTimeout(timer);
				signal?.removeEventListener("abort", done);
				this.#armDueTimer();
				resolve();
			};
			this.#waiters.add(done);
			signal?.addEventListener("abort", done, { once: true });
			this.#armDueTimer();
		});
	}

	/** Pauses the queue: reserves lease nothing until {@link resume}; `add` goes on. */
	async pause(): Promise<void> {
		this.#open();
		this.#paused = true;
		this.#armDueTimer();
	}

	/** Resumes the queue and wakes idle workers when jobs are ready. */
	async resume(): Promise<void> {
		this.#open();
		this.#paused = false;
		this.#now();
		this.#changed();
	}

	/** Whether the queue is paused. */
	async isPaused(): Promise<boolean> {
		this.#open();
		return this.#paused;
	}

	/**
	 * Events after `after` (all kept ones without it), oldest first, at most `limit`. When there
	 * are none yet, waits up to `waitMs` of clock time for one (or until `signal` aborts or the
	 * store closes). Needs `events` on.
	 */
	async readEvents(params: ReadEventsParams): Promise<EventPage> {
		this.#open();
		this.#eventsOn("readEvents");
		const { after, limit, waitMs = 0, signal } = checkReadEventsParams("readEvents", params);
		const from = after === undefined ? 0 : cursorNumber(after);
		if (this.#lastEventId <= from && waitMs > 0 && !signal?.aborted) {
			await new Promise<void>((resolve) => {
				const timer = this.#clock.setTimeout(() => done(), waitMs);
				const done = () => {
					if (!this.#eventWaiters.delete(done)) return;
					this.#clock.clearTimeout(timer);
					signal?.removeEventListener("abort", done);
					resolve();
				};
				this.#eventWaiters.add(done);
				signal?.addEventListener("abort", done, { once: true });
			});
			this.#open();
		}
		// Ids are consecutive: the first event after `from` sits at a known place.
		const oldest = this.#lastEventId - this.#events.size + 1;
		const events: StoredEvent[] = [];
		for (let i = Math.max(0, from + 1 - oldest); events.length < limit; i++) {
			const event = this.#events.at(i);
			if (!event) break;
			events.push(copyEvent(event));
		}
		return {
			events,
			cursor: events.length > 0 ? events[events.length - 1]!.id : String(Math.max(from, 0)),
			missed: after !== undefined && from + 1 < oldest && from < this.#lastEventId,
		};
	}

	/** The cursor of the newest event: reading after it gives only later events. */
	async eventsCursor(): Promise<string> {
		this.#open();
		this.#eventsOn("eventsCursor");
		return String(this.#lastEventId);
	}

	/** Drops every job, wakes every `waitForJob` caller and rejects later calls. Idempotent. */
	async close(): Promise<void> {
		if (this.#closed) return;
		this.#closed = true;
		this.#wakeAll();
		for (const wake of [...this.#eventWaiters]) wake();
		this.#events.clear();
		this.#completed.clear();
		this.#jobs.clear();
		this.#ungrouped.lines.clear();
		this.#groups.clear();
		this.#rotation.clear();
		this.#delayed.clear();
		this.#active.clear();
		this.#leases.clear();
		this.#dead.clear();
		this.#unique.clear();
		this.#holdExpiry.clear();
		this.#completedIds.clear();
		this.#starts.clear();
	}

	#open(): void {
		if (this.#closed) throw new StoreClosedError();
	}

	#eventsOn(method: string): void {
		if (this.#eventsMaxLen === 0) {
			throw new UnsupportedError("events", `${method} (create the store with { events: true })`);
		}
	}

	/** Appends an event (events on), drops the oldest past the cap, wakes the readers. */
	#emit(
		type: JobEventType,
		job: StoredJob,
		at: number,
		extra: Pick<StoredEvent, "result" | "progress" | "error" | "dueAt"> = {},
	): void {
		if (this.#eventsMaxLen === 0) return;
		const event: StoredEvent = {
			id: String(++this.#lastEventId),
			type,
			jobId: job.id,
			name: job.name,
			attempt: job.attempts,
			at,
			...extra,
		};
		this.#events.push(event);
		while (this.#events.size > this.#eventsMaxLen) this.#events.shift();
		for (const wake of [...this.#eventWaiters]) wake();
	}

	/**
	 * Drops the oldest finished jobs of `kept` (completed, or dead) past `policy`: more than
	 * `count`, or finished more than `age` ms ago; at most {@link TRIM_PER_CALL} per call.
	 */
	#trim(kept: Map<string, StoredJob>, policy: KeepPolicy, now: number): void {
		const { count = Number.POSITIVE_INFINITY, age } = policy;
		let budget = TRIM_PER_CALL;
		for (const job of kept.values()) {
			if (budget-- === 0) return;
			const finishedAt = job.state === "dead" ? job.failedAt : job.finishedAt;
			const tooMany = kept.size > count;
			const tooOld = age !== undefined && finishedAt < now - age;
			if (!tooMany && !tooOld) return;
			kept.delete(job.id);
			// As for an ack: a hold with a ttl outlives its job.
			this.#releaseHold(job, false);
			this.#forget(job);
		}
	}

	/**
	 * Reads the clock and promotes every delayed job that is due, in due order. Called before any
	 * job joins the tail of `ready`, so `ready` stays ordered by the time each job became ready,
	 * whenever the caller happens to look.
	 */
	#now(): number {
		const now = this.#clock.now();
		for (;;) {
			const entry = this.#delayed.peek();
			if (!entry || entry.at > now) break;
			this.#delayed.pop();
			const { job } = entry;
			if (job.slot !== entry) continue; // moved or removed since
			this.#delayedCount--;
			this.#toReady(job, false);
		}
		return now;
	}

	#take(asked: number, leaseMs: number, now: number): LeasedJob[] {
		const leased: LeasedJob[] = [];
		if (this.#paused) return leased;
		const limit = Math.min(asked, this.#allowance(now).allowed);
		const groupRate = this.#groupLimits?.rate;
		if (this.#ungrouped.lines.count > 0) this.#join(this.#ungrouped);
		// The members take turns, one job each. A paused group leaves the rotation (resume puts it
		// back), as does one at its concurrency (a freed slot does); one held by its rate window
		// keeps its place, and a whole round of those ends the take.
		let skipped = 0;
		while (leased.length < limit && this.#rotation.size > 0) {
			const member = this.#rotation.shift()!;
			if (member.lines.count === 0) {
				if (member === this.#ungrouped) member.inRotation = false;
				else this.#emptied(member);
				continue;
			}
			if (member.paused || this.#full(member)) {
				member.inRotation = false;
				member.held = !member.paused;
				continue;
			}
			if (!this.#mayStart(member, now)) {
				this.#rotation.push(member);
				if (++skipped >= this.#rotation.size) break;
				continue;
			}
			skipped = 0;
			const job = member.lines.shift()!;
			this.#readyCount--;
			if (member.lines.count > 0) this.#rotation.push(member);
			else if (member === this.#ungrouped) member.inRotation = false;
			else this.#emptied(member);
			if (member.name !== undefined) {
				member.active++;
				if (groupRate) member.window.note(now, 1);
			}
			job.state = "active";
			job.attempts++;
			job.token = randomUUID();
			job.leasedAt = now;
			job.expiresAt = now + leaseMs;
			this.#active.set(job.id, job);
			this.#leases.push({ at: job.expiresAt, seq: this.#seq++, job, token: job.token });
			const out: LeasedJob = {
				id: job.id,
				name: job.name,
				payload: job.payload,
				attempts: job.attempts,
				token: job.token,
			};
			if (job.maxAttempts !== undefined) out.maxAttempts = job.maxAttempts;
			if (job.lastError) out.lastError = copyErrorInfo(job.lastError);
			if (job.retention) out.retention = copyKeep(job.retention);
			if (job.group !== undefined) out.group = job.group;
			leased.push(out);
			this.#emit("active", job, now);
		}
		if (this.#rateLimit && leased.length > 0) this.#starts.note(now, leased.length);
		return leased;
	}

	/** The job when `token` is its live lease; `undefined` when stale, expired or unknown. */
	#current(id: string, token: string, now: number): StoredJob | undefined {
		const job = this.#active.get(id);
		return job && job.token === token && now < job.expiresAt ? job : undefined;
	}

	/**
	 * The fenced part every settle shares: checks the lease, takes the job out of `active`, lets
	 * `apply` move it, then leases `next` jobs when asked. A stale token changes nothing at all,
	 * not even the `next` reservation, so `{ ok: false }` always means "no effect".
	 */
	#settle(
		op: string,
		params: SettleParams,
		apply: (job: StoredJob, now: number) => void,
	): SettleResult {
		this.#open();
		const ref = checkLeaseRef(op, params);
		const reserve =
			params.reserve === undefined
				? undefined
				: checkReserveParams(`${op}.reserve`, params.reserve);
		const now = this.#now();
		const job = this.#current(ref.id, ref.token, now);
		if (!job) return { ok: false };
		this.#active.delete(job.id);
		this.#leftActive(job);
		job.token = "";
		apply(job, now);
		const result: SettleResult = { ok: true };
		// Promote before leasing: a retry with delay 0 is due now and rejoins the tail.
		if (reserve) result.next = this.#take(reserve.limit, reserve.leaseMs, this.#now());
		else this.#now();
		this.#changed();
		return result;
	}

	#isCurrentEntry(entry: LeaseEntry): boolean {
		const { job } = entry;
		return (
			this.#active.get(job.id) === job && job.token === entry.token && job.expiresAt === entry.at
		);
	}

	// Heartbeats leave stale entries behind; drop them once they outnumber the live ones.
	#compactLeases(): void {
		if (this.#leases.size > 2 * this.#active.size + 1024) {
			this.#leases.filter((entry) => this.#isCurrentEntry(entry));
		}
	}

	/**
	 * Whether a reserve would lease something now: a job is ready, the queue is not paused, and
	 * its limits let one start.
	 */
	#hasWork(): boolean {
		if (this.#readyCount === 0 || this.#paused) return false;
		const now = this.#clock.now();
		if (this.#allowance(now).allowed === 0) return false;
		if (this.#ungrouped.lines.count > 0) return true;
		for (const member of this.#rotation.values()) {
			if (member.lines.count > 0 && this.#mayStart(member, now)) return true;
		}
		return false;
	}

	/** When the first group held back only by its rate window may start again, if any. */
	#groupsReopenAt(now: number): number | undefined {
		const limits = this.#groupLimits;
		if (!limits?.rate) return undefined;
		let first: number | undefined;
		for (const member of this.#rotation.values()) {
			if (member.name === undefined || member.lines.count === 0 || member.paused) continue;
			if (limits.concurrency !== undefined && member.active >= limits.concurrency) continue;
			const { count, leavesAt } = member.window.count(now, limits.rate.duration);
			if (count >= limits.rate.max && (first === undefined || leavesAt! < first)) first = leavesAt;
		}
		return first;
	}

	/** After a change: wake idle workers if a job is ready, else time the next due job. */
	#changed(): void {
		if (this.#waiters.size === 0) return;
		if (this.#hasWork()) this.#wakeAll();
		else this.#armDueTimer();
	}

	#wakeAll(): void {
		for (const wake of [...this.#waiters]) wake();
	}

	/** Keeps one clock timer at the earliest due time while anyone waits, and none otherwise. */
	#armDueTimer(): void {
		// The head may be a stale entry: waking for it early is harmless. While paused, a job
		// falling due gives a worker nothing to take: only resume wakes them.
		const waiting = this.#waiters.size > 0 && !this.#paused;
		let dueAt = waiting ? this.#delayed.peek()?.at : undefined;
		// Jobs held back by a rate window or a release's limitFor: wake when it lets one start.
		if (waiting && this.#readyCount > 0) {
			const now = this.#clock.now();
			const { allowed, reopenAt } = this.#allowance(now);
			const at = allowed === 0 ? reopenAt : this.#groupsReopenAt(now);
			if (at !== undefined && (dueAt === undefined || at < dueAt)) dueAt = at;
		}
		if (dueAt === this.#dueTimerAt) return;
		if (this.#dueTimer !== undefined) this.#clock.clearTimeout(this.#dueTimer);
		this.#dueTimer = undefined;
		this.#dueTimerAt = dueAt;
		if (dueAt === undefined) return;
		this.#dueTimer = this.#clock.setTimeout(() => {
			this.#dueTimer = undefined;
			this.#dueTimerAt = undefined;
			this.#wakeAll();
		}, dueAt - this.#clock.now());
	}
}

/** A member of the rotation with nothing in it yet. */
function newMember(name: string | undefined): Member {
	return {
		name,
		lines: new ReadyLines(),
		active: 0,
		window: new StartWindow(),
		paused: false,
		inRotation: false,
		readySince: undefined,
		held: false,
	};
}

/** When a new job falls due, or undefined when it is ready at once. */
function dueAtOf(input: NewJob, now: number): number | undefined {
	if (input.delay !== undefined && input.delay > 0) return now + input.delay;
	if (input.runAt !== undefined && input.runAt > now) return input.runAt;
	return undefined;
}

function recordOf(job: StoredJob): JobRecord {
	const record: JobRecord = {
		id: job.id,
		name: job.name,
		payload: job.payload,
		state: job.state,
		attempts: job.attempts,
		addedAt: job.addedAt,
	};
	if (job.maxAttempts !== undefined) record.maxAttempts = job.maxAttempts;
	if (job.lastError) record.lastError = copyErrorInfo(job.lastError);
	if (job.state === "delayed") record.dueAt = job.dueAt;
	if (job.state === "active") {
		record.leasedAt = job.leasedAt;
		record.leaseExpiresAt = job.expiresAt;
	}
	if (job.state === "dead") record.failedAt = job.failedAt;
	if (job.unique) record.uniqueKey = job.unique.key;
	if (job.priority > 0) record.priority = job.priority;
	if (job.group !== undefined) record.group = job.group;
	if (job.state === "completed") {
		record.finishedAt = job.finishedAt;
		if (job.result !== undefined) record.result = job.result;
	}
	if (job.progress !== undefined) record.progress = job.progress;
	return record;
}

function copyKeep(keep: JobKeep): JobKeep {
	const copy: JobKeep = {};
	if (keep.completed !== undefined) copy.completed = keep.completed && { ...keep.completed };
	if (keep.dead !== undefined) copy.dead = keep.dead && { ...keep.dead };
	return copy;
}

function copyEvent(event: StoredEvent): StoredEvent {
	const copy = { ...event };
	if (event.error) copy.error = copyErrorInfo(event.error);
	return copy;
}

/** The number of a cursor this store returned ("0" before the first event). */
function cursorNumber(cursor: string): number {
	if (!/^\d+$/.test(cursor)) {
		throw new InvalidOptionError("readEvents.after", `is not a cursor of this store: "${cursor}"`);
	}
	return Number(cursor);
}
