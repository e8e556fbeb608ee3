#!/usr/bin/env node
/**
 * `pnpm bench` — @jobs/store-redis vs BullMQ on one spawned redis-server, every case × system
 * in a fresh Node process, interleaved over rounds. Writes bench/results/<stamp>.{md,json} and
 * bench/results/latest.{md,json}.
 *
 *   node src/run.mjs                 full run (5 rounds)
 *   node src/run.mjs --quick         small sizes, 1 round, under a minute (or BENCH_QUICK=1)
 *   options: --rounds N  --only enqueue,process-c1  --systems jobs,bullmq
 *            --cpu-prof jobs|bullmq|all (V8 profile of each measured window, written to
 *              results/profiles/<case>-r<round>-<system>.cpuprofile; summarize with
 *              node src/profile-summary.mjs FILE…)
 *            --redis-url redis://… (use a running server instead of spawning one; it is FLUSHALLed)
 *            --variants FILE (JSON; adds systems jobs@NAME for A/B runs of working copies, see
 *              systems.mjs; e.g. --systems jobs,jobs@lazy-signal --variants exp.json)
 *            --benchmarks-md PATH (also write the report there, e.g. BENCHMARKS.md)
 *            --no-wait (do not wait, before each run, for other work on the machine to calm down;
 *              --quick never waits)
 */
import { execFileSync, fork } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { Redis } from "ioredis";
import { defineCases } from "./cases.mjs";
import { busyCores, cpuTimes, waitForQuiet } from "./load.mjs";
import { endWindow, startRedis, startWindow } from "./redis.mjs";
import { renderReport } from "./report.mjs";
import { SYSTEMS } from "./systems.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const benchDir = join(here, "..");
const repoDir = join(benchDir, "..");
const CHILD = join(here, "child.mjs");
const RUN_TIMEOUT_MS = 5 * 60_000;

const { values: args } = parseArgs({
	options: {
		quick: { type: "boolean", default: process.env.BENCH_QUICK === "1" },
		rounds: { type: "string" },
		only: { type: "string" },
		systems: { type: "string" },
		"cpu-prof": { type: "string" },
		"redis-url": { type: "string", default: process.env.REDIS_URL },
		"no-wait": { type: "boolean", default: false },
		variants: { type: "string" },
		"benchmarks-md": { type: "string" },
		out: { type: "string", default: join(benchDir, "results") },
	},
	allowPositionals: false,
});

const quick = args.quick;
const rounds = Number(args.rounds ?? (quick ? 1 : 5));
let cases = defineCases(quick);
if (args.only) {
	const only = new Set(args.only.split(","));
	cases = cases.filter((c) => only.has(c.id) || only.has(c.scenario));
}
let systems = args.systems ? args.systems.split(",") : [...SYSTEMS];

const live = new Set();
let redis;

async function main() {
	if (args.variants) {
		process.env.BENCH_VARIANTS = readFileSync(args.variants, "utf8");
		JSON.parse(process.env.BENCH_VARIANTS);
	}
	if (systems.includes("jobs") && !(await storeRedisAvailable())) {
		console.error(
			"\n!!! @jobs/store-redis does not export RedisJobStore yet (run `pnpm build`?): running BullMQ only.\n",
		);
		systems = systems.filter((s) => s !== "jobs");
	}
	redis = args["redis-url"]
		? { url: args["redis-url"], port: new URL(args["redis-url"]).port, stop: async () => {} }
		: await startRedis();
	const admin = new Redis(redis.url, { connectionName: "bench-orchestrator" });
	const startedAt = new Date();
	const meta = {
		quick,
		rounds,
		systems,
		startedAt: startedAt.toISOString(),
		command: rerunCommand(),
		machine: {
			nproc: os.availableParallelism?.() ?? os.cpus().length,
			cpuModel: os.cpus()[0]?.model?.trim(),
			memGiB: Math.round(os.totalmem() / 2 ** 30),
			os: `${os.type()} ${os.release()} ${os.arch()}`,
			node: process.version,
		},
		redis: {
			version: /redis_version:(\S+)/.exec(await admin.info("server"))?.[1],
			port: redis.port,
		},
		versions: packageVersions(),
		git: gitInfo(),
		variants: args.variants ? JSON.parse(process.env.BENCH_VARIANTS) : undefined,
	};
	console.log(
		`bench: ${quick ? "quick, " : ""}${rounds} round(s), ${cases.length} case(s), systems ${systems.join(", ")}, redis ${meta.redis.version} at ${redis.url}`,
	);
	const runs = [];
	const t0 = performance.now();
	for (let round = 1; round <= rounds; round++) {
		for (const c of cases) {
			const order = round % 2 === 1 ? systems : [...systems].reverse();
			for (const system of order) {
				// A case of a feature BullMQ sells (Pro) runs ours only.
				if (c.oursOnly && system === "bullmq") continue;
				await admin.flushall("SYNC");
				// A shared box: wait (a while, not forever) for other processes to leave the CPUs.
				const loadBefore = args["no-wait"] || quick ? undefined : await waitForQuiet();
				const began = performance.now();
				let run;
				try {
					const result =
						c.scenario === "scaleout"
							? await runScaleout(admin, c, system, round)
							: await runChild(
									{ system, scenario: c.scenario, params: c.params, url: redis.url },
									c,
									round,
								);
					run = { round, case: c.id, system, loadBefore, result };
				} catch (error) {
					run = { round, case: c.id, system, loadBefore, error: String(error?.stack ?? error) };
				}
				runs.push(run);
				console.log(
					`  r${round} ${c.id.padEnd(15)} ${system.padEnd(7)} ${describeRun(run)}  (${((performance.now() - began) / 1000).toFixed(1)} s)`,
				);
			}
		}
	}
	meta.finishedAt = new Date().toISOString();
	meta.elapsedS = Math.round((performance.now() - t0) / 100) / 10;
	admin.disconnect();
	await redis.stop();

	const data = { meta, cases, runs };
	const markdown = renderReport(data);
	mkdirSync(args.out, { recursive: true });
	const stamp = startedAt.toISOString().replace(/[:.]/g, "-");
	const base = `${quick ? "quick-" : ""}${stamp}`;
	writeFileSync(join(args.out, `${base}.json`), `${JSON.stringify(data, null, "\t")}\n`);
	writeFileSync(join(args.out, `${base}.md`), markdown);
	writeFileSync(join(args.out, "latest.json"), `${JSON.stringify(data, null, "\t")}\n`);
	writeFileSync(join(args.out, "latest.md"), markdown);
	if (args["benchmarks-md"]) {
		writeFileSync(args["benchmarks-md"], markdown);
		formatMarkdown(args["benchmarks-md"]);
	}
	console.log(`\n${markdown}`);
	console.log(
		`bench: ${meta.elapsedS} s; wrote ${join(args.out, `${base}.{md,json}`)} and latest.{md,json}`,
	);
}

