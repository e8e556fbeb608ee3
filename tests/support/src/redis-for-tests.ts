/**
 * Redis for a test suite, in DESIGN's order: `REDIS_URL`; else a disposable `redis-server`;
 * else a testcontainers container; else a skip with one loud line (a failure when
 * `JOBS_REQUIRE_REDIS=1`).
 * @module
 */
import { spawnSync } from "node:child_process";
import type { TestProject } from "vitest/node";
import { redisServerBin, startRedisServer } from "./redis-server.js";

declare module "vitest" {
	export interface ProvidedContext {
		/** `redis://…` of the server to use, or "" when there is none (the suite skips). */
		redisUrl: string;
	}
}

const firstLine = (error: unknown) =>
	(error instanceof Error ? error.message : String(error)).split("\n")[0];

/** Redis for a test suite, in DESIGN's order: REDIS_URL if set; else a spawned redis-server when the binary is on PATH; else a testcontainers container when Docker answers; else undefined after ONE loud console line naming `label` — except when JOBS_REQUIRE_REDIS=1, where it throws. `stop()` stops what it started (nothing for REDIS_URL). */
export async function redisForTests(
	label: string,
): Promise<{ url: string; stop(): Promise<void> } | undefined> {
	if (process.env.REDIS_URL) {
		return { url: process.env.REDIS_URL, stop: async () => {} };
	}
	const reasons: string[] = [];
	const bin = redisServerBin();
	if (spawnSync(bin, ["--version"], { stdio: "ignore" }).status === 0) {
		try {
			const server = await startRedisServer();
			return { url: server.url, stop: () => server.stop() };
		} catch (error) {
			reasons.push(`redis-server: ${firstLine(error)}`);
		}
	} else {
		reasons.push(`${bin} is not on PATH`);
	}
	try {
		// Imported only now: without Docker, nothing of testcontainers runs.
		const { RedisContainer } = await import("@testcontainers/redis");
		const container = await new RedisContainer("redis:7-alpine").start();
		return {
			url: container.getConnectionUrl(),
			stop: async () => {
				await container.stop();
			},
		};
	} catch (error) {
		reasons.push(`testcontainers: ${firstLine(error)}`);
	}
	const reason = `no Redis for ${label} (set REDIS_URL; ${reasons.join("; ")})`;
	if (process.env.JOBS_REQUIRE_REDIS === "1") throw new Error(`JOBS_REQUIRE_REDIS=1 and ${reason}`);
	console.warn(`\n[redis] SKIPPING ${label}: ${reason}\n`);
	return undefined;
}

/** A vitest globalSetup body built on redisForTests: provides `redisUrl` (string, "" when skipped) through project.provide. */
export function redisGlobalSetup(
	label: string,
): (project: TestProject) => Promise<() => Promise<void>> {
	return async (project) => {
		const redis = await redisForTests(label);
		project.provide("redisUrl", redis?.url ?? "");
		return async () => {
			await redis?.stop();
		};
	};
}
