import { InvalidOptionError } from "@jobs/core";
import { Cluster, Redis } from "ioredis";
import { afterEach, describe, expect, it, vi } from "vitest";
import { RedisJobStore } from "../src/index.js";

describe("options", () => {
	afterEach(() => {
		vi.restoreAllMocks();
	});

	it("refuses an ioredis client with keyPrefix, naming the option", () => {
		const client = new Redis({ keyPrefix: "app:", lazyConnect: true });
		expect(() => RedisJobStore.fromClient(client)).toThrow(InvalidOptionError);
		expect(() => RedisJobStore.fromClient(client)).toThrow(/keyPrefix/);
		client.disconnect();
	});

	it("refuses a Cluster with keyPrefix", () => {
		const cluster = new Cluster([{ host: "127.0.0.1", port: 1 }], {
			keyPrefix: "app:",
			lazyConnect: true,
		});
		expect(() => RedisJobStore.fromClient(cluster)).toThrow(/keyPrefix/);
		cluster.disconnect();
	});

	it("refuses keyPrefix in connect's redisOptions", async () => {
		await expect(RedisJobStore.connect({ redisOptions: { keyPrefix: "app:" } })).rejects.toThrow(
			InvalidOptionError,
		);
	});

	it("refuses a jobIdHistory that is not a whole number of at least 0, naming it", async () => {
		for (const bad of [-1, 1.5, "10", Number.NaN]) {
			await expect(
				RedisJobStore.connect({ jobIdHistory: bad as number, redisOptions: { lazyConnect: true } }),
			).rejects.toThrow(/jobIdHistory/);
			const client = new Redis({ lazyConnect: true });
			expect(() => RedisJobStore.fromClient(client, { jobIdHistory: bad as number })).toThrow(
				InvalidOptionError,
			);
			client.disconnect();
		}
	});

	it.each([
		["a port of -1", { port: -1 }, "port: must be an integer from 1 to 65535"],
		["a port of 70000", { port: 70_000 }, "port:"],
		["a string port", { port: "6379" }, "port:"],
		["an empty host", { host: "" }, "host: must be a non-empty string"],
		["a numeric host", { host: 5 }, "host:"],
		["a db of -1", { db: -1 }, "db: must be an integer >= 0"],
		["a fractional db", { db: 1.5 }, "db:"],
		["a URL whose path is not a db number", { url: "redis://localhost:6379/x" }, "url: the path"],
		["a non-string password", { password: 42 }, "password: must be a string"],
	])("refuses %s at connect, before opening anything", async (_label, options, text) => {
		const error = await RedisJobStore.connect(options as never).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(InvalidOptionError);
		expect((error as Error).message).toContain(text);
	});

	it("refuses null options at connect with a JobsError, not a TypeError", async () => {
		const error = await RedisJobStore.connect(null as never).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(InvalidOptionError);
		expect((error as Error).message).toContain("connect(options): must be an object");
	});

	it("refuses a URL that is not redis:// or rediss://", async () => {
		await expect(RedisJobStore.connect({ url: "http://localhost" })).rejects.toThrow(
			InvalidOptionError,
		);
	});

	it("warns once when a worker uses a client that gives up on commands", async () => {
		const warn = vi.spyOn(process, "emitWarning").mockImplementation(() => {});
		// Port 1: nothing listens; maxRetriesPerRequest 0 makes the reserve fail fast.
		const client = new Redis({ port: 1, maxRetriesPerRequest: 0, lazyConnect: true });
		client.on("error", () => {});
		const store = RedisJobStore.fromClient(client);
		await store.reserve({ limit: 1, leaseMs: 1_000 }).catch(() => {});
		await store.reserve({ limit: 1, leaseMs: 1_000 }).catch(() => {});
		expect(warn).toHaveBeenCalledTimes(1);
		expect(String(warn.mock.calls[0]?.[0])).toMatch(/maxRetriesPerRequest/);
		await store.close();
		client.disconnect();
	});

	it("does not warn for a client with maxRetriesPerRequest: null", async () => {
		const warn = vi.spyOn(process, "emitWarning").mockImplementation(() => {});
		const client = new Redis({ port: 1, maxRetriesPerRequest: null, lazyConnect: true });
		client.on("error", () => {});
		const store = RedisJobStore.fromClient(client);
		const reserving = store.reserve({ limit: 1, leaseMs: 1_000 }).catch(() => {});
		await store.close();
		client.disconnect();
		await reserving;
		expect(warn).not.toHaveBeenCalled();
	});
});
