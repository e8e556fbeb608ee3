/**
 * Turns the benchmark's JSON (meta + runs) into the markdown report. Pure: no I/O.
 */
import { COMMANDSTATS_CASES, COST_CASES, COST_METRICS, SUMMARY_ROWS } from "./cases.mjs";
import { median, pick, ratio } from "./stats.mjs";

const OURS = "jobs";
const THEIRS = "bullmq";

/** Values of `metric` for `system` in `caseId`, one per round (undefined where it failed). */
export function valuesByRound(data, caseId, system, metric) {
	const out = [];
	for (let round = 1; round <= data.meta.rounds; round++) {
		const run = data.runs.find(
			(r) => r.case === caseId && r.system === system && r.round === round,
		);
		const value = run?.result ? pick(run.result, metric) : undefined;
		out.push(typeof value === "number" && Number.isFinite(value) ? value : undefined);
	}
	return out;
}

/** Median per system, ratio of medians, per-round ratios, and the target verdict of one row. */
export function summarizeRow(data, row) {
	const ours = valuesByRound(data, row.case, OURS, row.metric);
	const theirs = valuesByRound(data, row.case, THEIRS, row.metric);
	const oursMedian = median(ours);
	const theirsMedian = median(theirs);
	const medianRatio = ratio(oursMedian, theirsMedian);
	const roundRatios = ours.map((v, i) => ratio(v, theirs[i]));
	let verdict;
	if (row.target) {
		// Absolute targets (commands per job) are judged as shown, to 2 decimals: the third is
		// the worker's few start-up calls spread over the run.
		const value = row.target.absolute ? round2(oursMedian) : medianRatio;
		verdict = judge(value, row.target);
	}
	return { ours, theirs, oursMedian, theirsMedian, medianRatio, roundRatios, verdict };
}

function round2(v) {
	return v === undefined ? undefined : Math.round(v * 100) / 100;
}

/** `{ met, text }` for a value against `{ op, value, absolute }`; undefined value → not measured. */
export function judge(value, target) {
	const unit = target.absolute ? "" : "×";
	const want = `${target.op === ">=" ? "≥" : "≤"} ${target.value}${unit}`;
	if (value === undefined) return { met: undefined, text: `not measured (target ${want})` };
	const met = target.op === ">=" ? value >= target.value : value <= target.value;
	if (met) return { met, text: `met (${want})` };
	// How far off, as the factor still needed: ≥ targets need value × f, ≤ targets need value ÷ f.
	const factor = target.op === ">=" ? target.value / value : value / target.value;
	return { met, text: `**missed** (${want}; ${formatFactor(factor)} short)` };
}

function formatFactor(f) {
	return `${f.toFixed(2)}×`;
}

/** Number formatting shared by every table. */
export function formatValue(value, unit) {
	if (value === undefined) return "–";
	if (unit === "jobs/s" || unit === "B") return Math.round(value).toLocaleString("en-US");
	if (unit === "ms") return value < 10 ? value.toFixed(2) : value.toFixed(1);
	if (unit === "cmds") return value.toFixed(2);
	if (Math.abs(value) >= 100) return Math.round(value).toLocaleString("en-US");
	return value.toFixed(Math.abs(value) >= 10 ? 1 : 2);
}

export function formatRatio(r) {
	if (r === undefined) return "–";
	return `${r >= 10 ? r.toFixed(1) : r >= 1 ? r.toFixed(2) : r.toFixed(3)}×`;
}

function table(header, rows) {
	const lines = [
		`| ${header.join(" | ")} |`,
		`|${header.map((_, i) => (i === 0 ? " --- " : " ---: ")).join("|")}|`,
	];
	for (const row of rows) lines.push(`| ${row.join(" | ")} |`);
	return lines.join("\n");
}

/** The results table: one row per metric. */
export function renderSummary(data) {
	const rows = [];
	for (const row of SUMMARY_ROWS) {
		if (!data.cases.some((c) => c.id === row.case)) continue;
		const s = summarizeRow(data, row);
		rows.push([
			`${row.label} (${row.unit}, ${row.better} is better)`,
			formatValue(s.oursMedian, row.unit),
			formatValue(s.theirsMedian, row.unit),
			row.target?.absolute ? "–" : formatRatio(s.medianRatio),
			row.target?.absolute ? "–" : s.roundRatios.map(formatRatio).join(", "),
			s.verdict?.text ?? "",
		]);
	}
	return table(
		[
			"metric",
			"@jobs/store-redis (median)",
			`BullMQ ${data.meta.versions?.bullmq ?? ""} (median)`,
			"ratio of medians",
			"per-round ratios",
			"target",
		],
		rows,
	);
}

