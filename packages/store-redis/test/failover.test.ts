/**
 * Failover: the master a store writes to is replaced by its replica, on real spawned servers.
 * By hand behind a moved address (a proxy standing in for a DNS name or virtual IP): the store
 * meets READONLY on the demoted node and reconnects by itself. With Sentinel (three sentinels,
 * the master SIGKILLed): the store finds the promoted replica through the sentinels. Either way
 * no call escapes with an unexpected error, and every job the replica had received before the
 * failover is reserved afterwards exactly once.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StoreUnavailableError } from "@jobs/core";
import type { LeasedJob } from "@jobs/core/store";
import { freePort, type RedisServer, startRedisServer } from "@jobs/test-support";
import { Redis } from "ioredis";
import { afterEach, describe, expect, inject, it } from "vitest";
import { RedisJobStore } from "../src/index.js";
import { sleep, uniquePrefix } from "./support/harness.js";
import { startProxy } from "./support/proxy.js";
import { REDIS_SERVER } from "./support/redis-cli.js";

const LONG = 600_000;
/** How long the store may take to write again after the master was killed (Sentinel). */
const RECOVERY_BOUND_MS = 15_000;
const job = (n: number) => ({ name: "failover", payload: JSON.stringify({ n }) });

/** Polls `condition` every 20 ms until it holds; throws naming `what` after `timeoutMs`. */
async function until(
	what: string,
	condition: () => Promise<boolean> | boolean,
	timeoutMs = 10_000,
): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		if (await condition()) return;
		if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting: ${what}`);
		await sleep(20);
	}
}

/** Resolves what `promise` resolves to; rejects naming `what` if it takes over `ms`. */
async function within<T>(what: string, promise: Promise<T>, ms: number): Promise<T> {
	let timer: ReturnType<typeof setTimeout> | undefined;
	const late = new Promise<never>((_, reject) => {
		timer = setTimeout(() => reject(new Error(`${what}: still pending after ${ms} ms`)), ms);
	});
	try {
		return await Promise.race([promise, late]);
	} finally {
		clearTimeout(timer);
	}
}

/** `INFO <section>` as a record. */
async function info(client: Redis, section: string): Promise<Record<string, string>> {
	const text = await client.info(section);
	const fields: Record<string, string> = {};
	for (const line of text.split("\r\n")) {
		const colon = line.indexOf(":");
		if (colon > 0) fields[line.slice(0, colon)] = line.slice(colon + 1);
	}
	return fields;
}

/** Waits until `replica` has everything `master` had written when this was called. */
async function replicated(master: Redis, replica: Redis): Promise<void> {
	const offset = Number((await info(master, "replication")).master_repl_offset);
	await until(`replica at offset ${offset}`, async () => {
		const r = await info(replica, "replication");
		return r.master_link_status === "up" && Number(r.slave_repl_offset) >= offset;
	});
}

/** The names of the connections a Redis server has open. */
async function clientNames(client: Redis): Promise<string[]> {
	const list = (await client.client("LIST")) as string;
	return [...list.matchAll(/ name=(\S*)/g)].map((m) => m[1]!);
}

/** How many times each id occurs in `ids`, for the ids that occur more than once. */
function duplicates(ids: readonly string[]): Record<string, number> {
	const counts: Record<string, number> = {};
	for (const id of ids) counts[id] = (counts[id] ?? 0) + 1;
	return Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 1));
}

const idsOf = (jobs: readonly { id: string }[]) => jobs.map((j) => j.id);
const sorted = (ids: readonly string[]) => [...ids].sort();

/** A spawned `redis-server --sentinel`. */
interface Sentinel {
	readonly port: number;
	readonly client: Redis;
	/** What it logged so far. */
	output(): string;
	/** SIGKILLs it (if running) and closes the client. */
	stop(): Promise<void>;
}

/** Spawns a sentinel monitoring `mymaster` at `masterPort`, its config file in `dir`. */
async function startSentinel(dir: string, masterPort: number): Promise<Sentinel> {
	const port = await freePort();
	const config = join(dir, `sentinel-${port}.conf`);
	writeFileSync(
		config,
		[
			`port ${port}`,
			"bind 127.0.0.1",
			`dir ${dir}`,
			'logfile ""',
			`sentinel monitor mymaster 127.0.0.1 ${masterPort} 2`,
			"sentinel down-after-milliseconds mymaster 500",
			"sentinel failover-timeout mymaster 3000",
			"sentinel parallel-syncs mymaster 1",
			"",
		].join("\n"),
	);
	const child: ChildProcess = spawn(REDIS_SERVER, [config, "--sentinel"], {
		stdio: ["ignore", "pipe", "pipe"],
	});
	const killOnExit = () => child.kill("SIGKILL");
	process.once("exit", killOnExit);
	let output = "";
	const append = (chunk: Buffer) => {
		output = (output + chunk.toString()).slice(-16_000);
	};
	child.stdout?.on("data", append);
	child.stderr?.on("data", append);
	const exited = new Promise<void>((resolve) => {
		child.once("exit", () => resolve());
		child.once("error", () => resolve());
	});
	const running = () => child.exitCode === null && child.signalCode === null;
	const client = new Redis({ port, host: "127.0.0.1", lazyConnect: true, retryStrategy: () => 50 });
	client.on("error", () => {});
	const sentinel: Sentinel = {
		port,
		client,
		output: () => output,
		async stop() {
			client.disconnect();
			process.removeListener("exit", killOnExit);
			if (child.pid !== undefined && running()) child.kill("SIGKILL");
			await exited;
		},
	};
	try {
		await until(`sentinel on port ${port} to start`, () => {
			if (child.pid === undefined || !running()) throw new Error(`sentinel exited:\n${output}`);
			return output.includes("+monitor master mymaster");
		});
		await client.connect();
	} catch (error) {
		await sentinel.stop();
		throw error;
	}
	return sentinel;
}

/** `SENTINEL MASTER mymaster` as a record. */
async function sentinelMaster(sentinel: Sentinel): Promise<Record<string, string>> {
	const flat = (await sentinel.client.call("SENTINEL", "MASTER", "mymaster")) as string[];
	const fields: Record<string, string> = {};
	for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i]!] = flat[i + 1]!;
	return fields;
}

describe.skipIf(!inject("canSpawnRedis"))("failover to a replica", () => {
	const cleanup: (() => Promise<void> | void)[] = [];
	afterEach(async () => {
		for (const fn of cleanup.splice(0).reverse()) {
			await Promise.resolve()
				.then(fn)
				.catch(() => {});
		}
	});

	/**
	 * Starts a server that is stopped after the test, even when it fails. A master sends a new
	 * replica its data at once (by default it waits 5 s for more replicas to share the transfer).
	 */
	async function server(args: string[] = []): Promise<RedisServer> {
		const started = await startRedisServer({ args: ["--repl-diskless-sync-delay", "0", ...args] });
		cleanup.push(async () => {
			started.kill("SIGKILL");
			await started.stop();
		});
		return started;
	}

	/** An admin connection to `redis`, closed after the test. */
	function admin(redis: RedisServer): Redis {
		const client = new Redis(redis.url, { maxRetriesPerRequest: 0 });
		client.on("error", () => {});
		cleanup.push(() => client.disconnect());
		return client;
	}

	it("replica promoted by hand behind a moved address: the store leaves the demoted master by itself", async () => {
		const a = await server();
		const b = await server(["--replicaof", "127.0.0.1", String(a.port)]);
		const adminA = admin(a);
		const adminB = admin(b);
		await until("B in sync with A", async () => {
			return (await info(adminB, "replication")).master_link_status === "up";
		});
		const proxy = await startProxy(a.port);
		cleanup.push(() => proxy.close());
		const prefix = uniquePrefix("failover");
		const store = await RedisJobStore.connect({
			port: proxy.port,
			prefix,
			commandTimeoutMs: 5_000,
		});
		cleanup.push(() => store.close());
		/** The same queue read straight from B (a replica, then the new master). */
		const onB = RedisJobStore.fromClient(adminB, { prefix });

		const before = idsOf(await store.add(Array.from({ length: 10 }, (_, n) => job(n))));
		const leased = await store.reserve({ limit: 4, leaseMs: LONG });
		expect(idsOf(leased)).toEqual(before.slice(0, 4));
		for (const j of leased.slice(0, 2)) expect(await store.ack(j)).toEqual({ ok: true });
		await replicated(adminA, adminB);
		const statsBefore = await store.stats();
		expect(statsBefore).toMatchObject({ ready: 6, delayed: 0, active: 2, dead: 0 });
		// B has every one of them: its replica's view of the queue is the master's.
		expect(await onB.stats()).toMatchObject(statsBefore);
		const names = [`jobs:${prefix}:producer`, `jobs:${prefix}:worker`];
		expect(await clientNames(adminA)).toEqual(expect.arrayContaining(names));

		// Fail over: B becomes the master, A its replica, and the address moves to B. The store's
		// open connections stay on A, which now refuses writes with READONLY.
		const failedOverAt = Date.now();
		await adminB.replicaof("NO", "ONE");
		await adminA.replicaof("127.0.0.1", String(b.port));
		proxy.target = b.port;
		await expect(adminA.set(`${prefix}:probe`, "1")).rejects.toThrow(/^READONLY/);
		expect(await clientNames(adminA)).toEqual(expect.arrayContaining(names));

		// Worker calls (the acks of jobs reserved before) and producer calls (new adds), at once.
		const acks = leased.slice(2).map((j) => store.ack(j));
		const adds = [10, 11, 12, 13, 14].map((n) => store.add([job(n)]));
		const settled = await within(
			"acks and adds after the failover",
			Promise.allSettled([...acks, ...adds]),
			10_000,
		);
		const failures = settled.flatMap((s) => (s.status === "rejected" ? [s.reason] : []));
		expect(failures).toEqual([]);
		const acked = (await Promise.all(acks)).map((r) => r.ok);
		const added = (await Promise.all(adds)).flatMap(idsOf);
		const recoveredMs = Date.now() - failedOverAt;
		// The leases were replicated, so no ack is even stale; one the replica had not received
		// would be refused as stale ({ ok: false }), never rejected.
		expect(acked).toEqual([true, true]);
		expect(added).toHaveLength(5);

		// Both connections left A by themselves, for B.
		await until("the store's connections to leave A", async () => {
			const onA = await clientNames(adminA);
			return names.every((name) => !onA.includes(name));
		});
		expect(await clientNames(adminB)).toEqual(expect.arrayContaining(names));

		// A worker afterwards gets every job not reserved before, each once, and nothing else.
		const after = await store.reserve({ limit: 100, leaseMs: LONG });
		expect(sorted(idsOf(after))).toEqual(sorted([...before.slice(4), ...added]));
		const reservedInRun = [...idsOf(leased), ...idsOf(after)];
		expect(duplicates(reservedInRun)).toEqual({});
		expect(sorted(reservedInRun)).toEqual(sorted([...before, ...added]));
		expect(await store.reserve({ limit: 100, leaseMs: LONG })).toEqual([]);

		// The new master's counts add up, seen through the store and on B itself.
		const statsAfter = await store.stats();
		expect(statsAfter).toMatchObject({ ready: 0, delayed: 0, active: after.length, dead: 0 });
		expect(await onB.stats()).toMatchObject(statsAfter);
		for (const j of after) expect(await store.ack(j)).toEqual({ ok: true });
		expect(await onB.stats()).toMatchObject({ ready: 0, delayed: 0, active: 0, dead: 0 });

		const lost = before.filter((id) => !reservedInRun.includes(id)).length;
		console.log(
			`[failover] promotion: ${leased.length} reserved before (2 acked before, ` +
				`${acked.filter(Boolean).length} acked after, ${acked.filter((ok) => !ok).length} stale), ` +
				`${added.length} added after (0 rejected), all calls through in ${recoveredMs} ms, ` +
				`${after.length} reserved after, ${lost} lost of the ${before.length} replicated`,
		);
	});

	it("Sentinel, master SIGKILLed: adds resume within a bound, worker calls resume, no replicated job lost or doubled", async () => {
		const m = await server();
		const r = await server(["--replicaof", "127.0.0.1", String(m.port)]);
		const adminM = admin(m);
		const adminR = admin(r);
		await until("R in sync with M", async () => {
			return (await info(adminR, "replication")).master_link_status === "up";
		});
		const dir = mkdtempSync(join(tmpdir(), "jobs-sentinel-"));
		cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
		const sentinels: Sentinel[] = [];
		cleanup.push(() => Promise.all(sentinels.map((s) => s.stop())).then(() => {}));
		for (let i = 0; i < 3; i++) sentinels.push(await startSentinel(dir, m.port));
		const sentinelLogs = () =>
			sentinels.map((s) => `--- sentinel ${s.port}\n${s.output()}`).join("\n");
		// A failover needs the sentinels to know each other (quorum, leader vote) and the replica.
		await until("the sentinels to find each other and the replica", async () => {
			for (const s of sentinels) {
				const master = await sentinelMaster(s);
				if (Number(master["num-other-sentinels"]) < 2 || Number(master["num-slaves"]) < 1) {
					return false;
				}
			}
			return true;
		});

		const prefix = uniquePrefix("failover");
		const store = await RedisJobStore.connect({
			prefix,
			commandTimeoutMs: 1_000,
			redisOptions: {
				sentinels: sentinels.map((s) => ({ host: "127.0.0.1", port: s.port })),
				name: "mymaster",
			},
		});
		cleanup.push(() => store.close());

		const before = idsOf(await store.add(Array.from({ length: 10 }, (_, n) => job(n))));
		const leased = await store.reserve({ limit: 4, leaseMs: LONG });
		expect(idsOf(leased)).toEqual(before.slice(0, 4));
		for (const j of leased.slice(0, 2)) expect(await store.ack(j)).toEqual({ ok: true });
		await replicated(adminM, adminR);
		// The store found M through the sentinels.
		expect(await clientNames(adminM)).toEqual(
			expect.arrayContaining([`jobs:${prefix}:producer`, `jobs:${prefix}:worker`]),
		);

		m.kill("SIGKILL");
		const killedAt = Date.now();

		// Worker calls made during the outage wait, then go through on the promoted replica.
		const acks = leased.slice(2).map((j) => store.ack(j));
		const reserving = store.reserve({ limit: 100, leaseMs: LONG });
		const workerDone = Promise.all([Promise.all(acks), reserving]).then(() => Date.now());
		workerDone.catch(() => {});

		// Producer calls reject (StoreUnavailableError) until the failover, then go through.
		let rejected = 0;
		let firstAdded: string | undefined;
		while (firstAdded === undefined) {
			try {
				firstAdded = idsOf(await store.add([job(100 + rejected)]))[0];
			} catch (error) {
				if (!(error instanceof StoreUnavailableError)) throw error;
				rejected++;
				if (Date.now() - killedAt > RECOVERY_BOUND_MS) {
					throw new Error(
						`adds still rejected ${RECOVERY_BOUND_MS} ms after the kill (${rejected} rejections, ` +
							`last: ${error.message})\n${sentinelLogs()}`,
					);
				}
			}
		}
		const addsBackMs = Date.now() - killedAt;
		expect(addsBackMs).toBeLessThan(RECOVERY_BOUND_MS);
		// From then on, adds do not fail.
		const added = [firstAdded];
		for (let n = 0; n < 4; n++) added.push(...idsOf(await store.add([job(200 + n)])));

		const workerBackMs =
			(await within(
				"worker calls made during the outage",
				workerDone,
				RECOVERY_BOUND_MS - (Date.now() - killedAt),
			)) - killedAt;
		const acked = (await Promise.all(acks)).map((res) => res.ok);
		const reservedDuring = await reserving;
		expect(acked).toEqual([true, true]);
		expect((await info(adminR, "replication")).role).toBe("master");

		// Every job not reserved before the kill is reserved exactly once afterwards, the rejected
		// adds never applied, and the counts on the new master add up.
		const rest = await store.reserve({ limit: 100, leaseMs: LONG });
		const after: LeasedJob[] = [...reservedDuring, ...rest];
		const reservedInRun = [...idsOf(leased), ...idsOf(after)];
		expect(duplicates(reservedInRun)).toEqual({});
		expect(sorted(idsOf(after))).toEqual(sorted([...before.slice(4), ...added]));
		expect(await store.stats()).toMatchObject({
			ready: 0,
			delayed: 0,
			active: after.length,
			dead: 0,
		});
		for (const j of after) expect(await store.ack(j)).toEqual({ ok: true });
		expect(await store.stats()).toMatchObject({ ready: 0, delayed: 0, active: 0, dead: 0 });

		const lost = before.filter((id) => !reservedInRun.includes(id)).length;
		console.log(
			`[failover] sentinel: master killed; adds back after ${addsBackMs} ms (${rejected} rejected ` +
				`with StoreUnavailableError, none applied), worker calls back after ${workerBackMs} ms ` +
				`(${acked.filter(Boolean).length} acks ok, ${reservedDuring.length} jobs reserved by a ` +
				`reserve made during the outage), ${after.length} reserved after, ${lost} lost of the ` +
				`${before.length} replicated`,
		);
	}, 40_000);
});
