/**
 * `StoreDoor`: the one door through which the engine calls its {@link JobStore}.
 * @module
 */
import { requireCapability, supports } from "./capabilities.js";
import type {
	AckParams,
	AddResult,
	Capability,
	CapabilityMethods,
	DeadJobRecord,
	DeadJobSelector,
	DeadLetterParams,
	EventPage,
	ExtendParams,
	ExtendResult,
	FailParams,
	GroupLimits,
	JobPage,
	JobRecord,
	JobStats,
	JobStore,
	LeasedJob,
	ListJobsParams,
	NewJob,
	ProgressParams,
	RateLimit,
	ReadEventsParams,
	ReleaseParams,
	RemoveResult,
	ReserveParams,
	RetryParams,
	SettleResult,
	SweepParams,
	WaitForJobParams,
} from "./job-store.js";

/**
 * Every store call the engine makes (`JobQueue` and the worker alike) goes through here, one
 * method per store call. This is the single place where tracing, metrics and timeouts will wrap
 * store calls, once, instead of in every caller. For now each method is a plain forward: same
 * arguments, same promise, no extra await (so timing is exactly that of a direct call).
 *
 * The methods of a capability narrow the store with `requireCapability`; their callers check
 * the capability first, in their own words, so that check never fires.
 * @internal
 */
export class StoreDoor {
	readonly #store: JobStore;

	constructor(store: JobStore) {
		this.#store = store;
	}

	/** Whether the store declares `capability` (read from its declaration, never probed). */
	supports(capability: Capability): boolean {
		return supports(this.#store, capability);
	}

	/** {@link JobStore.add}. */
	add(jobs: readonly NewJob[]): Promise<AddResult[]> {
		return this.#store.add(jobs);
	}

	/** {@link JobStore.reserve}. */
	reserve(params: ReserveParams): Promise<LeasedJob[]> {
		return this.#store.reserve(params);
	}

	/** {@link JobStore.ack}. */
	ack(params: AckParams): Promise<SettleResult> {
		return this.#store.ack(params);
	}

	/** {@link JobStore.retry}. */
	retry(params: RetryParams): Promise<SettleResult> {
		return this.#store.retry(params);
	}

	/** {@link JobStore.fail}. */
	fail(params: FailParams): Promise<SettleResult> {
		return this.#store.fail(params);
	}

	/** {@link JobStore.release}. */
	release(params: ReleaseParams): Promise<SettleResult> {
		return this.#store.release(params);
	}

	/** {@link JobStore.extend}. */
	extend(params: ExtendParams): Promise<ExtendResult[]> {
		return this.#store.extend(params);
	}

	/** {@link JobStore.sweep}. */
	sweep(params: SweepParams): Promise<number> {
		return this.#store.sweep(params);
	}

	/** {@link JobStore.stats}. */
	stats(): Promise<JobStats> {
		return this.#store.stats();
	}

	/** {@link JobStore.deadLetter}. */
	deadLetter(params?: DeadLetterParams): Promise<DeadJobRecord[]> {
		return this.#store.deadLetter(params);
	}

	/** {@link JobStore.retryDead}. */
	retryDead(selector: DeadJobSelector): Promise<number> {
		return this.#store.retryDead(selector);
	}

	/** {@link JobStore.removeDead}. */
	removeDead(selector: DeadJobSelector): Promise<number> {
		return this.#store.removeDead(selector);
	}

	/** {@link JobStore.close}. */
	close(): Promise<void> {
		return this.#store.close();
	}

	/** `waitForJob` of capability `waitForJob`. */
	waitForJob(params: WaitForJobParams): Promise<void> {
		return this.#capable("waitForJob", "waitForJob").waitForJob(params);
	}

	/** `getJob` of capability `lookup`. */
	getJob(id: string): Promise<JobRecord | null> {
		return this.#capable("lookup", "getJob").getJob(id);
	}

	/** `listJobs` of capability `lookup`. */
	listJobs(params: ListJobsParams): Promise<JobPage> {
		return this.#capable("lookup", "listJobs").listJobs(params);
	}

	/** `removeJob` of capability `remove`. */
	removeJob(id: string): Promise<RemoveResult> {
		return this.#capable("remove", "removeJob").removeJob(id);
	}

	/** `progress` of capability `progress`. */
	progress(params: ProgressParams): Promise<{ ok: boolean }> {
		return this.#capable("progress", "job.progress").progress(params);
	}

	/** `readEvents` of capability `events`. */
	readEvents(params: ReadEventsParams): Promise<EventPage> {
		return this.#capable("events", "readEvents").readEvents(params);
	}

	/** `eventsCursor` of capability `events`. */
	eventsCursor(): Promise<string> {
		return this.#capable("events", "eventsCursor").eventsCursor();
	}

	/** `pause` of capability `pause`. */
	pause(): Promise<void> {
		return this.#capable("pause", "queue.pause()").pause();
	}

	/** `resume` of capability `pause`. */
	resume(): Promise<void> {
		return this.#capable("pause", "queue.resume()").resume();
	}

	/** `isPaused` of capability `pause`. */
	isPaused(): Promise<boolean> {
		return this.#capable("pause", "queue.isPaused()").isPaused();
	}

	/** `setRateLimit` of capability `rateLimit`. */
	setRateLimit(limit: RateLimit | null): Promise<void> {
		return this.#capable("rateLimit", "queue.setRateLimit()").setRateLimit(limit);
	}

	/** `getRateLimit` of capability `rateLimit`. */
	getRateLimit(): Promise<RateLimit | null> {
		return this.#capable("rateLimit", "queue.getRateLimit()").getRateLimit();
	}

	/** `setGlobalConcurrency` of capability `globalConcurrency`. */
	setGlobalConcurrency(max: number | null): Promise<void> {
		return this.#capable("globalConcurrency", "queue.setGlobalConcurrency()").setGlobalConcurrency(
			max,
		);
	}

	/** `getGlobalConcurrency` of capability `globalConcurrency`. */
	getGlobalConcurrency(): Promise<number | null> {
		return this.#capable(
			"globalConcurrency",
			"queue.getGlobalConcurrency()",
		).getGlobalConcurrency();
	}

	/** `setGroupLimits` of capability `groups`. */
	setGroupLimits(limits: GroupLimits | null): Promise<void> {
		return this.#capable("groups", "queue.setGroupLimits()").setGroupLimits(limits);
	}

	/** `getGroupLimits` of capability `groups`. */
	getGroupLimits(): Promise<GroupLimits | null> {
		return this.#capable("groups", "queue.getGroupLimits()").getGroupLimits();
	}

	/** `pauseGroup` of capability `groups`. */
	pauseGroup(group: string): Promise<void> {
		return this.#capable("groups", "queue.pauseGroup()").pauseGroup(group);
	}

	/** `resumeGroup` of capability `groups`. */
	resumeGroup(group: string): Promise<void> {
		return this.#capable("groups", "queue.resumeGroup()").resumeGroup(group);
	}

	/** `isGroupPaused` of capability `groups`. */
	isGroupPaused(group: string): Promise<boolean> {
		return this.#capable("groups", "queue.isGroupPaused()").isGroupPaused(group);
	}

	/** The store narrowed to `capability`, or `UnsupportedError` naming `method`. */
	#capable<C extends Capability>(capability: C, method: string): JobStore & CapabilityMethods[C] {
		const store = this.#store;
		requireCapability(store, capability, method);
		return store;
	}
}