function describeRun(run) {
	if (run.error) return `FAILED: ${run.error.split("\n")[0]}`;
	const r = run.result;
	const load =
		r.foreignCores === undefined ? "" : `  [other load ${r.foreignCores.toFixed(2)} cores]`;
	return `${describeResult(r)}${load}`;
}

function describeResult(r) {
	if (r.latency) {
		return `p50 ${r.latency.p50?.toFixed(2)} ms  p99 ${r.latency.p99?.toFixed(2)} ms  max ${r.latency.max?.toFixed(1)} ms  (${r.received}/${r.jobs})`;
	}
	if (r.bytesPerJob !== undefined) return `${Math.round(r.bytesPerJob)} B/job`;
	const cost = r.cost ? `  ${r.cost.redisCommands.toFixed(2)} cmds/job` : "";
	return `${Math.round(r.throughput).toLocaleString("en-US")} jobs/s${cost}`;
}

/** Forks child.mjs for one spec; resolves its result. `onMessage` sees progress messages. */
function forkChild(spec, { c, round, onMessage } = {}) {
	const execArgv = [];
	const profiled = args["cpu-prof"] && c && ["all", spec.system].includes(args["cpu-prof"]);
	if (profiled && spec.scenario !== "scale-worker") {
		// The child profiles its measured window only (not start-up or pre-fill).
		spec = { ...spec, profileDir: join(args.out, "profiles"), name: `${c.id}-r${round}` };
		mkdirSync(spec.profileDir, { recursive: true });
	}
	const child = fork(CHILD, [JSON.stringify(spec)], {
		execArgv,
		stdio: ["ignore", "inherit", "inherit", "ipc"],
	});
	live.add(child);
	const done = new Promise((resolve, reject) => {
		let settled = false;
		const timer = setTimeout(() => {
			child.kill("SIGKILL");
			finish(reject, new Error(`timed out after ${RUN_TIMEOUT_MS / 1000} s`));
		}, RUN_TIMEOUT_MS);
		const finish = (fn, value) => {
			if (settled) return;
			settled = true;
			clearTimeout(timer);
			fn(value);
		};
		child.on("message", (message) => {
			if (message?.type === "result") finish(resolve, message.result);
			else if (message?.type === "error") finish(reject, new Error(message.message));
			else onMessage?.(message);
		});
		child.on("exit", (code, signal) => {
			live.delete(child);
			finish(reject, new Error(`child exited (${signal ?? code}) without a result`));
		});
	});
	return { child, done };
}

async function runChild(spec, c, round) {
	const { child, done } = forkChild(spec, { c, round });
	const result = await done;
	await new Promise((resolve) =>
		child.exitCode !== null ? resolve() : child.once("exit", resolve),
	);
	return result;
}

/**
 * Scale-out: a pre-fill process, then `workers` worker processes that connect, report ready,
 * start together on "go", and report progress; stopped once all jobs are done. Throughput is
 * jobs ÷ (last completion − first worker start), across processes on the wall clock.
 */
