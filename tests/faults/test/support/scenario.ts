/**
 * One fault scenario: a temp directory for its ledger and logs, its own redis-server, worker and
 * producer processes, and the final checks. Everything it starts is killed when the test
 * finishes, pass or fail; the directory is removed when the test passed (unless
 * JOBS_FAULTS_KEEP=1) and kept, its path printed, when it failed.
 * @module
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { JobStats, StoredEvent } from "@jobs/core";
import { RedisJobStore } from "@jobs/store-redis";
import type { Redis } from "ioredis";
import { afterAll, afterEach, describe, expect, it, type TestContext } from "vitest";
import { type CheckOptions, checkLedger, formatReport, type Report } from "./invariants.js";
import { type Analysis, analyze, hr, readLedger, TestLedger } from "./ledger.js";
import { forkChild, killAllProcesses, type NodeChild } from "./processes.js";
import { RedisServer, redisServerAvailable } from "./redis-server.js";
import { snapshot, structureViolations } from "./store-layout.js";

/** What a worker process runs (see ../children/worker.mjs). */
export interface WorkerConfig {
	concurrency?: number;
	lease?: number;
	sweepInterval?: number;
	pollInterval?: number;
	maxAttempts?: number;
	/** Fixed retry delay in ms (default: the engine's exponential backoff). */
	backoffMs?: number;
	jobNames?: string[];
	/** Default handler step for jobs without a plan. */
	step?: Step;
	/** Shift this process's Date.now() by this many ms. */
	skewMs?: number;
	/** Connect with events on (a cap of 100,000). */
	events?: boolean;
	/** Handlers return `{ echo: data }`. */
	echo?: boolean;
	/** The queue's `keep` option (retention of completed and dead jobs). */
	keep?: {
		completed?: boolean | { count?: number; age?: number };
		dead?: boolean | { count?: number; age?: number };
	};
	/** Each attempt reports progress before its step. */
	progress?: boolean;
}

/** What a handler does on one attempt (see ../children/worker.mjs). */
export interface Step {
	sleep?: number;
	block?: number;
	hang?: boolean;
	exit?: number;
	throw?: string;
	/** `job.rateLimit(ms)`, the first time any process runs the job. */
	rateLimit?: number;
}

/** Job data: a plan per attempt number, or "*" for any attempt. */
export type Plan = Record<string, Step>;

export interface ProducerConfig {
	count: number;
	inFlight?: number;
	jobName?: string;
	data?: Record<string, unknown>;
	options?: { delay?: number; maxAttempts?: number };
	/** Add i carries jobId `order-<i % keyMod>` or unique key `user-<i % keyMod>`. */
	identity?: "jobId" | "unique";
	keyMod?: number;
	retryOnError?: boolean;
	pauseMs?: number;
	skewMs?: number;
	/** Connect with events on (a cap of 100,000). */
	events?: boolean;
}

/** What a waiter process adds and waits for (see ../children/waiter.mjs). */
export interface WaiterConfig {
	jobs: {
		data: Record<string, unknown>;
		options?: Record<string, unknown>;
		waitAfterMs?: number;
	}[];
}

const REQUIRE = process.env.JOBS_REQUIRE_REDIS === "1";
const available = redisServerAvailable();

/**
 * `describe` for fault scenarios: skipped with one loud line when redis-server is not on PATH,
 * failed instead when JOBS_REQUIRE_REDIS=1. Kills every process after each test in any case.
 */
export function describeFaults(name: string, body: () => void): void {
	if (!available) {
		if (REQUIRE) {
			describe(name, () => {
				it("needs redis-server", () => {
					throw new Error(
						"JOBS_REQUIRE_REDIS=1 but redis-server is not on PATH: the fault tests cannot run",
					);
				});
			});
		} else {
			console.warn(
				`\n[faults] SKIPPED "${name}": redis-server is not on PATH (apt-get install redis-server); ` +
					"set JOBS_REQUIRE_REDIS=1 to make this a failure\n",
			);
			describe.skip(name, body);
		}
		return;
	}
	describe(name, () => {
		afterEach(async () => {
			await killAllProcesses();
		});
		afterAll(async () => {
			await killAllProcesses();
		});
		body();
	});
}

