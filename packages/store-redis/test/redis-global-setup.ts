/**
 * Finds a Redis for the `store-redis` project in DESIGN's order (`@jobs/test-support`'s
 * redisGlobalSetup: `REDIS_URL`, a spawned `redis-server`, testcontainers, else one loud skip
 * line or, with `JOBS_REQUIRE_REDIS=1`, a failure), and tells the tests whether they may spawn
 * servers of their own.
 */
import { redisGlobalSetup } from "@jobs/test-support";
import type { TestProject } from "vitest/node";
import { hasBinary, REDIS_SERVER } from "./support/redis-cli.js";

declare module "vitest" {
	export interface ProvidedContext {
		/** Whether tests may spawn their own `redis-server` (fault tests stop and start one). */
		canSpawnRedis: boolean;
	}
}

const findRedis = redisGlobalSetup("store-redis");

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
	project.provide("canSpawnRedis", hasBinary(REDIS_SERVER));
	return findRedis(project);
}
