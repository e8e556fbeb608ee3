/**
 * Finds a Redis for the `*-redis` project: `REDIS_URL` if set, else a disposable `redis-server`
 * on a free loopback port (killed at teardown). When neither works the suite is skipped with
 * one loud line, unless `JOBS_REQUIRE_REDIS=1` (CI), where that is a failure.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import type { TestProject } from "vitest/node";

declare module "vitest" {
	export interface ProvidedContext {
		/** `redis://…` of the server to use, or "" when there is none (the suite skips). */
		redisUrl: string;
	}
}

function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.unref();
		server.on("error", reject);
		server.listen(0, "127.0.0.1", () => {
			const { port } = server.address() as { port: number };
			server.close(() => resolve(port));
		});
	});
}

async function startRedisServer(): Promise<{ url: string; stop: () => Promise<void> }> {
	const port = await freePort();
	const child: ChildProcess = spawn(
		process.env.REDIS_SERVER_BIN ?? "redis-server",
		["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
		{ stdio: ["ignore", "pipe", "pipe"] },
	);
	await new Promise<void>((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error("redis-server not ready in 10 s")), 10_000);
		child.once("error", (error) => {
			clearTimeout(timer);
			reject(error);
		});
		child.once("exit", (code) => {
			clearTimeout(timer);
			reject(new Error(`redis-server exited with code ${code}`));
		});
		child.stdout?.on("data", (chunk: Buffer) => {
			if (chunk.toString().includes("Ready to accept connections")) {
				clearTimeout(timer);
				resolve();
			}
		});
	});
	child.removeAllListeners("exit");
	return {
		url: `redis://127.0.0.1:${port}`,
		stop: () =>
			new Promise<void>((resolve) => {
				if (child.exitCode !== null) return resolve();
				child.once("exit", () => resolve());
				child.kill("SIGTERM");
			}),
	};
}

export default async function setup(
	project: TestProject,
): Promise<(() => Promise<void>) | undefined> {
	if (process.env.REDIS_URL) {
		project.provide("redisUrl", process.env.REDIS_URL);
		return undefined;
	}
	try {
		const redis = await startRedisServer();
		project.provide("redisUrl", redis.url);
		return redis.stop;
	} catch (error) {
		const reason = `no Redis for ${project.name}: set REDIS_URL or put redis-server on PATH (${(error as Error).message})`;
		if (process.env.JOBS_REQUIRE_REDIS === "1")
			throw new Error(`JOBS_REQUIRE_REDIS=1 and ${reason}`);
		console.warn(`\n[redis] SKIPPING ${project.name}: ${reason}\n`);
		project.provide("redisUrl", "");
		return undefined;
	}
}
