import { randomUUID } from "node:crypto";
import { RedisJobStore } from "@jobs/store-redis";
import { describe, inject } from "vitest";
import { describeHonoAdapter } from "./adapter-suite.js";

const redisUrl = inject("redisUrl");

describe.skipIf(!redisUrl)("Redis", () => {
	describeHonoAdapter("Redis", {
		createStore: () =>
			RedisJobStore.connect({ url: redisUrl, prefix: `test-hono-${randomUUID()}` }),
		// Nothing listens on port 1: every call fails to connect.
		createUnreachableStore: () =>
			RedisJobStore.connect({ url: "redis://127.0.0.1:1", prefix: `test-hono-${randomUUID()}` }),
	});
});
