import type { JobStore } from "@jobs/core";

/**
 * One isolated store, created for one test. The suite creates a fresh harness before every test
 * and closes it after, so harnesses must never share jobs.
 */
export interface ContractHarness {
	/** The store under test, empty. */
	store: JobStore;
	/**
	 * Lets `ms` milliseconds of the store's time pass: advance a fake clock, or really wait for a
	 * store whose clock is real (Redis takes "now" from the server's `TIME`).
	 */
	elapse(ms: number): Promise<void>;
	/** Teardown after each test. Default: `store.close()`. */
	close?(): Promise<void>;
}

/** Options of {@link describeJobStoreContract} and of every group. */
export interface ContractOptions {
	/** Called once per test; must return an empty store no other test sees. */
	createHarness(): ContractHarness | Promise<ContractHarness>;
	/**
	 * Multiplies every duration the suite lets pass (lease lengths, delays, margins). The defaults
	 * (leases and delays of 200 ms, margins of 100 ms) keep a real-time store's run to a few
	 * seconds; raise it for a slow or remote backend. Default 1.
	 */
	timeScale?: number;
}