const runDir = join(tmpdir(), "jobs-faults");

/** The options the scenarios give the jobs they add. */
export interface AddOptions {
	delay?: number;
	maxAttempts?: number;
	priority?: number;
	group?: string;
}

export class Scenario {
	readonly name: string;
	readonly dir: string;
	readonly ledgerDir: string;
	readonly prefix: string;
	readonly server: RedisServer;
	/** A raw client for checks and faults. */
	readonly redis: Redis;
	readonly log: TestLedger;
	readonly startedAt = hr();
	#store: RedisJobStore | undefined;
	#eventStores: RedisJobStore[] = [];
	readonly #children: NodeChild[] = [];
	#seq = 0;
	#closing = false;

	readonly #events: boolean;

	private constructor(name: string, dir: string, server: RedisServer, events: boolean) {
		this.#events = events;
		this.name = name;
		this.dir = dir;
		this.ledgerDir = join(dir, "ledger");
		this.prefix = `faults-${name}`;
		this.server = server;
		this.redis = server.client();
		this.log = new TestLedger(this.ledgerDir);
	}

	/** Starts a scenario bound to the test: cleaned up when the test finishes. */
	static async start(
		ctx: TestContext,
		name: string,
		options: { aof?: boolean; events?: boolean } = {},
	): Promise<Scenario> {
		mkdirSync(runDir, { recursive: true });
		const dir = mkdtempSync(join(runDir, `${name}-`));
		mkdirSync(join(dir, "ledger"));
		mkdirSync(join(dir, "data"));
		const server = await RedisServer.start({ dir: join(dir, "data"), aof: options.aof });
		const scenario = new Scenario(name, dir, server, options.events ?? false);
		ctx.onTestFinished(async () => {
			await scenario.close(ctx.task.result?.state === "pass");
		});
		return scenario;
	}

	get url(): string {
		return this.server.url;
	}

