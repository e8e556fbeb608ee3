/**
 * Retry delays. A backoff maps the attempt that just failed (1-based) to milliseconds.
 * @module
 */

/** Delay in milliseconds before retrying after attempt number `attempt` (1-based) failed. */
export type Backoff = (attempt: number) => number;

/** Options of {@link exponentialBackoff}. */
export interface ExponentialBackoffOptions {
	/** Delay after the first failure, in ms. Default 1000. */
	base?: number;
	/** Growth per attempt. Default 2. */
	factor?: number;
	/** Upper bound of any delay, jitter included, in ms. Default 3,600,000 (one hour). */
	max?: number;
	/** Relative spread: the delay is scaled by a random factor in [1 - jitter, 1 + jitter]. Default 0.2. */
	jitter?: number;
	/** Source of randomness in [0, 1). Default `Math.random`. */
	random?: () => number;
}

/**
 * Exponential backoff with jitter and a cap: `base * factor^(attempt - 1)`, spread by ±`jitter`
 * so that jobs failing together do not retry together, never above `max`.
 * @example
 * queue.handle('charge', charge, { backoff: exponentialBackoff({ base: 2_000, max: 60_000 }) });
 */
export function exponentialBackoff(options: ExponentialBackoffOptions = {}): Backoff {
	const { base = 1_000, factor = 2, max = 3_600_000, jitter = 0.2, random = Math.random } = options;
	return (attempt) => {
		const raw = base * factor ** Math.max(0, attempt - 1);
		const spread = 1 - jitter + 2 * jitter * random();
		return Math.round(Math.min(max, raw * spread));
	};
}

/** The default backoff: exponential from 1 s, ±20% jitter, capped at one hour. */
export const defaultBackoff: Backoff = exponentialBackoff();
