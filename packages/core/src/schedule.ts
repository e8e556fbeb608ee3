/**
 * Schedules: when a recurring job's ticks fall, and which of them a ticker that runs at `now`
 * enqueues. Pure functions of a spec and times, so every process computes the same ticks and the
 * store decides, atomically, which process enqueues each (see `ScheduleCapable`).
 *
 * Cron expressions are read by croner (https://github.com/Hexagon/croner): well kept, no
 * dependencies, 5 or 6 fields (optional seconds), IANA time zones, and Vixie cron's DST rules,
 * which are the ones a user expects: a time skipped by a spring-forward runs at the first valid
 * time after the gap, and a time repeated by a fall-back runs once. cron-parser would do too; croner
 * won on having no dependency and on its DST rules being documented and tested against Vixie cron.
 * @module
 */

import { Cron } from "croner";
import { InvalidOptionError } from "./errors.js";

/** How a schedule meets ticks that passed while no process ran it (see {@link ScheduleSpec.catchUp}). */
export type CatchUp = "skip" | "once" | { readonly window: number };

/** When a schedule ticks: a cron expression or a fixed interval, and what it does with missed ticks. */
export interface ScheduleTiming {
	/**
	 * A cron expression: 5 fields (minute hour day-of-month month day-of-week), or 6 with seconds
	 * first; names (`MON`, `JAN`) and `@daily`-style nicknames are read. Exactly one of `cron` and
	 * `every`.
	 */
	readonly cron?: string;
	/**
	 * A fixed interval in ms (an integer ≥ 1): ticks at `anchor + k × every`, so they never drift
	 * however late each one is handled. Exactly one of `cron` and `every`.
	 */
	readonly every?: number;
	/** The IANA time zone a cron expression is read in (default `UTC`). Not with `every`. */
	readonly tz?: string;
	/**
	 * Missed ticks: those more than {@link ON_TIME_MS} in the past when a ticker first sees them,
	 * which only happens when no process ran the schedule for that long. `"skip"` (the default)
	 * enqueues none of them, `"once"` one job for the newest, `{ window }` one job for each that
	 * is at most `window` ms old (at most {@link MAX_CATCH_UP} of them).
	 */
	readonly catchUp?: CatchUp;
}

/**
 * How late a tick may be and still count as on time: a ticker that runs within this of a tick
 * enqueues it whatever the catch-up policy. Tickers run every second or so while a process is up,
 * so only a tick that passed while none was up is later than this.
 */
export const ON_TIME_MS = 30_000;

/** The most missed ticks one catch-up enqueues (`catchUp: { window }`). */
export const MAX_CATCH_UP = 1_000;

/** A checked timing: one of cron or every, a time zone for cron, a catch-up policy. */
export interface CheckedTiming {
	readonly cron?: string;
	readonly every?: number;
	readonly tz?: string;
	readonly catchUp: CatchUp;
}

/**
 * Checks a schedule's timing: exactly one of `cron` (parsable) and `every` (an integer ≥ 1), a
 * known IANA time zone for cron only, a known catch-up policy. Throws `InvalidOptionError` naming
 * the problem.
 */
export function checkScheduleTiming(option: string, timing: unknown): CheckedTiming {
	if (timing === null || typeof timing !== "object") {
		throw new InvalidOptionError(option, `must be an object, got ${String(timing)}`);
	}
	const { cron, every, tz, catchUp = "skip" } = timing as Record<string, unknown>;
	if ((cron === undefined) === (every === undefined)) {
		throw new InvalidOptionError(option, "needs exactly one of cron and every");
	}
	const checked: { cron?: string; every?: number; tz?: string; catchUp: CatchUp } = {
		catchUp: checkCatchUp(`${option}.catchUp`, catchUp),
	};
	if (cron !== undefined) {
		if (typeof cron !== "string" || cron.trim() === "") {
			throw new InvalidOptionError(`${option}.cron`, "must be a non-empty string");
		}
		const zone = tz === undefined ? "UTC" : checkTimeZone(`${option}.tz`, tz);
		try {
			new Cron(cron, { timezone: zone, paused: true });
		} catch (error) {
			const why = error instanceof Error ? error.message : String(error);
			throw new InvalidOptionError(`${option}.cron`, `"${cron}" is not a cron expression (${why})`);
		}
		checked.cron = cron;
		if (tz !== undefined) checked.tz = zone;
		return checked;
	}
	if (tz !== undefined) {
		throw new InvalidOptionError(`${option}.tz`, "applies to cron only, not to every");
	}
	if (typeof every !== "number" || !Number.isSafeInteger(every) || every < 1) {
		throw new InvalidOptionError(
			`${option}.every`,
			`must be an integer of ms ≥ 1, got ${String(every)}`,
		);
	}
	checked.every = every;
	return checked;
}

function checkTimeZone(option: string, tz: unknown): string {
	if (typeof tz !== "string" || tz === "") {
		throw new InvalidOptionError(option, "must be an IANA time zone name");
	}
	try {
		new Intl.DateTimeFormat("en-US", { timeZone: tz });
	} catch {
		throw new InvalidOptionError(option, `"${tz}" is not a known IANA time zone`);
	}
	return tz;
}