/** Per-job cost table: median per system for each cost metric. */
export function renderCost(data) {
	const rows = [];
	for (const caseId of COST_CASES) {
		if (!data.cases.some((c) => c.id === caseId)) continue;
		for (const system of [OURS, THEIRS]) {
			const cells = COST_METRICS.map((m) =>
				formatValue(
					median(valuesByRound(data, caseId, system, `cost.${m.key}`)),
					m.key === "netBytes" ? "B" : "",
				),
			);
			rows.push([`${caseId}`, system === OURS ? "@jobs/store-redis" : "BullMQ", ...cells]);
		}
	}
	return table(["case", "system", ...COST_METRICS.map((m) => m.label)], rows);
}

/** Per-command calls per job (INFO commandstats deltas; script-internal commands included). */
export function renderCommandstats(data) {
	const parts = [];
	for (const caseId of COMMANDSTATS_CASES) {
		if (!data.cases.some((c) => c.id === caseId)) continue;
		const names = new Set();
		for (const run of data.runs) {
			if (run.case !== caseId || !run.result?.cost?.commandstats) continue;
			for (const name of Object.keys(run.result.cost.commandstats)) names.add(name);
		}
		const rows = [];
		for (const name of [...names].sort()) {
			const cells = [OURS, THEIRS].map((system) =>
				median(valuesByRound(data, caseId, system, `cost.commandstats.${name}.calls`)),
			);
			if (cells.every((v) => v === undefined || v < 0.005)) continue;
			rows.push([`\`${name}\``, ...cells.map((v) => (v === undefined ? "–" : v.toFixed(2)))]);
		}
		const totals = [OURS, THEIRS].map((system) =>
			median(valuesByRound(data, caseId, system, "cost.redisCommands")),
		);
		rows.push(["**total**", ...totals.map((v) => (v === undefined ? "–" : `**${v.toFixed(2)}**`))]);
		parts.push(
			`#### ${caseId}\n\n${table(["command", "@jobs/store-redis / job", "BullMQ / job"], rows)}`,
		);
	}
	return parts.join("\n\n");
}

/** Details of the latency runs: delivered rate, completeness, send lag. */
export function renderLatencyDetails(data) {
	const rows = [];
	for (const c of data.cases.filter((x) => x.scenario === "latency")) {
		for (const system of [OURS, THEIRS]) {
			for (const run of data.runs.filter((r) => r.case === c.id && r.system === system)) {
				const r = run.result;
				if (!r) continue;
				rows.push([
					c.id,
					system === OURS ? "@jobs/store-redis" : "BullMQ",
					String(run.round),
					formatValue(r.achievedSendRate, "jobs/s"),
					r.foreignCores === undefined ? "–" : r.foreignCores.toFixed(2),
					`${r.received}/${r.jobs}`,
					formatValue(r.maxSendLagMs, "ms"),
					formatValue(r.latency?.p50, "ms"),
					formatValue(r.latency?.p99, "ms"),
					formatValue(r.latency?.max, "ms"),
				]);
			}
		}
	}
	return table(
		[
			"case",
			"system",
			"round",
			"sent/s",
			"received",
			"max send lag ms",
			"p50 ms",
			"p99 ms",
			"max ms",
		],
		rows,
	);
}

function renderErrors(data) {
	const failed = data.runs.filter((r) => r.error);
	if (failed.length === 0) return "";
	const lines = failed.map(
		(r) => `- ${r.case} / ${r.system} / round ${r.round}: ${r.error.split("\n")[0]}`,
	);
	return `\n## Runs that failed\n\n${lines.join("\n")}\n`;
}

/**
 * A/B table for runs with variants (`jobs@NAME`): medians per system, each with its ratio to the
 * baseline (plain `jobs` when it ran, else the first system listed) and, for throughput and
 * latency, to BullMQ in the same run.
 */
export function renderVariants(data) {
	const systems = data.meta.systems ?? [];
	if (!systems.some((s) => s.startsWith("jobs@"))) return "";
	const baseline = systems.includes(OURS) ? OURS : systems.find((s) => s !== THEIRS);
	const metrics = [
		["throughput", "jobs/s", "jobs/s", true],
		["latency.p99", "p99 ms", "ms", true],
		["cost.nodeCpuUs", "Node µs/job", "", false],
		["cost.redisCpuUs", "Redis µs/job", "", false],
		["cost.redisCommands", "cmds/job", "cmds", false],
	];
	const rows = [];
	for (const c of data.cases) {
		for (const system of systems) {
			const cells = metrics.map(([metric, , unit, vsTheirs]) => {
				const v = median(valuesByRound(data, c.id, system, metric));
				if (v === undefined) return "–";
				const notes = [];
				if (system !== baseline) {
					const r = ratio(v, median(valuesByRound(data, c.id, baseline, metric)));
					if (r !== undefined) notes.push(`${formatRatio(r)} base`);
				}
				if (vsTheirs && system !== THEIRS) {
					const r = ratio(v, median(valuesByRound(data, c.id, THEIRS, metric)));
					if (r !== undefined) notes.push(`${formatRatio(r)} BullMQ`);
				}
				return `${formatValue(v, unit)}${notes.length ? ` (${notes.join(", ")})` : ""}`;
			});
			rows.push([c.id, system, ...cells]);
		}
	}
	return `\n## Variants (A/B of working copies; medians, ratios vs ${baseline} and vs BullMQ)\n\n${table(["case", "system", ...metrics.map((m) => m[1])], rows)}\n`;
}

