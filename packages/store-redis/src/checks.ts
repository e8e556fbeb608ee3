/**
 * The parameter checks this store adds to `@jobs/core/store`'s: leases in whole milliseconds,
 * and dead-job selectors without repeated ids.
 * @module
 */

import { InvalidOptionError } from "@jobs/core";
import {
	checkDeadSelector,
	checkDuration,
	checkReserveParams,
	type DeadJobSelector,
	type ReserveParams,
} from "@jobs/core/store";

/** Checks reserve parameters: core's checks, plus a lease of at least 1 ms. */
export function checkReserve(option: string, params: ReserveParams): void {
	checkReserveParams(option, params);
	checkLeaseMs(`${option}.leaseMs`, params.leaseMs);
}

/** Leases are whole milliseconds in Lua (`%.0f`): below 1 ms one would expire at once. */
export function checkLeaseMs(option: string, value: unknown): void {
	if (checkDuration(option, value) < 1) {
		throw new InvalidOptionError(option, `must be at least 1 ms, got ${String(value)}`);
	}
}

/** The ids a checked selector names, each once, or `"all"`. */
export function selectedIds(selector: DeadJobSelector): readonly string[] | "all" {
	const ids = checkDeadSelector("selector", selector);
	return ids === "all" ? ids : [...new Set(ids)];
}
