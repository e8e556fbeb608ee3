#!/usr/bin/env node
/**
 * `node src/diagnose.mjs [--jobs 50] [--concurrency 1] [--systems jobs,bullmq]`
 *
 * What one processed job costs in Redis, command by command, on a small run (not a benchmark):
 * - MONITOR while a worker processes `--jobs` pre-filled no-op jobs: every command in order,
 *   with the ones run inside Lua scripts marked `lua`, and the per-job sequence of one job in
 *   the middle of the run (steady state);
 * - SLOWLOG with `slowlog-log-slower-than 0`: the server-side duration of each top-level call,
 *   grouped by script (EVALSHA digests are mapped back to script names);
 * - INFO commandstats deltas per job.
 * Writes results/diagnose.md (and prints it).
 */
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { Redis } from "ioredis";
import { loadLua, scriptSpecs } from "../../packages/store-redis/dist/scripts.js";
import { startRedis } from "./redis.mjs";
import { createSystem, LABELS } from "./systems.mjs";
import { prefill } from "./workload.mjs";

const { values: args } = parseArgs({
	options: {
		jobs: { type: "string", default: "50" },
		concurrency: { type: "string", default: "1" },
		systems: { type: "string", default: "jobs,bullmq" },
		"redis-url": { type: "string" },
	},
});
const N = Number(args.jobs);
const concurrency = Number(args.concurrency);
const here = dirname(fileURLToPath(import.meta.url));

// Map EVALSHA digests back to script names: BullMQ's through its defineCommand calls, ours from
// the store's own script registry (it runs each script by the SHA-1 of its code).
const scriptNames = new Map();
const originalDefine = Redis.prototype.defineCommand;
Redis.prototype.defineCommand = function namedDefineCommand(name, definition) {
	scriptNames.set(createHash("sha1").update(definition.lua).digest("hex"), name);
	return originalDefine.call(this, name, definition);
};
for (const [name, file] of Object.entries(scriptSpecs)) {
	scriptNames.set(createHash("sha1").update(loadLua(file)).digest("hex"), name);
}
const scriptName = (sha) => scriptNames.get(sha) ?? sha.slice(0, 8);

function describeCall(args) {
	const [command, ...rest] = args;
	const c = command.toLowerCase();
	if (c === "evalsha") return `EVALSHA ${scriptName(rest[0])}`;
	if (c === "eval") return "EVAL (script source)";
	return command.toUpperCase();
}

async function diagnose(system, url) {
	const admin = new Redis(url);
	await admin.flushall("SYNC");
	const sys = await createSystem(system, { url });
	// Pre-fill, and warm the scripts so the run does not show NOSCRIPT fallbacks.
	await prefill(sys, N);
	let done = 0;
	let allDone;
	const finished = new Promise((resolve) => {
		allDone = resolve;
	});
	sys.onCompleted(() => {
		if (++done === N) allDone();
	});
	const worker = await sys.prepareWorker({ concurrency });

	const monitor = await admin.monitor();
	const lines = [];
	monitor.on("monitor", (_time, callArgs, source) => {
		lines.push({ args: callArgs, lua: source === "lua" });
	});
	await admin.config("SET", "slowlog-log-slower-than", "0");
	await admin.config("SET", "slowlog-max-len", "100000");
	await admin.slowlog("RESET");
	await admin.config("RESETSTAT");
	await sleep(50);
	lines.length = 0;

	worker.start();
	await finished;
	await sleep(50); // the monitor stream lags a little
	const stats = await admin.info("commandstats");
	const slowlog = await admin.slowlog("GET", 100000);
	await admin.config("SET", "slowlog-log-slower-than", "10000");
	monitor.disconnect();
	await worker.stop();
	await sys.close();
	admin.disconnect();

	// Commands seen, in total and per job.
	const top = lines.filter((l) => !l.lua && !isAdmin(l.args));
	const inner = lines.filter((l) => l.lua);
	const tally = new Map();
	for (const l of lines) {
		if (isAdmin(l.args)) continue;
		const key = `${l.lua ? "  (in script) " : ""}${describeCall(l.args)}`;
		tally.set(key, (tally.get(key) ?? 0) + 1);
	}
	// One job's sequence in the steady state: the lines between two consecutive top-level
	// settle/move calls around the middle of the run.
	const settleIdx = [];
	lines.forEach((l, i) => {
		if (!l.lua && isSettle(l.args)) settleIdx.push(i);
	});
	const mid = Math.floor(settleIdx.length / 2);
	const sequence =
		settleIdx.length > 2
			? lines.slice(settleIdx[mid], settleIdx[mid + 1]).filter((l) => !isAdmin(l.args))
			: [];

	// SLOWLOG: top-level calls with their server-side duration, grouped.
	const durations = new Map();
	for (const entry of slowlog) {
		const [, , micros, callArgs] = entry;
		if (isAdmin(callArgs)) continue;
		const key = describeCall(callArgs);
		const d = durations.get(key) ?? { calls: 0, us: 0, max: 0 };
		d.calls++;
		d.us += Number(micros);
		d.max = Math.max(d.max, Number(micros));
		durations.set(key, d);
	}
	const commandstats = stats
		.split("\r\n")
		.filter((l) => l.startsWith("cmdstat_"))
		.map((l) => {
			const [name, rest] = l.slice(8).split(":");
			const calls = Number(/calls=(\d+)/.exec(rest)[1]);
			const usec = Number(/usec=(\d+)/.exec(rest)[1]);
			return { name, calls, usec };
		})
		.filter(
			(s) => !["config", "slowlog", "info", "monitor", "flushall"].includes(s.name.split("|")[0]),
		);

	return { system, top, inner, tally, sequence, durations, commandstats };
}

