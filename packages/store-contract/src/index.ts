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
import type { JobStore } from "@jobs/core";
import { describe } from "vitest";
import type { ContractOptions } from "./harness.js";
import { addContract } from "./suites/add.js";
import { attemptsContract } from "./suites/attempts.js";
import { closeContract } from "./suites/close.js";
import { deadLetterContract } from "./suites/dead-letter.js";
import { delayedContract } from "./suites/delayed.js";
import { leaseContract } from "./suites/leases.js";
import { payloadContract } from "./suites/payload.js";
import { reserveContract } from "./suites/reserve.js";
import { settleContract } from "./suites/settle.js";
import { statsContract } from "./suites/stats.js";
import { sweepContract } from "./suites/sweep.js";
import { waitForJobContract } from "./suites/wait-for-job.js";

export type { ContractHarness, ContractOptions } from "./harness.js";
export {
	addContract,
	attemptsContract,
	closeContract,
	deadLetterContract,
	delayedContract,
	leaseContract,
	payloadContract,
	reserveContract,
	settleContract,
	statsContract,
	sweepContract,
	waitForJobContract,
};

/** Every group, in the order {@link describeJobStoreContract} registers them. */
export const contractGroups: readonly ((options: ContractOptions) => void)[] = [
	addContract,
	reserveContract,
	delayedContract,
	leaseContract,
	settleContract,
	sweepContract,
	attemptsContract,
	deadLetterContract,
	statsContract,
	closeContract,
	waitForJobContract,
	payloadContract,
];

/**
 * Registers the whole {@link JobStore} contract under `describe(name)`: one `describe` per group,
 * one fresh harness per test (closed after it). Call it at the top level of a vitest file.
 */
export function describeJobStoreContract(name: string, options: ContractOptions): void {
	describe(name, () => {
		for (const group of contractGroups) group(options);
	});
}
