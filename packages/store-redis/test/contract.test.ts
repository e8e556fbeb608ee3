import { describeJobStoreContract } from "@jobs/store-contract";
import { Redis } from "ioredis";
import { afterAll, describe, inject, it } from "vitest";
import { connectHarness } from "./support/harness.js";

const url = inject("redisUrl");

if (url) {
	const admin = new Redis(url);
	afterAll(() => admin.quit());
	describeJobStoreContract("RedisJobStore", { createHarness: () => connectHarness(url, admin) });
	// Events on: the same contract, and the events group, with scripts made to write events.
	describeJobStoreContract("RedisJobStore with events", {
		createHarness: () => connectHarness(url, admin, { events: { maxLen: 1_000 } }),
	});
} else {
	describe.skip("RedisJobStore contract (no Redis)", () => {
		it("needs a Redis server", () => {});
	});
}