	/**
	 * The test's own store (same prefix): adds made by the test, stats, dead letter. It writes
	 * events when the scenario started with `events`.
	 */
	async store(): Promise<RedisJobStore> {
		this.#store ??= await RedisJobStore.connect({
			url: this.url,
			prefix: this.prefix,
			...(this.#events ? { events: { maxLen: 100_000 } } : {}),
		});
		return this.#store;
	}

	/**
	 * Follows the queue's events from now on (the workers must write them: `events: true`):
	 * `read()` gives every event since, in stream order, and fails if the cap dropped any.
	 */
	async eventLog(): Promise<{ read(): Promise<StoredEvent[]> }> {
		const events = await RedisJobStore.connect({
			url: this.url,
			prefix: this.prefix,
			events: { maxLen: 100_000 },
		});
		this.#eventStores.push(events);
		const from = await events.eventsCursor();
		return {
			async read() {
				const all: StoredEvent[] = [];
				for (let cursor = from; ; ) {
					const page = await events.readEvents({ after: cursor, limit: 1_000 });
					if (page.missed) throw new Error(`events after ${cursor} were dropped by the cap`);
					if (page.events.length === 0) return all;
					all.push(...page.events);
					cursor = page.cursor;
				}
			},
		};
	}

	async worker(name: string, config: WorkerConfig = {}): Promise<NodeChild> {
		const { skewMs, ...rest } = config;
		return this.#spawn("worker.mjs", name, "worker", rest, skewMs);
	}

	async producer(name: string, config: ProducerConfig): Promise<NodeChild> {
		const { skewMs, ...rest } = config;
		return this.#spawn("producer.mjs", name, "producer", rest, skewMs);
	}

	/** A subscriber process following the job events (see ../children/subscriber.mjs). */
	async subscriber(name: string): Promise<NodeChild> {
		return this.#spawn("subscriber.mjs", name, "subscriber", {});
	}

	/** A waiter process adding jobs and waiting for each (see ../children/waiter.mjs). */
	async waiter(name: string, config: WaiterConfig): Promise<NodeChild> {
		return this.#spawn("waiter.mjs", name, "waiter", config);
	}

	async #spawn(
		script: string,
		name: string,
		role: string,
		config: object,
		skewMs?: number,
	): Promise<NodeChild> {
		const child = await forkChild(
			script,
			name,
			{ ...config, url: this.url, prefix: this.prefix, ledgerDir: this.ledgerDir },
			this.#childOptions(name, skewMs),
		);
		this.#children.push(child);
		this.log.write({ t: "spawned", target: child.pid, name, role });
		this.#watch(child);
		return child;
	}

	/**
	 * A supervisor: keeps `count` workers with this config alive, starting a new one whenever one
	 * exits (as systemd or Kubernetes would), until the scenario closes or `stop()` is called.
	 */
	supervise(
		name: string,
		count: number,
		config: WorkerConfig,
	): { restarts(): number; stop(): void } {
		let stopped = false;
		let started = 0;
		const keep = async (slot: number): Promise<void> => {
			if (stopped || this.#closing) return;
			started++;
			const child = await this.worker(`${name}${slot}-${started}`, config).catch(
				(error: unknown) => {
					if (!stopped && !this.#closing) {
						this.log.write({ t: "error", error: { message: `supervisor: ${String(error)}` } });
					}
					return undefined;
				},
			);
			if (!child) return;
			await child.exited;
			await keep(slot);
		};
		for (let slot = 1; slot <= count; slot++) void keep(slot);
		return {
			restarts: () => started - count,
			stop: () => {
				stopped = true;
			},
		};
	}

	#childOptions(name: string, skewMs: number | undefined) {
		return {
			logFile: join(this.dir, `${name}-${++this.#seq}.log`),
			execArgv: skewMs
				? ["--import", new URL("../children/skew-clock.mjs", import.meta.url).href]
				: [],
			env: skewMs ? { JOBS_CLOCK_SKEW_MS: String(skewMs) } : ({} as Record<string, string>),
		};
	}

	#watch(child: NodeChild): void {
		void child.exited.then(({ code, signal }) => {
			this.log.write({ t: "exit", target: child.pid, name: child.name, code, signal });
		});
	}

	/** Adds jobs from the test process in batches of 1,000 and records each acknowledged id. */
	async addJobs(
		count: number,
		data: (i: number) => Record<string, unknown> = () => ({}),
		options: AddOptions | ((i: number) => AddOptions) = {},
		name = "job",
	): Promise<string[]> {
		const store = await this.store();
		const { JobQueue } = await import("@jobs/core");
		const queue = new JobQueue({ store, ownsStore: false });
		const ids: string[] = [];
		for (let from = 0; from < count; from += 1_000) {
			const specs = [];
			for (let i = from; i < Math.min(count, from + 1_000); i++) {
				specs.push({
					name,
					data: { i, ...data(i) },
					options: typeof options === "function" ? options(i) : options,
				});
			}
			const sent = hr();
			const batch = await queue.addMany(specs);
			for (const { id } of batch) this.log.write({ t: "add", id, sent });
			ids.push(...batch.map((r) => r.id));
		}
		return ids;
	}

	/** SIGKILL a child and wait until it is gone. */
	async kill(child: NodeChild): Promise<void> {
		this.log.write({ t: "killed", target: child.pid, name: child.name });
		child.signal("SIGKILL");
		await child.exited;
	}

	/** SIGSTOP / SIGCONT: the process freezes, its timers, sockets and leases with it. */
	pause(child: NodeChild): void {
		this.log.write({ t: "sigstop", target: child.pid, name: child.name });
		child.signal("SIGSTOP");
	}

	resume(child: NodeChild): void {
		this.log.write({ t: "sigcont", target: child.pid, name: child.name });
		child.signal("SIGCONT");
	}

	/** Asks a worker to stop (drain) and waits for it to exit. */
	async stopWorker(child: NodeChild, timeout?: number): Promise<void> {
		child.send({ cmd: "stop", timeout });
		await child.exited;
	}

	/** Kills every client connection (`CLIENT KILL TYPE normal`); the server stays up. */
	async killConnections(): Promise<void> {
		this.log.write({ t: "connections-killed" });
		await this.redis.call("CLIENT", "KILL", "TYPE", "normal").catch(() => undefined);
	}

	async killRedis(): Promise<void> {
		this.log.write({ t: "redis-killed", target: this.server.pid });
		await this.server.kill();
	}

	async startRedis(): Promise<void> {
		await this.server.restart();
		this.log.write({ t: "redis-started", target: this.server.pid });
	}

	ledger(): Analysis {
		return analyze(readLedger(this.ledgerDir));
	}

	/** Polls `check` until it holds; fails with `what` and the children's output after `timeoutMs`. */
	async waitFor(
		what: string,
		check: () => boolean | Promise<boolean>,
		timeoutMs = 60_000,
		intervalMs = 50,
	): Promise<void> {
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			if (await check()) return;
			if (Date.now() > deadline) {
				throw new Error(
					`[faults] ${this.name}: timed out after ${timeoutMs} ms waiting for ${what}\n${this.outputs()}`,
				);
			}
			await new Promise((resolve) => setTimeout(resolve, intervalMs));
		}
	}

	/** Waits until the ledger shows something (re-read every `intervalMs`). */
	async waitForLedger(
		what: string,
		check: (a: Analysis) => boolean,
		timeoutMs = 60_000,
		intervalMs = 100,
	) {
		let last: Analysis | undefined;
		await this.waitFor(
			what,
			() => {
				last = this.ledger();
				return check(last);
			},
			timeoutMs,
			intervalMs,
		);
		return last!;
	}

	/** Raw counts straight from the keys (no store code involved). */
	async rawCounts(): Promise<{ ready: number; delayed: number; active: number; dead: number }> {
		const snap = await snapshot(this.redis, this.prefix);
		return {
			ready: snap.ready.length,
			delayed: snap.delayed.length,
			active: snap.active.length,
			dead: snap.deadOrder.length,
		};
	}

	/** Waits until no job is ready, delayed or active, and `expected` jobs are accounted for. */
	async waitUntilDrained(timeoutMs = 60_000): Promise<void> {
		await this.waitFor(
			"the queue to drain (nothing ready, delayed or active)",
			async () => {
				const c = await this.rawCounts();
				return c.ready + c.delayed + c.active === 0;
			},
			timeoutMs,
			100,
		);
	}

	/**
	 * The final checks: ledger invariants and store structure. Prints the report line and fails
	 * the test on any violation. Call once everything settled (workers may still run idle).
	 */
	async verify(options: CheckOptions = {}): Promise<Report> {
		const store = await this.store();
		// Read stats between two identical snapshots so that the counts are known to be still.
		let snap = await snapshot(this.redis, this.prefix);
		let stats: JobStats | undefined;
		for (let i = 0; i < 5; i++) {
			const s = await store.stats();
			const again = await snapshot(this.redis, this.prefix);
			if (JSON.stringify({ ...again, now: 0 }) === JSON.stringify({ ...snap, now: 0 })) {
				stats = s;
				break;
			}
			snap = again;
		}
		const structure = structureViolations(snap, stats);
		const report = checkLedger(this.ledger(), snap, options);
		report.violations.push(...structure);
		if (!stats) report.violations.push("the store never held still long enough to compare stats()");
		else if (stats.active !== 0)
			report.violations.push(`${stats.active} jobs still active at the end`);
		console.log(formatReport(this.name, report, hr() - this.startedAt));
		expect(
			report.violations.slice(0, 50),
			`ledger and store violations (ledger in ${this.dir})`,
		).toEqual([]);
		return report;
	}

	outputs(): string {
		return this.#children
			.map(
				(c) =>
					`--- ${c.name} (pid ${c.pid}, ${c.isAlive() ? "alive" : "exited"}) ---\n${c.output().slice(-2_000)}`,
			)
			.join("\n");
	}

	async close(passed: boolean): Promise<void> {
		this.#closing = true;
		await killAllProcesses();
		await this.#store?.close().catch(() => {});
		for (const events of this.#eventStores) await events.close().catch(() => {});
		await this.server.close();
		if (passed && process.env.JOBS_FAULTS_KEEP !== "1")
			rmSync(this.dir, { recursive: true, force: true });
		else
			console.warn(`[faults] ${this.name} failed: ledger, logs and Redis data kept in ${this.dir}`);
	}
}