function isAdmin(args) {
	const c = String(args[0]).toLowerCase();
	return ["monitor", "config", "slowlog", "info", "flushall", "client", "ping"].includes(c);
}

function isSettle(args) {
	if (String(args[0]).toLowerCase() !== "evalsha") return false;
	const name = scriptName(args[1]);
	return /^(ack|moveToFinished)/.test(name);
}

function render(results) {
	const out = [
		`# What one processed job costs in Redis (${N} pre-filled no-op jobs, concurrency ${concurrency})`,
		"",
		"Captured with MONITOR (commands in order; `(in script)` marks commands a Lua script ran), SLOWLOG with `slowlog-log-slower-than 0` (server-side µs per top-level call) and INFO commandstats. Not a benchmark: MONITOR itself slows Redis down.",
	];
	for (const r of results) {
		out.push("", `## ${LABELS[r.system]}`, "");
		out.push(
			`Per job: **${((r.top.length + r.inner.length) / N).toFixed(2)}** commands (${(r.top.length / N).toFixed(2)} sent by the client, ${(r.inner.length / N).toFixed(2)} inside scripts).`,
			"",
		);
		out.push("| command | per job |", "| --- | ---: |");
		for (const [k, v] of [...r.tally].sort((a, b) => b[1] - a[1])) {
			out.push(`| \`${k}\` | ${(v / N).toFixed(2)} |`);
		}
		out.push("", "One job in the steady state (from one settle call to the next):", "", "```");
		for (const l of r.sequence) {
			const text = l.args
				.map((a) => (String(a).length > 40 ? `${String(a).slice(0, 37)}...` : String(a)))
				.join(" ");
			out.push(
				`${l.lua ? "    [lua] " : ""}${l.args[0].toLowerCase() === "evalsha" ? `EVALSHA <${scriptName(l.args[1])}> ${l.args.slice(2).join(" ").slice(0, 100)}` : text}`,
			);
		}
		out.push("```", "", "Server-side time per top-level call (SLOWLOG, µs):", "");
		out.push("| call | calls | mean µs | max µs |", "| --- | ---: | ---: | ---: |");
		for (const [k, d] of [...r.durations].sort((a, b) => b[1].us - a[1].us)) {
			out.push(`| \`${k}\` | ${d.calls} | ${(d.us / d.calls).toFixed(1)} | ${d.max} |`);
		}
		out.push("", "INFO commandstats over the run (calls per job, µs per call):", "");
		out.push("| command | calls / job | µs / call |", "| --- | ---: | ---: |");
		for (const s of r.commandstats.sort((a, b) => b.calls - a.calls)) {
			out.push(
				`| \`${s.name}\` | ${(s.calls / N).toFixed(2)} | ${(s.usec / s.calls).toFixed(2)} |`,
			);
		}
	}
	return `${out.join("\n")}\n`;
}

async function main() {
	const redis = args["redis-url"]
		? { url: args["redis-url"], stop: async () => {} }
		: await startRedis();
	try {
		const results = [];
		for (const system of args.systems.split(",")) results.push(await diagnose(system, redis.url));
		const md = render(results);
		const dir = join(here, "..", "results");
		mkdirSync(dir, { recursive: true });
		writeFileSync(join(dir, `diagnose-c${concurrency}.md`), md);
		console.log(md);
	} finally {
		await redis.stop();
	}
}

main().then(
	() => process.exit(0),
	(error) => {
		console.error(error);
		process.exit(1);
	},
);
