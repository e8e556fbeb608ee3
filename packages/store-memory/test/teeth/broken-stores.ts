/**
 * Deliberately broken stores: each wraps a working MemoryJobStore and breaks one guarantee of
 * the JobStore contract. The contract suite must fail on every one of them.
 */
import type {
	AckParams,
	Clock,
	DeadJobSelector,
	DeadLetterParams,
	ExtendParams,
	FailParams,
	GroupLimits,
	JobStore,
	LeasedJob,
	ListJobsParams,
	NewJob,
	ProgressParams,
	RateLimit,
	ReadEventsParams,
	ReleaseParams,
	ReserveParams,
	RetryParams,
	SettleParams,
	SweepParams,
	WaitForJobParams,
} from "@jobs/core";
import { MAX_PRIORITY } from "@jobs/core";
import { MemoryJobStore } from "../../src/index.js";

/** Forwards every call; variants override the one they break. */
class Forwarding implements JobStore {
	protected readonly inner: MemoryJobStore;
	protected readonly clock: Clock;
	constructor(clock: Clock) {
		this.clock = clock;
		this.inner = new MemoryJobStore({ clock, events: true });
	}
	get capabilities() {
		return this.inner.capabilities;
	}
	add(jobs: readonly NewJob[]) {
		return this.inner.add(jobs);
	}
	reserve(params: ReserveParams) {
		return this.inner.reserve(params);
	}
	ack(params: AckParams) {
		return this.inner.ack(params);
	}
	retry(params: RetryParams) {
		return this.inner.retry(params);
	}
	fail(params: FailParams) {
		return this.inner.fail(params);
	}
	release(params: ReleaseParams) {
		return this.inner.release(params);
	}
	extend(params: ExtendParams) {
		return this.inner.extend(params);
	}
	sweep(params: SweepParams) {
		return this.inner.sweep(params);
	}
	stats() {
		return this.inner.stats();
	}
	deadLetter(params?: DeadLetterParams) {
		return this.inner.deadLetter(params);
	}
	retryDead(selector: DeadJobSelector) {
		return this.inner.retryDead(selector);
	}
	removeDead(selector: DeadJobSelector) {
		return this.inner.removeDead(selector);
	}
	waitForJob(params: WaitForJobParams) {
		return this.inner.waitForJob(params);
	}
	getJob(id: string) {
		return this.inner.getJob(id);
	}
	listJobs(params: ListJobsParams) {
		return this.inner.listJobs(params);
	}
	removeJob(id: string) {
		return this.inner.removeJob(id);
	}
	progress(params: ProgressParams) {
		return this.inner.progress(params);
	}
	readEvents(params: ReadEventsParams) {
		return this.inner.readEvents(params);
	}
	eventsCursor() {
		return this.inner.eventsCursor();
	}
	pause() {
		return this.inner.pause();
	}
	resume() {
		return this.inner.resume();
	}
	isPaused() {
		return this.inner.isPaused();
	}
	setRateLimit(limit: RateLimit | null) {
		return this.inner.setRateLimit(limit);
	}
	getRateLimit() {
		return this.inner.getRateLimit();
	}
	setGlobalConcurrency(max: number | null) {
		return this.inner.setGlobalConcurrency(max);
	}
	getGlobalConcurrency() {
		return this.inner.getGlobalConcurrency();
	}
	setGroupLimits(limits: GroupLimits | null) {
		return this.inner.setGroupLimits(limits);
	}
	getGroupLimits() {
		return this.inner.getGroupLimits();
	}
	pauseGroup(group: string) {
		return this.inner.pauseGroup(group);
	}
	resumeGroup(group: string) {
		return this.inner.resumeGroup(group);
	}
	isGroupPaused(group: string) {
		return this.inner.isGroupPaused(group);
	}
	close() {
		return this.inner.close();
	}
}

