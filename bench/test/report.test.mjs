import { describe, expect, it } from "vitest";
import { judge, renderReport, renderSummary, summarizeRow } from "../src/report.mjs";
import { latencySummary, median, percentileSorted } from "../src/stats.mjs";

const cases = [
	{ id: "enqueue", title: "enqueue", scenario: "enqueue", params: { n: 10 } },
	{ id: "process-c1", title: "process c1", scenario: "process", params: { n: 10, concurrency: 1 } },
	{ id: "memory-waiting", title: "memory", scenario: "memory", params: { n: 10 } },
];

const run = (round, id, system, result) => ({ round, case: id, system, result });
const cost = (redisCommands) => ({
	nodeCpuUs: 10,
	redisCpuUs: 5,
	redisCommands,
	clientCommands: 1,
	netBytes: 100,
	commandstats: { evalsha: { calls: 1, usec: 2 } },
});

const data = {
	meta: {
		rounds: 2,
		quick: false,
		startedAt: "2030-01-01T00:00:00.000Z",
		finishedAt: "2030-01-01T00:01:00.000Z",
		command: "pnpm bench",
		machine: { nproc: 2, cpuModel: "cpu", memGiB: 24, os: "Linux", node: "v20.0.0" },
		redis: { version: "7.0.15", port: 1 },
		versions: { jobsCore: "0.0.0", jobsStoreRedis: "0.0.0", bullmq: "6.7.0", ioredis: "6.0.0" },
		git: { commit: "abc1234", dirty: false },
	},
	cases,
	runs: [
		run(1, "enqueue", "jobs", { throughput: 30_000, cost: cost(4) }),
		run(1, "enqueue", "bullmq", { throughput: 10_000, cost: cost(9) }),
		run(2, "enqueue", "bullmq", { throughput: 12_000, cost: cost(9) }),
		run(2, "enqueue", "jobs", { throughput: 24_000, cost: cost(4) }),
		run(1, "process-c1", "jobs", { throughput: 5_000, cost: cost(7), foreignCores: 0.1 }),
		run(1, "process-c1", "bullmq", { throughput: 4_000, cost: cost(23) }),
		{ round: 2, case: "process-c1", system: "jobs", error: "Error: boom\n at x" },
		run(2, "process-c1", "bullmq", { throughput: 4_000, cost: cost(23) }),
		run(1, "memory-waiting", "jobs", { bytesPerJob: 60 }),
		run(1, "memory-waiting", "bullmq", { bytesPerJob: 300 }),
		run(2, "memory-waiting", "jobs", { bytesPerJob: 60 }),
		run(2, "memory-waiting", "bullmq", { bytesPerJob: 300 }),
	],
};

describe("stats", () => {
	it("takes medians and nearest-rank percentiles", () => {
		expect(median([3, 1, 2])).toBe(2);
		expect(median([4, 1, 3, 2])).toBe(2.5);
		expect(median([undefined, 5])).toBe(5);
		expect(median([])).toBeUndefined();
		const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
		expect(percentileSorted(sorted, 50)).toBe(50);
		expect(percentileSorted(sorted, 99)).toBe(99);
		expect(latencySummary([5, 1, 3])).toMatchObject({ n: 3, p50: 3, max: 5, mean: 3 });
	});
});

describe("report", () => {
	it("computes ratios of medians and per-round ratios", () => {
		const s = summarizeRow(data, { case: "enqueue", metric: "throughput" });
		expect(s.oursMedian).toBe(27_000);
		expect(s.theirsMedian).toBe(11_000);
		expect(s.roundRatios).toEqual([3, 2]);
	});

	it("judges targets, saying by how much one is missed", () => {
		expect(judge(3.2, { op: ">=", value: 3 })).toEqual({ met: true, text: "met (≥ 3×)" });
		expect(judge(1.5, { op: ">=", value: 3 }).text).toBe("**missed** (≥ 3×; 2.00× short)");
		expect(judge(8, { op: "<=", value: 6, absolute: true }).text).toBe(
			"**missed** (≤ 6; 1.33× short)",
		);
		expect(judge(undefined, { op: "<=", value: 0.4 }).met).toBeUndefined();
		// Commands per job are judged as displayed (2 decimals): start-up calls do not count.
		const startup = { ...data, runs: [run(1, "process-c1", "jobs", { cost: cost(6.004) })] };
		const row = {
			case: "process-c1",
			metric: "cost.redisCommands",
			target: { op: "<=", value: 6, absolute: true },
		};
		expect(summarizeRow(startup, row).verdict.met).toBe(true);
	});

	it("renders the summary table for a fixed input", () => {
		const lines = renderSummary(data).split("\n");
		expect(lines[0]).toBe(
			"| metric | @jobs/store-redis (median) | BullMQ 6.7.0 (median) | ratio of medians | per-round ratios | target |",
		);
		expect(lines).toContain(
			"| enqueue (jobs/s, higher is better) | 27,000 | 11,000 | 2.45× | 3.00×, 2.00× | **missed** (≥ 3.5×; 1.43× short) |",
		);
		expect(lines).toContain(
			"| process, concurrency 1 (jobs/s, higher is better) | 5,000 | 4,000 | 1.25× | 1.25×, – | **missed** (≥ 2×; 1.60× short) |",
		);
		expect(lines).toContain(
			"| Redis commands / processed job, c=1 (cmds, lower is better) | 7.00 | 23.00 | – | – | **missed** (≤ 6; 1.17× short) |",
		);
		expect(lines).toContain(
			"| Redis bytes / waiting job (B, lower is better) | 60 | 300 | 0.200× | 0.200×, 0.200× | met (≤ 0.33×) |",
		);
	});

	it("renders the whole report, listing failed runs", () => {
		const md = renderReport(data);
		expect(md).toContain("# Benchmark: @jobs/store-redis vs BullMQ");
		expect(md).toContain("- Rerun: `pnpm bench`");
		expect(md).toContain("- process-c1 / jobs / round 2: Error: boom");
		expect(md).toContain("used a median of 0.10 cores (max 0.10)");
	});
});
