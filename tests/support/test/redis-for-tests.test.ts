import { Redis } from "ioredis";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { TestProject } from "vitest/node";
import { redisForTests, redisGlobalSetup } from "../src/index.js";

/** Nothing of DESIGN's list is available: no REDIS_URL, no binary, no Docker. */
function nothingAvailable(): void {
	vi.stubEnv("REDIS_URL", undefined);
	vi.stubEnv("REDIS_SERVER_BIN", "/nonexistent/redis-server");
	vi.stubEnv("DOCKER_HOST", "unix:///nonexistent/docker.sock");
}

const ping = async (url: string) => {
	const redis = new Redis(url, {
		lazyConnect: true,
		maxRetriesPerRequest: 0,
		retryStrategy: () => null,
	});
	redis.on("error", () => {});
	try {
		return await redis.ping();
	} finally {
		redis.disconnect();
	}
};

function fakeProject(): TestProject & { provided: Record<string, unknown> } {
	const provided: Record<string, unknown> = {};
	return {
		provided,
		provide: (key: string, value: unknown) => {
			provided[key] = value;
		},
	} as unknown as TestProject & { provided: Record<string, unknown> };
}

let warn: ReturnType<typeof vi.spyOn>;
beforeEach(() => {
	vi.stubEnv("JOBS_REQUIRE_REDIS", undefined);
	warn = vi.spyOn(console, "warn").mockImplementation(() => {});
});
afterEach(() => {
	vi.unstubAllEnvs();
	warn.mockRestore();
});

describe("redisForTests", () => {
	it("uses REDIS_URL when set, and its stop() touches nothing", async () => {
		vi.stubEnv("REDIS_URL", "redis://redis.example:6390/2");
		vi.stubEnv("REDIS_SERVER_BIN", "/nonexistent/redis-server");
		const redis = await redisForTests("my suite");
		expect(redis?.url).toBe("redis://redis.example:6390/2");
		await redis?.stop();
		expect(warn).not.toHaveBeenCalled();
	});

	it("spawns a redis-server when there is no REDIS_URL, and stop() ends it", async () => {
		vi.stubEnv("REDIS_URL", undefined);
		const redis = await redisForTests("my suite");
		expect(redis?.url).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
		expect(await ping(redis!.url)).toBe("PONG");
		await redis!.stop();
		await expect(ping(redis!.url)).rejects.toThrow();
	});

	it("skips with one loud line naming the label when nothing is available", async () => {
		nothingAvailable();
		expect(await redisForTests("my suite")).toBeUndefined();
		expect(warn).toHaveBeenCalledTimes(1);
		const line = String(warn.mock.calls[0]![0]);
		expect(line).toMatch(/\[redis\] SKIPPING my suite: no Redis for my suite \(set REDIS_URL; /);
		expect(line).toContain("/nonexistent/redis-server is not on PATH");
		expect(line).toContain("testcontainers: ");
	});

	it("throws instead when JOBS_REQUIRE_REDIS=1", async () => {
		nothingAvailable();
		vi.stubEnv("JOBS_REQUIRE_REDIS", "1");
		await expect(redisForTests("my suite")).rejects.toThrow(
			/^JOBS_REQUIRE_REDIS=1 and no Redis for my suite/,
		);
		expect(warn).not.toHaveBeenCalled();
	});
});

describe("redisGlobalSetup", () => {
	it("provides REDIS_URL as redisUrl", async () => {
		vi.stubEnv("REDIS_URL", "redis://redis.example:6390");
		const project = fakeProject();
		const teardown = await redisGlobalSetup("my suite")(project);
		expect(project.provided).toEqual({ redisUrl: "redis://redis.example:6390" });
		await teardown();
	});

	it("provides a spawned server's URL and stops it at teardown", async () => {
		vi.stubEnv("REDIS_URL", undefined);
		const project = fakeProject();
		const teardown = await redisGlobalSetup("my suite")(project);
		const url = project.provided.redisUrl as string;
		expect(await ping(url)).toBe("PONG");
		await teardown();
		await expect(ping(url)).rejects.toThrow();
	});

	it('provides "" when skipping', async () => {
		nothingAvailable();
		const project = fakeProject();
		const teardown = await redisGlobalSetup("my suite")(project);
		expect(project.provided).toEqual({ redisUrl: "" });
		expect(warn).toHaveBeenCalledTimes(1);
		await teardown();
	});
});