function checkCatchUp(option: string, catchUp: unknown): CatchUp {
	if (catchUp === "skip" || catchUp === "once") return catchUp;
	if (catchUp !== null && typeof catchUp === "object") {
		const { window, ...rest } = catchUp as Record<string, unknown>;
		if (
			Object.keys(rest).length === 0 &&
			typeof window === "number" &&
			Number.isSafeInteger(window) &&
			window >= 1
		) {
			return { window };
		}
	}
	throw new InvalidOptionError(
		option,
		`must be "skip", "once" or { window: ms ≥ 1 }, got ${JSON.stringify(catchUp)}`,
	);
}

/**
 * The ticks of `timing` strictly after `after` (epoch ms), at most `limit` of them, in order.
 * `anchor` is where an `every` schedule counts from (its creation).
 */
export function ticksAfter(
	timing: CheckedTiming,
	anchor: number,
	after: number,
	limit: number,
): number[] {
	const ticks: number[] = [];
	if (timing.every !== undefined) {
		const every = timing.every;
		let next =
			after < anchor ? anchor : anchor + (Math.floor((after - anchor) / every) + 1) * every;
		while (ticks.length < limit) {
			ticks.push(next);
			next += every;
		}
		return ticks;
	}
	const cron = cronOf(timing);
	let from = new Date(after);
	while (ticks.length < limit) {
		const next = cron.nextRun(from);
		if (!next) break;
		ticks.push(next.getTime());
		from = next;
	}
	return ticks;
}

/** The newest `limit` ticks of `timing` at or before `at` (epoch ms), oldest first. */
export function ticksUpTo(
	timing: CheckedTiming,
	anchor: number,
	at: number,
	limit: number,
): number[] {
	if (timing.every !== undefined) {
		if (at < anchor) return [];
		const last = Math.floor((at - anchor) / timing.every);
		const first = Math.max(0, last - limit + 1);
		const ticks: number[] = [];
		for (let k = first; k <= last; k++) ticks.push(anchor + k * timing.every);
		return ticks;
	}
	// croner counts whole seconds: runs before `at` + 1 s, less one after `at` if any.
	const ticks = cronOf(timing)
		.previousRuns(limit + 1, new Date(at + 1_000))
		.map((date) => date.getTime())
		.filter((t) => t <= at)
		.reverse();
	return ticks.slice(Math.max(0, ticks.length - limit));
}

/** The most ticks {@link dueTicks} counts one by one (a cron over a long outage): past it, "at least". */
const MAX_COUNTED = 100_000;

/** How many ticks fall in [`from`, `to`]: exact for `every`; for cron, walked up to {@link MAX_COUNTED}. */
function countTicks(timing: CheckedTiming, anchor: number, from: number, to: number): number {
	if (to < from) return 0;
	if (timing.every !== undefined) {
		const lo = Math.max(0, Math.ceil((from - anchor) / timing.every));
		const hi = Math.floor((to - anchor) / timing.every);
		return Math.max(0, hi - lo + 1);
	}
	let count = 0;
	for (let t: number | undefined = from - 1; count < MAX_COUNTED; count++) {
		t = ticksAfter(timing, anchor, t, 1)[0];
		if (t === undefined || t > to) break;
	}
	return count;
}

/** What a ticker does with a schedule at `now`: the ticks to enqueue, the next one, what it skipped. */
export interface DueTicks {
	/** The ticks to enqueue now, oldest first (one job each). */
	readonly fire: number[];
	/** The first tick after now: the schedule's next. `undefined`: it never ticks again. */
	readonly next: number | undefined;
	/** How many due ticks it does not enqueue (missed ones the catch-up policy drops). */
	readonly skipped: number;
}

/**
 * Which ticks of `timing` a ticker running at `now` enqueues, given `next`, the first tick not yet
 * enqueued (`anchor`: where an `every` schedule counts from): every tick up to {@link ON_TIME_MS}
 * old, and of the older ones (missed) what `catchUp` says: none (`"skip"`), the newest
 * (`"once"`), or those at most `window` ms old (`{ window }`), at most {@link MAX_CATCH_UP} in all.
 */
export function dueTicks(
	timing: CheckedTiming,
	anchor: number,
	next: number,
	now: number,
): DueTicks {
	if (next > now) return { fire: [], next, skipped: 0 };
	const policy = timing.catchUp;
	const onTimeFrom = now - ON_TIME_MS;
	const keepFrom =
		typeof policy === "object" ? Math.min(onTimeFrom, now - policy.window) : onTimeFrom;
	const fire = ticksUpTo(timing, anchor, now, MAX_CATCH_UP).filter(
		(t) => t >= next && t >= keepFrom,
	);
	let skipped = countTicks(timing, anchor, next, now) - fire.length;
	if (policy === "once" && next < keepFrom) {
		const [newestMissed] = ticksUpTo(timing, anchor, keepFrom - 1, 1);
		if (newestMissed !== undefined && newestMissed >= next) {
			fire.unshift(newestMissed);
			skipped--;
		}
	}
	return { fire, next: ticksAfter(timing, anchor, now, 1)[0], skipped };
}

/** The croner object of a cron timing. */
function cronOf(timing: CheckedTiming): Cron {
	return new Cron(timing.cron!, { timezone: timing.tz ?? "UTC", paused: true });
}
