/**
 * `@jobs/store-contract`: the tests every {@link JobStore} must pass, as one vitest call. A store
 * author runs it from their own test file with a factory for fresh, isolated stores.
 *
 * @example
 * import { describeJobStoreContract } from "@jobs/store-contract";
 *
 * describeJobStoreContract("MyStore", {
 *   async createHarness() {
 *     const store = await MyStore.connect({ namespace: crypto.randomUUID() });
 *     return { store, elapse: (ms) => new Promise((r) => setTimeout(r, ms)) };
 *   },
 * });
 * @module
 */
import type { Capability, JobStore } from "@jobs/core";
import { describe, it } from "vitest";
import type { ContractOptions } from "./harness.js";
import { addContract } from "./suites/add.js";
import { attemptsContract } from "./suites/attempts.js";
import { capabilitiesContract } from "./suites/capabilities.js";
import { closeContract } from "./suites/close.js";
import { deadLetterContract } from "./suites/dead-letter.js";
import { delayedContract } from "./suites/delayed.js";
import { eventsContract } from "./suites/events.js";
import { globalConcurrencyContract } from "./suites/global-concurrency.js";
import { groupsContract } from "./suites/groups.js";
import { jobIdsContract } from "./suites/job-ids.js";
import { leaseContract } from "./suites/leases.js";
import { lookupContract } from "./suites/lookup.js";
import { pauseContract } from "./suites/pause.js";
import { payloadContract } from "./suites/payload.js";
import { prioritiesContract } from "./suites/priorities.js";
import { progressContract } from "./suites/progress.js";
import { rateLimitContract } from "./suites/rate-limit.js";
import { removeContract } from "./suites/remove.js";
import { reserveContract } from "./suites/reserve.js";
import { retentionContract } from "./suites/retention.js";
import { settleContract } from "./suites/settle.js";
import { statsContract } from "./suites/stats.js";
import { sweepContract } from "./suites/sweep.js";
import { uniqueContract } from "./suites/unique.js";
import { waitForJobContract } from "./suites/wait-for-job.js";

export type { ContractHarness, ContractOptions } from "./harness.js";
export {
	addContract,
	attemptsContract,
	capabilitiesContract,
	closeContract,
	deadLetterContract,
	delayedContract,
	eventsContract,
	globalConcurrencyContract,
	groupsContract,
	jobIdsContract,
	leaseContract,
	lookupContract,
	pauseContract,
	payloadContract,
	prioritiesContract,
	progressContract,
	rateLimitContract,
	removeContract,
	reserveContract,
	retentionContract,
	settleContract,
	statsContract,
	sweepContract,
	uniqueContract,
	waitForJobContract,
};

/** One group of the contract: the capability it belongs to (none: the base), and its tests. */
export interface ContractGroup {
	/** The group's name, as its `describe` reads. */
	readonly name: string;
	/** The capability a store must declare for the group to run; absent for the base contract. */
	readonly capability?: Capability;
	/** Registers the group's tests. */
	readonly register: (options: ContractOptions) => void;
}

/** Every group, in the order {@link describeJobStoreContract} registers them. */
export const contractGroups: readonly ContractGroup[] = [
	{ name: "add", register: addContract },
	{ name: "reserve", register: reserveContract },
	{ name: "delayed", register: delayedContract },
	{ name: "leases", register: leaseContract },
	{ name: "settle", register: settleContract },
	{ name: "sweep", register: sweepContract },
	{ name: "attempts", register: attemptsContract },
	{ name: "dead letter", register: deadLetterContract },
	{ name: "stats", register: statsContract },
	{ name: "close", register: closeContract },
	{ name: "payload", register: payloadContract },
	{ name: "capabilities", register: capabilitiesContract },
	{ name: "waitForJob", capability: "waitForJob", register: waitForJobContract },
	{ name: "job ids", capability: "jobIds", register: jobIdsContract },
	{ name: "unique jobs", capability: "unique", register: uniqueContract },
	{ name: "lookup", capability: "lookup", register: lookupContract },
	{ name: "remove", capability: "remove", register: removeContract },
	{ name: "retention", capability: "retention", register: retentionContract },
	{ name: "progress", capability: "progress", register: progressContract },
	{ name: "events", capability: "events", register: eventsContract },
	{ name: "pause", capability: "pause", register: pauseContract },
	{ name: "priorities", capability: "priorities", register: prioritiesContract },
	{ name: "rate limit", capability: "rateLimit", register: rateLimitContract },
	{
		name: "global concurrency",
		capability: "globalConcurrency",
		register: globalConcurrencyContract,
	},
	{ name: "groups", capability: "groups", register: groupsContract },
];

/**
 * Registers the whole {@link JobStore} contract under `describe(name)`: the base groups, and the
 * group of every capability the store declares in `store.capabilities` (read from one harness,
 * made and closed while the suite is collected). Each group a store does not declare shows as
 * one skipped line saying so. One fresh harness per test, closed after it. Call it at the top
 * level of a vitest file.
 */
export function describeJobStoreContract(name: string, options: ContractOptions): void {
	describe(name, async () => {
		const declared = await declaredCapabilities(options);
		for (const group of contractGroups) {
			if (!group.capability || declared[group.capability] === true) {
				group.register(options);
			} else {
				it.skip(
					`${group.name}: not run, the store does not declare the "${group.capability}" capability`,
				);
			}
		}
	});
}

async function declaredCapabilities(options: ContractOptions): Promise<JobStore["capabilities"]> {
	const harness = await options.createHarness();
	try {
		const declared = harness.store.capabilities;
		if (declared === null || typeof declared !== "object") {
			throw new TypeError(
				`store.capabilities must be an object (e.g. {} or { waitForJob: true }), got ${String(declared)}`,
			);
		}
		return { ...declared };
	} finally {
		await (harness.close ? harness.close() : harness.store.close());
	}
}
