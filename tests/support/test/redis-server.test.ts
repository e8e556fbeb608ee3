import { mkdtempSync, realpathSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it, vi } from "vitest";
import { freePort, killAll, type RedisServer, startRedisServer } from "../src/index.js";

const servers: RedisServer[] = [];
const clients: Redis[] = [];
afterEach(async () => {
	for (const client of clients.splice(0)) client.disconnect();
	await Promise.all(servers.splice(0).map((server) => server.stop()));
	await killAll();
});

async function start(options?: Parameters<typeof startRedisServer>[0]): Promise<RedisServer> {
	const server = await startRedisServer(options);
	servers.push(server);
	return server;
}

/** A client that fails fast instead of reconnecting: a dead server shows up as a rejection. */
function client(server: RedisServer): Redis {
	const redis = new Redis(server.url, {
		lazyConnect: true,
		maxRetriesPerRequest: 0,
		retryStrategy: () => null,
		commandTimeout: 1_000,
	});
	redis.on("error", () => {});
	clients.push(redis);
	return redis;
}

const ping = async (server: RedisServer) => {
	const redis = client(server);
	try {
		return await redis.ping();
	} finally {
		redis.disconnect();
	}
};

describe("freePort", () => {
	it("gives a loopback port that can be listened on", async () => {
		const port = await freePort();
		expect(port).toBeGreaterThan(0);
		const server = createServer();
		await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
		await new Promise((resolve) => server.close(resolve));
	});
});

describe("startRedisServer", () => {
	it("starts on a free loopback port without persistence, and stop() ends it", async () => {
		const server = await start();
		expect(server.url).toBe(`redis://127.0.0.1:${server.port}`);
		expect(await ping(server)).toBe("PONG");
		const redis = client(server);
		expect(await redis.config("GET", "save")).toEqual(["save", ""]);
		expect(await redis.config("GET", "appendonly")).toEqual(["appendonly", "no"]);
		expect(await redis.config("GET", "bind")).toEqual(["bind", "127.0.0.1"]);
		redis.disconnect();
		await server.stop();
		await expect(ping(server)).rejects.toThrow();
		await server.stop(); // twice is fine
	});

	it("listens on the port it is given", async () => {
		const port = await freePort();
		const server = await start({ port });
		expect(server.port).toBe(port);
		expect(await ping(server)).toBe("PONG");
	});

	it("restarts on the same port after SIGKILL, with its data gone by default", async () => {
		const server = await start();
		const redis = client(server);
		await redis.set("k", "v");
		redis.disconnect();
		server.kill("SIGKILL");
		await expect.poll(() => ping(server).catch(() => "down")).toBe("down");
		await server.restart();
		expect(await client(server).get("k")).toBeNull();
	});

	it("lets args override the defaults, and keeps the given dir across restarts (AOF survives SIGKILL)", async () => {
		const dir = mkdtempSync(join(tmpdir(), "test-support-"));
		try {
			const server = await start({ dir, args: ["--appendonly", "yes", "--appendfsync", "always"] });
			const redis = client(server);
			expect(await redis.config("GET", "appendonly")).toEqual(["appendonly", "yes"]);
			expect(await redis.config("GET", "dir")).toEqual(["dir", realpathSync(dir)]);
			await redis.set("k", "kept");
			redis.disconnect();
			server.kill("SIGKILL");
			await server.restart();
			expect(await client(server).get("k")).toBe("kept");
			await server.stop();
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
	});

	it("freezes on SIGSTOP, resumes on SIGCONT, and still stops when frozen", async () => {
		const server = await start();
		server.kill("SIGSTOP");
		await expect(ping(server)).rejects.toThrow();
		server.kill("SIGCONT");
		expect(await ping(server)).toBe("PONG");
		server.kill("SIGSTOP");
		await server.stop();
		await expect(ping(server)).rejects.toThrow();
	});

	it("waits for PING when --loglevel is too quiet to say it is ready", async () => {
		const server = await start({ args: ["--loglevel", "warning"] });
		expect(await ping(server)).toBe("PONG");
	});

	it("starts again after stop() too", async () => {
		const server = await start();
		await server.stop();
		await server.restart();
		expect(await ping(server)).toBe("PONG");
	});

	it("rejects with redis-server's output when the given port is taken", async () => {
		const taken = createServer((socket) => socket.destroy());
		await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
		const { port } = taken.address() as { port: number };
		try {
			await expect(startRedisServer({ port })).rejects.toThrow(/Address already in use/i);
		} finally {
			await new Promise((resolve) => taken.close(resolve));
		}
	});

	it("rejects when the binary cannot be started", async () => {
		vi.stubEnv("REDIS_SERVER_BIN", "/nonexistent/redis-server");
		try {
			await expect(startRedisServer()).rejects.toThrow(/cannot start \/nonexistent\/redis-server/);
		} finally {
			vi.unstubAllEnvs();
		}
	});

	it("is ended by killAll()", async () => {
		const server = await start();
		await killAll();
		await expect(ping(server)).rejects.toThrow();
		await server.restart();
		expect(await ping(server)).toBe("PONG");
	});
});
