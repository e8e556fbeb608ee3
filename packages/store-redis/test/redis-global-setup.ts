/**
 * Finds a Redis for the `store-redis` project, in DESIGN's order: `REDIS_URL`; else a
 * disposable `redis-server` on a free loopback port; else a testcontainers container; else
 * the suite skips with one loud line (a failure when `JOBS_REQUIRE_REDIS=1`).
 */
import type { TestProject } from "vitest/node";
import { hasBinary, REDIS_SERVER, startRedisServer } from "./support/redis-server.js";

declare module "vitest" {
	export interface ProvidedContext {
		/** `redis://…` of the server to use, or "" when there is none (the suite skips). */
		redisUrl: string;
		/** Whether tests may spawn their own `redis-server` (fault tests stop and start one). */
		canSpawnRedis: boolean;
	}
}

export default async function setup(
	project: TestProject,
): Promise<(() => Promise<void>) | undefined> {
	const canSpawn = hasBinary(REDIS_SERVER);
	project.provide("canSpawnRedis", canSpawn);
	if (process.env.REDIS_URL) {
		project.provide("redisUrl", process.env.REDIS_URL);
		return undefined;
	}
	const reasons: string[] = [];
	if (canSpawn) {
		try {
			const server = await startRedisServer();
			project.provide("redisUrl", server.url);
			return server.dispose;
		} catch (error) {
			reasons.push(`redis-server: ${(error as Error).message.split("\n")[0]}`);
		}
	} else {
		reasons.push(`${REDIS_SERVER} is not on PATH`);
	}
	try {
		// Dynamic import: a missing Docker must never crash the run.
		const { RedisContainer } = await import("@testcontainers/redis");
		const container = await new RedisContainer("redis:7-alpine").start();
		project.provide("redisUrl", container.getConnectionUrl());
		return async () => {
			await container.stop();
		};
	} catch (error) {
		reasons.push(`testcontainers: ${(error as Error).message.split("\n")[0]}`);
	}
	const reason = `no Redis for ${project.name} (set REDIS_URL; ${reasons.join("; ")})`;
	if (process.env.JOBS_REQUIRE_REDIS === "1") throw new Error(`JOBS_REQUIRE_REDIS=1 and ${reason}`);
	console.warn(`\n[redis] SKIPPING ${project.name}: ${reason}\n`);
	project.provide("redisUrl", "");
	return undefined;
}