async function runScaleout(admin, c, system, round) {
	const { n, workers, concurrency } = c.params;
	await runChild({ system, scenario: "prefill", params: { n }, url: redis.url }, undefined, round);
	const progress = new Array(workers).fill(0);
	let allDone;
	const finished = new Promise((resolve) => {
		allDone = resolve;
	});
	const children = [];
	const readies = [];
	for (let w = 0; w < workers; w++) {
		let ready;
		readies.push(
			new Promise((resolve) => {
				ready = resolve;
			}),
		);
		children.push(
			forkChild(
				{ system, scenario: "scale-worker", params: { concurrency }, url: redis.url },
				{
					c,
					round,
					onMessage(message) {
						if (message.type === "ready") ready();
						if (message.type === "progress") {
							progress[w] = message.done;
							if (progress.reduce((a, b) => a + b, 0) >= n) allDone();
						}
					},
				},
			),
		);
	}
	const failed = Promise.race(children.map((ch) => ch.done.then(() => new Promise(() => {}))));
	failed.catch(() => {});
	await Promise.race([Promise.all(readies), failed]);
	const window = await startWindow(admin);
	const cpu0 = cpuTimes();
	for (const { child } of children) child.send({ type: "go" });
	const timeout = new Promise((_, reject) =>
		setTimeout(
			() => reject(new Error("scale-out did not finish in time")),
			RUN_TIMEOUT_MS - 10_000,
		).unref(),
	);
	await Promise.race([finished, failed, timeout]);
	const cpu1 = cpuTimes();
	const cost = await endWindow(admin, window);
	for (const { child } of children) child.send({ type: "stop" });
	const results = await Promise.all(children.map((ch) => ch.done));
	const start = Math.min(...results.map((r) => r.startedAt));
	const end = Math.max(...results.map((r) => r.lastAt ?? 0));
	const done = results.reduce((a, r) => a + r.done, 0);
	const nodeCpuUs = results.reduce((a, r) => a + r.nodeCpuUs, 0);
	const machine = busyCores(cpu0, cpu1, cost.wallMs);
	const foreignCores =
		machine === undefined
			? undefined
			: Math.max(0, machine - (nodeCpuUs + cost.redisCpuUs) / (cost.wallMs * 1000));
	return {
		jobs: done,
		workers,
		foreignCores,
		throughput: (done / (end - start)) * 1000,
		wallMs: end - start,
		perWorker: results.map((r) => r.done),
		cost: {
			nodeCpuUs: nodeCpuUs / done,
			redisCpuUs: cost.redisCpuUs / done,
			redisCommands: cost.commands / done,
			netBytes: cost.netBytes / done,
			commandstats: Object.fromEntries(
				Object.entries(cost.commandstats).map(([k, v]) => [
					k,
					{ calls: v.calls / done, usec: v.usec / done },
				]),
			),
		},
	};
}

async function storeRedisAvailable() {
	try {
		const mod = await import("@jobs/store-redis");
		return typeof mod.RedisJobStore?.connect === "function";
	} catch {
		return false;
	}
}

function packageVersions() {
	const require = createRequire(join(benchDir, "package.json"));
	const version = (name) => {
		try {
			return JSON.parse(readFileSync(require.resolve(`${name}/package.json`), "utf8")).version;
		} catch {
			return "?";
		}
	};
	return {
		jobsCore: version("@jobs/core"),
		jobsStoreRedis: version("@jobs/store-redis"),
		bullmq: version("bullmq"),
		ioredis: version("ioredis"),
	};
}

function gitInfo() {
	try {
		const commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], {
			cwd: repoDir,
			encoding: "utf8",
		}).trim();
		const dirty =
			execFileSync(
				"git",
				["status", "--porcelain", "--", "packages/core", "packages/store-redis"],
				{
					cwd: repoDir,
					encoding: "utf8",
				},
			).trim() !== "";
		return { commit, dirty };
	} catch {
		return { commit: "?", dirty: false };
	}
}

/** Formats a markdown file the way `pnpm lint` (biome) wants it, so a refreshed report passes lint. */
function formatMarkdown(path) {
	try {
		const biome = join(repoDir, "node_modules", "@biomejs", "biome", "bin", "biome");
		execFileSync(process.execPath, [biome, "format", "--write", path], { stdio: "ignore" });
	} catch (error) {
		console.error(`bench: could not format ${path} with biome: ${error.message}`);
	}
}

function rerunCommand() {
	const extra = process.argv.slice(2).filter((a) => a !== "--quick");
	return `pnpm bench${quick ? " --quick" : ""}${extra.length ? ` ${extra.join(" ")}` : ""}`;
}

async function cleanup() {
	for (const child of live) child.kill("SIGKILL");
	await redis?.stop();
}

process.on("SIGINT", () => {
	void cleanup().finally(() => process.exit(130));
});

main().catch(async (error) => {
	console.error(error);
	await cleanup();
	process.exit(1);
});
