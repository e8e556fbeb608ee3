/**
 * Pure numeric helpers: medians, percentiles, ratios. No I/O, so the report generator and its
 * smoke test can use them without Redis.
 */

/** Median of the finite numbers in `values`; `undefined` when there are none. */
export function median(values) {
	const xs = values
		.filter((v) => typeof v === "number" && Number.isFinite(v))
		.sort((a, b) => a - b);
	if (xs.length === 0) return undefined;
	const mid = xs.length >> 1;
	return xs.length % 2 === 1 ? xs[mid] : (xs[mid - 1] + xs[mid]) / 2;
}

/**
 * Percentile `p` (0..100) of an ascending-sorted array, nearest-rank method (the value at rank
 * ceil(p/100 * n)), so p100 is the max and every reported value is one that was observed.
 */
export function percentileSorted(sorted, p) {
	if (sorted.length === 0) return undefined;
	const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
	return sorted[Math.min(rank, sorted.length) - 1];
}

/** p50/p95/p99/max/mean of latency samples (ms). */
export function latencySummary(samples) {
	const sorted = Float64Array.from(samples).sort();
	const n = sorted.length;
	let sum = 0;
	for (const v of sorted) sum += v;
	return {
		n,
		mean: n ? sum / n : undefined,
		p50: percentileSorted(sorted, 50),
		p95: percentileSorted(sorted, 95),
		p99: percentileSorted(sorted, 99),
		max: n ? sorted[n - 1] : undefined,
	};
}

/** `a / b`, or `undefined` when either is missing or `b` is 0. */
export function ratio(a, b) {
	if (
		typeof a !== "number" ||
		typeof b !== "number" ||
		!Number.isFinite(a) ||
		!Number.isFinite(b)
	) {
		return undefined;
	}
	if (b === 0) return undefined;
	return a / b;
}

/** Reads a dotted path (`"latency.p99"`) from an object. */
export function pick(object, path) {
	let value = object;
	for (const key of path.split(".")) {
		if (value === undefined || value === null) return undefined;
		value = value[key];
	}
	return value;
}