/** One line on how busy the machine was with other work during the measured windows. */
export function renderLoad(data) {
	const loads = data.runs.map((r) => r.result?.foreignCores).filter((v) => typeof v === "number");
	if (loads.length === 0) return "";
	const sorted = [...loads].sort((a, b) => a - b);
	const noisy = loads.filter((v) => v > 0.3).length;
	return `- Other processes on the machine used a median of ${median(loads).toFixed(2)} cores (max ${sorted[sorted.length - 1].toFixed(2)}) during the measured windows; ${noisy} of ${loads.length} runs had more than 0.3 cores of such load${data.meta.quick ? "" : " (each run first waits up to 20 s for the machine to calm down)"}.\n`;
}

/** The whole markdown report. */
export function renderReport(data) {
	const m = data.meta;
	const v = m.versions ?? {};
	const caseLines = data.cases.map(
		(c) => `- \`${c.id}\`: ${c.title}; params \`${JSON.stringify(c.params)}\``,
	);
	return `# Benchmark: @jobs/store-redis vs BullMQ

${m.quick ? "**Quick mode** (small sizes, one round): for development, not for claims.\n\n" : ""}Run ${m.startedAt} → ${m.finishedAt}, ${m.rounds} round${m.rounds > 1 ? "s" : ""}, each case × system in a fresh Node process, systems interleaved (order alternates per round), \`FLUSHALL\` before every run. Ratios are @jobs/store-redis ÷ BullMQ: above 1× is better for throughput, below 1× is better for latency and memory.

- Machine: ${m.machine?.nproc} CPUs (${m.machine?.cpuModel}), ${m.machine?.memGiB} GiB, ${m.machine?.os}
- Node ${m.machine?.node}, Redis ${m.redis?.version} (spawned by the benchmark on 127.0.0.1:${m.redis?.port}, \`--save "" --appendonly no\`)
- Versions: @jobs/core ${v.jobsCore}, @jobs/store-redis ${v.jobsStoreRedis} (git ${m.git?.commit}${m.git?.dirty ? ", with uncommitted changes in packages/" : ""}), bullmq ${v.bullmq}, ioredis ${v.ioredis}
- Rerun: \`${m.command}\`
- Where the time and the commands go, and what each recommended change buys: \`bench/DIAGNOSIS.md\`
${renderLoad(data)}
## Results

${renderSummary(data)}

## Cost per job

Deltas over the measured window divided by jobs: Node CPU (\`process.cpuUsage\`), Redis CPU (\`INFO cpu\` used_cpu_sys + used_cpu_user), Redis commands (\`INFO stats\` total_commands_processed, which on Redis 7 includes commands run inside Lua scripts), commands the client sent (counted in ioredis, i.e. round-trip commands), and network bytes (\`INFO stats\` total_net_input_bytes + total_net_output_bytes). The benchmark's own \`INFO\` calls are subtracted. \`latency-500\` includes both the add and the processing of each job; \`scaleout-2\` counts the Node CPU of both worker processes.

${renderCost(data)}

### Commands per job, by command (\`INFO commandstats\`)

${renderCommandstats(data)}

## Latency runs

Latency = handler start − just before \`add\`, one process clock (\`performance.now()\`); the producer is open-loop (sends on schedule without waiting for replies); jobs sent in the first 10% of the schedule are excluded as warm-up.

${renderLatencyDetails(data)}

## Cases

${caseLines.join("\n")}

Job data is \`{ i, email: "user-<i>@example.com" }\` (about 40 bytes of JSON) for every system. BullMQ: \`Queue\` with \`defaultJobOptions: { removeOnComplete: true }\` (default \`removeOnFail\`), \`Worker\` connections with \`maxRetriesPerRequest: null\`, all else default. @jobs: \`JobQueue\` over \`RedisJobStore.connect({ url, prefix })\`, \`queue.work({ concurrency })\`, defaults otherwise.
${renderVariants(data)}${renderErrors(data)}`;
}
