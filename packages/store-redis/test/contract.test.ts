import { describeJobStoreContract } from "@jobs/store-contract";
import { Redis } from "ioredis";
import { afterAll, describe, inject, it } from "vitest";
import { connectHarness } from "./support/harness.js";

const url = inject("redisUrl");

if (url) {
	const admin = new Redis(url);
	afterAll(() => admin.quit());
	describeJobStoreContract("RedisJobStore", { createHarness: () => connectHarness(url, admin) });
} else {
	describe.skip("RedisJobStore contract (no Redis)", () => {
		it("needs a Redis server", () => {});
	});
}
