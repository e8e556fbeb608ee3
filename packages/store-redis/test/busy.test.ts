/**
 * Replies that say Redis did not run a command (BUSY while another client's script runs past
 * `busy-reply-threshold`): worker calls wait and try again instead of failing, so an ack is
 * never dropped (which would run the job again); producer calls still fail fast.
 */
import { StoreUnavailableError } from "@jobs/core";
import { type RedisServer, startRedisServer } from "@jobs/test-support";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { RedisJobStore } from "../src/index.js";
import { sleep, uniquePrefix } from "./support/harness.js";

const LONG = 600_000;
const job = (n: number) => ({ name: "busy", payload: JSON.stringify({ n }) });

describe.skipIf(!inject("canSpawnRedis"))("a Redis busy with another client's script", () => {
	let server: RedisServer;
	let blocker: Redis;

	beforeAll(async () => {
		server = await startRedisServer({ args: ["--busy-reply-threshold", "50"] });
		blocker = new Redis(server.url);
		await blocker.ping();
	});
	afterAll(async () => {
		blocker.disconnect();
		await server.stop();
	});

	/**
	 * Runs a script that spins until killed, and waits until Redis answers BUSY to others. Returns
	 * a function that kills the script and waits until it ended.
	 */
	async function blockRedis(): Promise<() => Promise<void>> {
		const spinning = blocker.eval("while true do end", 0).catch((error: unknown) => error);
		const probe = new Redis(server.url, { maxRetriesPerRequest: 0, enableReadyCheck: false });
		probe.on("error", () => {});
		for (;;) {
			const reply = await probe.ping().catch((error: Error) => error.message);
			if (String(reply).startsWith("BUSY")) break;
			await sleep(10);
		}
		return async () => {
			await probe.call("SCRIPT", "KILL");
			await spinning;
			probe.disconnect();
		};
	}

	it("acks, reserves and extends once the script is killed, instead of dropping them", async () => {
		const store = await RedisJobStore.connect({ url: server.url, prefix: uniquePrefix() });
		await store.add([job(1), job(2)]);
		const [a, b] = await store.reserve({ limit: 2, leaseMs: LONG });
		const unblock = await blockRedis();
		const acked = store.ack(a!);
		const extended = store.extend({ leases: [b!], leaseMs: LONG });
		await sleep(300);
		// Still waiting: neither was refused while Redis was busy.
		const settled = await Promise.race([
			acked.then(() => "settled"),
			sleep(0).then(() => "waiting"),
		]);
		expect(settled).toBe("waiting");
		await unblock();
		expect(await acked).toEqual({ ok: true });
		expect(await extended).toEqual([{ ok: true }]);
		expect(await store.stats()).toMatchObject({ ready: 0, delayed: 0, active: 1, dead: 0 });
		await store.close();
	});

	it("fails a producer call fast with StoreUnavailableError, changing nothing", async () => {
		const store = await RedisJobStore.connect({ url: server.url, prefix: uniquePrefix() });
		await store.stats();
		const unblock = await blockRedis();
		const error = await store.stats().catch((e: unknown) => e);
		await unblock();
		expect(error).toBeInstanceOf(StoreUnavailableError);
		expect((error as Error).message).toMatch(/BUSY/);
		await store.close();
	});
});