/** Hands the previously leased job out again whenever a reserve comes up short. */
class DoubleLeasing extends Forwarding {
	#last: LeasedJob | undefined;
	override async reserve(params: ReserveParams) {
		const leased = await this.inner.reserve(params);
		if (leased.length < params.limit && this.#last) leased.push(this.#last);
		this.#last = leased[0] ?? this.#last;
		return leased;
	}
}

/** Settles with whatever token is current, whatever token the caller presented. */
class TokenIgnoring extends Forwarding {
	readonly #tokens = new Map<string, string>();
	#remember<T extends LeasedJob[] | undefined>(leased: T): T {
		for (const j of leased ?? []) this.#tokens.set(j.id, j.token);
		return leased;
	}
	#fix<T extends { id: string; token: string }>(ref: T): T {
		return { ...ref, token: this.#tokens.get(ref.id) ?? ref.token };
	}
	override async reserve(params: ReserveParams) {
		return this.#remember(await this.inner.reserve(params));
	}
	override async ack(params: SettleParams) {
		const result = await this.inner.ack(this.#fix(params));
		this.#remember(result.next);
		return result;
	}
	override async retry(params: RetryParams) {
		const result = await this.inner.retry(this.#fix(params));
		this.#remember(result.next);
		return result;
	}
	override async fail(params: FailParams) {
		const result = await this.inner.fail(this.#fix(params));
		this.#remember(result.next);
		return result;
	}
	override async release(params: SettleParams) {
		const result = await this.inner.release(this.#fix(params));
		this.#remember(result.next);
		return result;
	}
	override extend(params: ExtendParams) {
		return this.inner.extend({ ...params, leases: params.leases.map((ref) => this.#fix(ref)) });
	}
}

/** Accepts delayed jobs and drops them on the floor. */
class DelayedForgetting extends Forwarding {
	#fake = 0;
	override async add(jobs: readonly NewJob[]) {
		const isDelayed = (j: NewJob) =>
			(j.delay ?? 0) > 0 || (j.runAt !== undefined && j.runAt > this.clock.now());
		const kept = await this.inner.add(jobs.filter((j) => !isDelayed(j)));
		return jobs.map((j) =>
			isDelayed(j) ? { id: `forgotten-${++this.#fake}`, created: true } : kept.shift()!,
		);
	}
}

/** Acks instead of retrying: the job is gone. */
class RetryLosing extends Forwarding {
	override retry(params: RetryParams) {
		return this.inner.ack({ id: params.id, token: params.token, reserve: params.reserve });
	}
}

/** Enqueues each batch back to front. */
class BatchReversing extends Forwarding {
	override async add(jobs: readonly NewJob[]) {
		return (await this.inner.add(jobs.toReversed())).reverse();
	}
}

/** Reports a renewal but renews for one millisecond: the sweep takes a renewed job. */
class RenewalFaking extends Forwarding {
	override extend(params: ExtendParams) {
		return this.inner.extend({ ...params, leaseMs: 1 });
	}
}

/** Counts one dead job too few. */
class StatsMiscounting extends Forwarding {
	override async stats() {
		const stats = await this.inner.stats();
		return { ...stats, dead: Math.max(0, stats.dead - 1) };
	}
}

/** Close does nothing: the store keeps working. */
class NeverClosing extends Forwarding {
	override async close() {}
}

/** Release puts the job at the tail as a retry would, keeping the attempt. */
class ReleaseRetrying extends Forwarding {
	override release(params: SettleParams) {
		return this.inner.retry({ ...params, delay: 0, error: { message: "released" } });
	}
}

/** Parses and re-serializes payloads, as a store that "normalizes" JSON would. */
class PayloadReserializing extends Forwarding {
	override add(jobs: readonly NewJob[]) {
		return this.inner.add(
			jobs.map((j) => ({ ...j, payload: JSON.stringify(JSON.parse(j.payload)) })),
		);
	}
}

/** Sweeps far more than asked. */
class SweepLimitIgnoring extends Forwarding {
	override sweep(_params: SweepParams) {
		return this.inner.sweep({ limit: 1_000 });
	}
}

/** Waits out its timeout and never wakes early for a job. */
class Sleeping extends Forwarding {
	override async waitForJob({ timeoutMs, signal }: WaitForJobParams) {
		await this.inner.stats(); // rejects once closed, like the real one
		if (signal.aborted) return;
		await new Promise<void>((resolve) => {
			const timer = this.clock.setTimeout(resolve, timeoutMs);
			signal.addEventListener("abort", () => {
				this.clock.clearTimeout(timer);
				resolve();
			});
		});
	}
}

/** Declares jobIds but drops the option: every add creates a job under a fresh id. */
class JobIdIgnoring extends Forwarding {
	override add(jobs: readonly NewJob[]) {
		return this.inner.add(jobs.map(({ jobId: _, ...job }) => job));
	}
}

/** Declares unique but drops the option: nothing is ever deduplicated. */
class UniqueIgnoring extends Forwarding {
	override add(jobs: readonly NewJob[]) {
		return this.inner.add(jobs.map(({ unique: _, ...job }) => job));
	}
}

/** Treats `onConflict: "replace"` as "keep": the holder never gets the new data. */
class ReplaceIgnoring extends Forwarding {
	override add(jobs: readonly NewJob[]) {
		return this.inner.add(
			jobs.map((job) =>
				job.unique ? { ...job, unique: { ...job.unique, onConflict: "keep" } } : job,
			),
		);
	}
}

/** Reports every job it finds as ready. */
class StateHiding extends Forwarding {
	override async getJob(id: string) {
		const record = await this.inner.getJob(id);
		return record && { ...record, state: "ready" as const };
	}
}

/** Lists every page newest first. */
class PageReversing extends Forwarding {
	override async listJobs(params: ListJobsParams) {
		const page = await this.inner.listJobs(params);
		return { ...page, jobs: page.jobs.toReversed() };
	}
}

/** Says it removed a job but leaves it where it was. */
class RemoveFaking extends Forwarding {
	override async removeJob(id: string) {
		const record = await this.inner.getJob(id);
		if (!record) return { removed: false };
		if (record.state === "active") return this.inner.removeJob(id);
		return { removed: true, state: record.state };
	}
}

/** Keeps completed jobs but drops the handler's result. */
class ResultDropping extends Forwarding {
	override async ack(params: AckParams) {
		const { result: _dropped, ...rest } = params;
		return this.inner.ack(rest);
	}
}

/** Keeps every completed job, whatever count or age the ack asks for. */
class TrimIgnoring extends Forwarding {
	override async ack(params: AckParams) {
		return this.inner.ack(params.keep ? { ...params, keep: {} } : params);
	}
}

/** Writes progress with the current token, whatever token the caller presented. */
class StaleProgressWriting extends Forwarding {
	readonly #tokens = new Map<string, string>();
	override async reserve(params: ReserveParams) {
		const leased = await this.inner.reserve(params);
		for (const j of leased) this.#tokens.set(j.id, j.token);
		return leased;
	}
	override progress(params: ProgressParams) {
		return this.inner.progress({ ...params, token: this.#tokens.get(params.id) ?? params.token });
	}
}

/** Hands out each page of events newest first. */
class EventReversing extends Forwarding {
	override async readEvents(params: ReadEventsParams) {
		const page = await this.inner.readEvents(params);
		return { ...page, events: [...page.events].reverse() };
	}
}

/** Never hands out `completed` events. */
class CompletionHiding extends Forwarding {
	override async readEvents(params: ReadEventsParams) {
		const page = await this.inner.readEvents(params);
		return { ...page, events: page.events.filter((e) => e.type !== "completed") };
	}
}

/** Says it is paused, and goes on leasing from reserve. */
class PauseIgnoring extends Forwarding {
	#paused = false;
	override async pause() {
		this.#paused = true;
	}
	override async resume() {
		this.#paused = false;
	}
	override async isPaused() {
		return this.#paused;
	}
}

/** Pauses reserve, but a settle's reserve still leases while paused. */
class SettleNextLeasingWhilePaused extends Forwarding {
	override async ack(params: AckParams) {
		if (!params.reserve || !(await this.inner.isPaused())) return this.inner.ack(params);
		await this.inner.resume();
		try {
			return await this.inner.ack(params);
		} finally {
			await this.inner.pause();
		}
	}
}

/** A pause toggles: pausing a paused queue resumes it. */
class PauseToggling extends Forwarding {
	override async pause() {
		if (await this.inner.isPaused()) return this.inner.resume();
		return this.inner.pause();
	}
}

/** Never wakes a worker that went idle while the queue was paused. */
class ResumeNotWaking extends Forwarding {
	override async waitForJob(params: WaitForJobParams) {
		if (!(await this.inner.isPaused())) return this.inner.waitForJob(params);
		await new Promise<void>((resolve) => {
			const timer = this.clock.setTimeout(resolve, params.timeoutMs);
			params.signal.addEventListener("abort", () => {
				this.clock.clearTimeout(timer);
				resolve();
			});
		});
	}
}

/** Stores every job with no priority: plain FIFO. */
class PriorityIgnoring extends Forwarding {
	override add(jobs: readonly NewJob[]) {
		return this.inner.add(jobs.map(({ priority: _, ...job }) => job));
	}
}

/** Runs the highest priority first (the direction flipped). */
class PriorityFlipping extends Forwarding {
	override add(jobs: readonly NewJob[]) {
		return this.inner.add(
			jobs.map((job) => ({ ...job, priority: MAX_PRIORITY - (job.priority ?? 0) })),
		);
	}
}

/** A delayed job loses its priority: it falls due into the default line. */
class DelayedPriorityDropping extends Forwarding {
	override add(jobs: readonly NewJob[]) {
		return this.inner.add(
			jobs.map(({ priority, ...job }) =>
				job.delay || job.runAt !== undefined ? job : { ...job, priority },
			),
		);
	}
}

/** A reserve takes from one line only, however many jobs it was asked for. */
class OneLinePerReserve extends Forwarding {
	readonly #priorities = new Map<string, number>();
	override async add(jobs: readonly NewJob[]) {
		const results = await this.inner.add(jobs);
		for (const [i, r] of results.entries()) this.#priorities.set(r.id, jobs[i]!.priority ?? 0);
		return results;
	}
	override async reserve(params: ReserveParams) {
		const leased = await this.inner.reserve(params);
		const first = leased[0] && this.#priorities.get(leased[0].id);
		const cut = leased.findIndex((job) => this.#priorities.get(job.id) !== first);
		if (cut === -1) return leased;
		for (const job of leased.slice(cut).reverse()) await this.inner.release(job);
		return leased.slice(0, cut);
	}
}

/** Lists ready jobs in add order, whatever their priorities. */
class ReadyListingByAdd extends Forwarding {
	override async listJobs(params: ListJobsParams) {
		if (params.state !== "ready") return this.inner.listJobs(params);
		const all = await this.inner.listJobs({ state: "ready", limit: 1_000 });
		const sorted = all.jobs.sort((a, b) => a.addedAt - b.addedAt || Number(a.id) - Number(b.id));
		const offset = params.offset ?? 0;
		return { jobs: sorted.slice(offset, offset + (params.limit ?? 100)), total: all.total };
	}
}

/** A replacing add keeps the holder's old priority. */
class ReplaceKeepingPriority extends Forwarding {
	readonly #keys = new Set<string>();
	override add(jobs: readonly NewJob[]) {
		return this.inner.add(
			jobs.map(({ priority, ...job }) => {
				const key = job.unique?.onConflict === "replace" ? job.unique.key : undefined;
				if (key !== undefined && this.#keys.has(key)) return job;
				if (key !== undefined) this.#keys.add(key);
				return { ...job, priority };
			}),
		);
	}
}

/** A settle's reserve leases past the rate limit (the limit is only checked by reserve). */
class SettleNextIgnoringRateLimit extends Forwarding {
	override async ack(params: AckParams) {
		const limit = await this.inner.getRateLimit();
		if (!params.reserve || !limit) return this.inner.ack(params);
		await this.inner.setRateLimit(null);
		try {
			return await this.inner.ack(params);
		} finally {
			await this.inner.setRateLimit(limit);
		}
	}
}

/** Counts starts in fixed windows (`floor(now / duration)`) instead of a sliding one. */
class FixedWindowRate extends Forwarding {
	#limit: RateLimit | null = null;
	#window = -1;
	#count = 0;
	override async setRateLimit(limit: RateLimit | null) {
		this.#limit = limit && { ...limit };
	}
	override async getRateLimit() {
		return this.#limit;
	}
	override async reserve(params: ReserveParams) {
		const limit = this.#limit;
		if (!limit) return this.inner.reserve(params);
		const window = Math.floor(this.clock.now() / limit.duration);
		if (window !== this.#window) [this.#window, this.#count] = [window, 0];
		const allowed = Math.min(params.limit, limit.max - this.#count);
		if (allowed <= 0) return [];
		const leased = await this.inner.reserve({ ...params, limit: allowed });
		this.#count += leased.length;
		return leased;
	}
}

/** Drops a release's limitFor. */
class LimitForIgnoring extends Forwarding {
	override release({ limitFor: _, ...params }: ReleaseParams) {
		return this.inner.release(params);
	}
}

/** A later limitFor replaces an earlier one, even a longer one. */
class LimitForOverwriting extends Forwarding {
	#until = 0;
	override async release({ limitFor, ...params }: ReleaseParams) {
		const result = await this.inner.release(params);
		if (result.ok && limitFor !== undefined) this.#until = this.clock.now() + limitFor;
		return result;
	}
	override async reserve(params: ReserveParams) {
		return this.clock.now() < this.#until ? [] : this.inner.reserve(params);
	}
}

/** A release with limitFor retries the job after that long, counting the attempt. */
class LimitForCountingAttempt extends Forwarding {
	override release({ limitFor, ...params }: ReleaseParams) {
		if (limitFor === undefined) return this.inner.release(params);
		return this.inner.retry({ ...params, delay: limitFor, error: { message: "rate limited" } });
	}
}

/** A settle's reserve leases past the global concurrency. */
class SettleNextIgnoringConcurrency extends Forwarding {
	override async ack(params: AckParams) {
		const max = await this.inner.getGlobalConcurrency();
		if (!params.reserve || max === null) return this.inner.ack(params);
		await this.inner.setGlobalConcurrency(null);
		try {
			return await this.inner.ack(params);
		} finally {
			await this.inner.setGlobalConcurrency(max);
		}
	}
}

/** Lets one job more run than the global concurrency says. */
class ConcurrencyOffByOne extends Forwarding {
	override setGlobalConcurrency(max: number | null) {
		return this.inner.setGlobalConcurrency(max === null ? null : max + 1);
	}
	override async getGlobalConcurrency() {
		const max = await this.inner.getGlobalConcurrency();
		return max === null ? null : max - 1;
	}
}

/** Frees the slots of expired leases on every reserve, before any sweep recovered them. */
class ExpiredSlotsFreeing extends Forwarding {
	override async reserve(params: ReserveParams) {
		await this.inner.sweep({ limit: 1_000 });
		return this.inner.reserve(params);
	}
}

/** Stores every job without its group: one FIFO for all. */
class GroupIgnoring extends Forwarding {
	override add(jobs: readonly NewJob[]) {
		return this.inner.add(jobs.map(({ group: _, ...job }) => job));
	}
}

/** Says it keeps group limits, and never applies them. */
class GroupLimitsIgnoring extends Forwarding {
	#limits: GroupLimits | null = null;
	override async setGroupLimits(limits: GroupLimits | null) {
		this.#limits = limits;
	}
	override async getGroupLimits() {
		return this.#limits;
	}
}

/** Applies a group's concurrency but not its rate limit. */
class GroupRateIgnoring extends Forwarding {
	#limits: GroupLimits | null = null;
	override async setGroupLimits(limits: GroupLimits | null) {
		this.#limits = limits;
		const concurrency = limits?.concurrency;
		return this.inner.setGroupLimits(concurrency === undefined ? null : { concurrency });
	}
	override async getGroupLimits() {
		return this.#limits;
	}
}

/** Pausing a group pauses the whole queue. */
class GroupPausePausingAll extends Forwarding {
	readonly #paused = new Set<string>();
	override async pauseGroup(group: string) {
		this.#paused.add(group);
		return this.inner.pause();
	}
	override async resumeGroup(group: string) {
		this.#paused.delete(group);
		if (this.#paused.size === 0) await this.inner.resume();
	}
	override async isGroupPaused(group: string) {
		return this.#paused.has(group);
	}
}

/** Remembers which groups are paused, and leases their jobs all the same. */
class GroupPauseIgnoring extends Forwarding {
	readonly #paused = new Set<string>();
	override async pauseGroup(group: string) {
		this.#paused.add(group);
	}
	override async resumeGroup(group: string) {
		this.#paused.delete(group);
	}
	override async isGroupPaused(group: string) {
		return this.#paused.has(group);
	}
}

/** A settle's reserve leases past a group's concurrency. */
class SettleNextIgnoringGroupLimits extends Forwarding {
	override async ack(params: AckParams) {
		const limits = await this.inner.getGroupLimits();
		if (!params.reserve || !limits) return this.inner.ack(params);
		await this.inner.setGroupLimits(null);
		try {
			return await this.inner.ack(params);
		} finally {
			await this.inner.setGroupLimits(limits);
		}
	}
}

/** Leases jobs without saying which group they belong to. */
class LeaseGroupHiding extends Forwarding {
	override async reserve(params: ReserveParams) {
		return (await this.inner.reserve(params)).map(({ group: _, ...leased }) => leased);
	}
}

/** One broken store, and a test of the contract that must catch it. */
export interface BrokenVariant {
	readonly name: string;
	/** Part of the title of a contract test that must fail against this variant. */
	readonly caughtBy: string;
	create(clock: Clock): JobStore;
}

/** The working store, run alongside the broken ones: it must pass everything. */
export const CONTROL = {
	name: "control: MemoryJobStore as shipped",
	create: (clock: Clock): JobStore => new MemoryJobStore({ clock, events: true }),
};

/** Every broken variant. */
export const VARIANTS: readonly BrokenVariant[] = [
	{
		name: "ignores groups",
		caughtBy:
			"serves the groups in turn: one job of each before a second of any, jobs without a group as one more",
		create: (clock) => new GroupIgnoring(clock),
	},
	{
		name: "never applies group limits",
		caughtBy:
			"caps the jobs of one group active at once, through reserve and a settle's reserve, while the others go on",
		create: (clock) => new GroupLimitsIgnoring(clock),
	},
	{
		name: "ignores a group's rate limit",
		caughtBy: "rate-limits each group on its own, in a sliding window",
		create: (clock) => new GroupRateIgnoring(clock),
	},
	{
		name: "pauses the whole queue for one group",
		caughtBy: "pauses one group while the others go on, and resumes it in its turn",
		create: (clock) => new GroupPausePausingAll(clock),
	},
	{
		name: "leases the jobs of a paused group",
		caughtBy: "pauses one group while the others go on, and resumes it in its turn",
		create: (clock) => new GroupPauseIgnoring(clock),
	},
	{
		name: "leases past a group's concurrency through a settle",
		caughtBy:
			"caps the jobs of one group active at once, through reserve and a settle's reserve, while the others go on",
		create: (clock) => new SettleNextIgnoringGroupLimits(clock),
	},
	{
		name: "hides the group of a lease",
		caughtBy:
			"shows the group with each lease and in getJob, and lists ready jobs without a group first, then group by group",
		create: (clock) => new LeaseGroupHiding(clock),
	},
	{
		name: "frees expired leases' group slots before a sweep",
		caughtBy: "holds a group's slot for an expired lease until a sweep recovers it",
		create: (clock) => new ExpiredSlotsFreeing(clock),
	},
	{
		name: "leases past the rate limit through a settle",
		caughtBy:
			"leases at most max jobs in a window, through reserve and a settle's reserve, and more once it passed",
		create: (clock) => new SettleNextIgnoringRateLimit(clock),
	},
	{
		name: "counts the rate in fixed windows",
		caughtBy:
			"slides: a start leaves the window duration ms after it was made, not at a fixed boundary",
		create: (clock) => new FixedWindowRate(clock),
	},
	{
		name: "ignores limitFor",
		caughtBy:
			"a release with limitFor hands the job back uncounted and leases nothing until it passed",
		create: (clock) => new LimitForIgnoring(clock),
	},
	{
		name: "lets a shorter limitFor replace a longer one",
		caughtBy: "does not let a shorter limitFor cut a longer one short",
		create: (clock) => new LimitForOverwriting(clock),
	},
	{
		name: "counts the attempt of a rate-limited release",
		caughtBy:
			"a release with limitFor hands the job back uncounted and leases nothing until it passed",
		create: (clock) => new LimitForCountingAttempt(clock),
	},
	{
		name: "leases past the global concurrency through a settle",
		caughtBy: "leases no more than max at once, through reserve and a settle's reserve",
		create: (clock) => new SettleNextIgnoringConcurrency(clock),
	},
	{
		name: "lets one job more run than the global concurrency",
		caughtBy: "leases no more than max at once, through reserve and a settle's reserve",
		create: (clock) => new ConcurrencyOffByOne(clock),
	},
	{
		name: "frees expired leases' slots before a sweep",
		caughtBy: "holds an expired lease's slot until a sweep recovers it",
		create: (clock) => new ExpiredSlotsFreeing(clock),
	},
	{
		name: "ignores priorities",
		caughtBy: "leases lower priorities first, each line in add order, no priority before any",
		create: (clock) => new PriorityIgnoring(clock),
	},
	{
		name: "runs the highest priority first",
		caughtBy: "leases lower priorities first, each line in add order, no priority before any",
		create: (clock) => new PriorityFlipping(clock),
	},
	{
		name: "drops a delayed job's priority",
		caughtBy: "promotes a delayed job and a retry into their own lines when they fall due",
		create: (clock) => new DelayedPriorityDropping(clock),
	},
	{
		name: "takes from one line per reserve",
		caughtBy: "leases lower priorities first, each line in add order, no priority before any",
		create: (clock) => new OneLinePerReserve(clock),
	},
	{
		name: "lists ready jobs in add order",
		caughtBy: "shows a job's priority in getJob, and lists ready jobs line by line",
		create: (clock) => new ReadyListingByAdd(clock),
	},
	{
		name: "keeps a replaced holder's priority",
		caughtBy: "gives a ready holder a replacing add's priority, moving it to the tail of that line",
		create: (clock) => new ReplaceKeepingPriority(clock),
	},
	{
		name: "ignores pause in reserve",
		caughtBy: "leases nothing while paused, through reserve or a settle's reserve, and add goes on",
		create: (clock) => new PauseIgnoring(clock),
	},
	{
		name: "leases through a settle while paused",
		caughtBy: "leases nothing while paused, through reserve or a settle's reserve, and add goes on",
		create: (clock) => new SettleNextLeasingWhilePaused(clock),
	},
	{
		name: "toggles on a second pause",
		caughtBy: "is idempotent: pausing twice stays paused, resuming twice stays resumed",
		create: (clock) => new PauseToggling(clock),
	},
	{
		name: "does not wake on resume",
		caughtBy:
			"does not wake an idle worker for ready jobs while paused (it would spin), and wakes it on resume",
		create: (clock) => new ResumeNotWaking(clock),
	},
	{
		name: "drops results",
		caughtBy: "keeps an acked job as completed, with its result byte for byte and when it finished",
		create: (clock) => new ResultDropping(clock),
	},
	{
		name: "keeps every completed job",
		caughtBy: "keeps only the newest `count` completed jobs, in completion order",
		create: (clock) => new TrimIgnoring(clock),
	},
	{
		name: "writes stale progress",
		caughtBy: "refuses progress with a stale token and writes nothing",
		create: (clock) => new StaleProgressWriting(clock),
	},
	{
		name: "reverses events",
		caughtBy: "pages through events after a cursor, each event once, in order",
		create: (clock) => new EventReversing(clock),
	},
	{
		name: "hides completed events",
		caughtBy:
			"tells a job's life in order: active, progress, retrying with its error and due time, completed with its result",
		create: (clock) => new CompletionHiding(clock),
	},
	{
		name: "hands a job to two reservers",
		caughtBy: "leases a ready job to exactly one of many concurrent reservers",
		create: (clock) => new DoubleLeasing(clock),
	},
	{
		name: "ignores tokens",
		caughtBy: "ack with a wrong token on a live lease changes nothing and reports it",
		create: (clock) => new TokenIgnoring(clock),
	},
	{
		name: "forgets delayed jobs",
		caughtBy: "keeps a job with a delay out of reach until it is due",
		create: (clock) => new DelayedForgetting(clock),
	},
	{
		name: "loses a job on retry",
		caughtBy: "retry puts the job back as delayed until its delay has passed",
		create: (clock) => new RetryLosing(clock),
	},
	{
		name: "reorders ready jobs",
		caughtBy: "keeps first in, first out order within and across batches when limit > 1",
		create: (clock) => new BatchReversing(clock),
	},
	{
		name: "lets the sweep take renewed leases",
		caughtBy: "never re-queues a lease that was renewed and is still live",
		create: (clock) => new RenewalFaking(clock),
	},
	{
		name: "miscounts stats by one",
		caughtBy: "follows a job through every kind of transition",
		create: (clock) => new StatsMiscounting(clock),
	},
	{
		name: "keeps working after close",
		caughtBy: "reserve rejects with StoreClosedError (JOBS_STORE_CLOSED) after close",
		create: (clock) => new NeverClosing(clock),
	},
	{
		name: "releases to the tail and keeps the attempt",
		caughtBy: "release hands the job back to the head of ready",
		create: (clock) => new ReleaseRetrying(clock),
	},
	{
		name: "re-serializes payloads",
		caughtBy: "round-trips whitespace, key order and number spelling as written byte for byte",
		create: (clock) => new PayloadReserializing(clock),
	},
	{
		name: "ignores the sweep limit",
		caughtBy: "recovers at most limit jobs per call",
		create: (clock) => new SweepLimitIgnoring(clock),
	},
	{
		name: "ignores jobId",
		caughtBy: "reports an id that exists (ready) as existing, and changes nothing",
		create: (clock) => new JobIdIgnoring(clock),
	},
	{
		name: "ignores unique",
		caughtBy: "creates one job for two adds of one key, and resolves the holder's id to the second",
		create: (clock) => new UniqueIgnoring(clock),
	},
	{
		name: "treats replace as keep",
		caughtBy: "replace gives a ready holder the new payload, keeping its id and its place in line",
		create: (clock) => new ReplaceIgnoring(clock),
	},
	{
		name: "reports every job as ready",
		caughtBy: "finds a delayed job with its due time",
		create: (clock) => new StateHiding(clock),
	},
	{
		name: "lists pages newest first",
		caughtBy: "lists ready jobs next-to-run first, in pages, with the total",
		create: (clock) => new PageReversing(clock),
	},
	{
		name: "fakes removals",
		caughtBy: "removes a ready job and keeps the others in order",
		create: (clock) => new RemoveFaking(clock),
	},
	{
		name: "never wakes a waiting worker",
		caughtBy: "resolves when a job becomes ready through add",
		create: (clock) => new Sleeping(clock),
	},
];
