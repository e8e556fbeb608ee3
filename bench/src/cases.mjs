/**
 * What the benchmark runs (full and --quick sizes) and what the report shows for each case,
 * with the targets. Pure data: the report generator and its test read it too.
 */

/** @param {boolean} quick */
export function defineCases(quick) {
	const n = quick ? 2_000 : 20_000;
	const memN = quick ? 10_000 : 100_000;
	const lookupN = quick ? 20_000 : 1_000_000;
	const latencyConcurrency = 10;
	const scaleConcurrency = 10;
	return [
		{
			id: "enqueue",
			title: "enqueue, one add per job, 100 in flight",
			scenario: "enqueue",
			params: { n, inFlight: 100, warmup: quick ? 200 : 1_000 },
		},
		{
			id: "enqueue-jobid",
			title: "enqueue with a caller's jobId, one add per job, 100 in flight",
			scenario: "enqueue",
			params: { n, inFlight: 100, warmup: quick ? 200 : 1_000, identity: "jobId" },
		},
		{
			id: "enqueue-unique",
			title:
				"unique enqueue (unique key vs BullMQ deduplication), half of them duplicates, 100 in flight",
			scenario: "enqueue",
			params: { n, inFlight: 100, warmup: quick ? 200 : 1_000, identity: "unique" },
		},
		{
			id: "enqueue-priority",
			title: "enqueue with priorities, 3 levels (1 to 3, each job its own), 100 in flight",
			scenario: "enqueue",
			params: { n, inFlight: 100, warmup: quick ? 200 : 1_000, priorities: 3 },
		},
		{
			id: "enqueue-bulk",
			title: "bulk enqueue (addMany vs addBulk), batches of 1,000",
			scenario: "enqueue-bulk",
			params: { n, batch: 1_000, warmup: 1_000 },
		},
		...[1, 10, 100].map((concurrency) => ({
			id: `process-c${concurrency}`,
			title: `process pre-filled no-op jobs, concurrency ${concurrency}`,
			scenario: "process",
			params: { n, concurrency },
		})),
		{
			id: "process-c100-priority",
			title: "process pre-filled no-op jobs spread over 3 priorities (1 to 3), concurrency 100",
			scenario: "process",
			params: { n, concurrency: 100, priorities: 3 },
		},
		{
			id: "process-c100-groups",
			title:
				"process pre-filled no-op jobs spread over 1,000 groups (round-robin), concurrency 100 (ours only: BullMQ's groups are paid)",
			scenario: "process",
			params: { n, concurrency: 100, groups: 1_000 },
			oursOnly: true,
		},
		{
			id: "rate-limit",
			title:
				"process pre-filled jobs under a rate limit of 100 starts per 100 ms (1,000/s asked), concurrency 10 (ours: queue.setRateLimit; BullMQ: the worker's limiter)",
			scenario: "rate",
			params: {
				n: quick ? 1_000 : 5_000,
				concurrency: 10,
				max: 100,
				duration: 100,
				retention: "events",
			},
		},
		{
			id: "pause",
			title:
				"pause and resume from a second connection while a worker at concurrency 10 drains a backlog (median of 5 cycles)",
			scenario: "pause",
			params: { n: quick ? 5_000 : 20_000, concurrency: 10, cycles: 5, pauseMs: 200 },
		},
		{
			id: "process-c100-kept",
			title:
				"process pre-filled no-op jobs, concurrency 100, events on and the last 1,000 completed jobs kept (BullMQ: its defaults, events on and every completed job kept)",
			scenario: "process",
			params: { n, concurrency: 100, retention: "last1000" },
		},
		{
			id: "memory-completed",
			title: `Redis memory per kept completed job (${memN.toLocaleString("en-US")} run, all kept; ours with events off, BullMQ's events on as by default)`,
			scenario: "memoryCompleted",
			params: { n: memN, concurrency: 100, retention: "all" },
		},
		...[500, 5_000].map((rate) => ({
			id: `latency-${rate}`,
			title: `end-to-end latency at ${rate.toLocaleString("en-US")}/s offered, worker concurrency ${latencyConcurrency}`,
			scenario: "latency",
			params: {
				rate,
				durationMs: quick ? (rate >= 5_000 ? 1_000 : 2_000) : rate >= 5_000 ? 4_000 : 10_000,
				concurrency: latencyConcurrency,
				warmupFraction: 0.1,
			},
		})),
		{
			id: "memory-waiting",
			title: `Redis memory per waiting job (${memN.toLocaleString("en-US")} waiting)`,
			scenario: "memory",
			params: { n: memN, delayed: false },
		},
		{
			id: "memory-waiting-priority",
			title: `Redis memory per waiting job with a priority (${memN.toLocaleString("en-US")} waiting, 3 priorities)`,
			scenario: "memory",
			params: { n: memN, delayed: false, priorities: 3 },
		},
		{
			id: "memory-waiting-groups",
			title: `Redis memory per waiting job in groups (${memN.toLocaleString("en-US")} waiting over 1,000 groups; ours only)`,
			scenario: "memory",
			params: { n: memN, delayed: false, groups: 1_000 },
			oursOnly: true,
		},
		{
			id: "memory-delayed",
			title: `Redis memory per delayed job (${memN.toLocaleString("en-US")} delayed by 1 h)`,
			scenario: "memory",
			params: { n: memN, delayed: true },
		},
		{
			id: "lookup",
			title: `getJob and a page of 100 waiting jobs, ${lookupN.toLocaleString("en-US")} waiting`,
			scenario: "lookup",
			params: { n: lookupN, calls: quick ? 200 : 1_000, pageSize: 100 },
		},
		...[1, 2, 4].map((workers) => ({
			id: `scaleout-${workers}`,
			title: `scale-out: ${workers} worker process${workers > 1 ? "es" : ""} × concurrency ${scaleConcurrency}`,
			scenario: "scaleout",
			params: { n: quick ? 4_000 : 20_000, workers, concurrency: scaleConcurrency },
		})),
	];
}

/**
 * Rows of the main results table. `better` says which direction wins; `target` is on the ratio
 * ours / BullMQ unless `absolute` (then on our own value).
 */
export const SUMMARY_ROWS = [
	{
		case: "enqueue",
		metric: "throughput",
		label: "enqueue",
		unit: "jobs/s",
		better: "higher",
		target: { op: ">=", value: 3.5 },
	},
	{
		case: "enqueue-jobid",
		metric: "throughput",
		label: "enqueue with jobId",
		unit: "jobs/s",
		better: "higher",
	},
	{
		case: "enqueue-unique",
		metric: "throughput",
		label: "unique enqueue (half duplicates)",
		unit: "jobs/s",
		better: "higher",
	},
	{
		case: "enqueue-priority",
		metric: "throughput",
		label: "enqueue with priorities (3 levels)",
		unit: "jobs/s",
		better: "higher",
	},
	{
		case: "enqueue-bulk",
		metric: "throughput",
		label: "bulk enqueue",
		unit: "jobs/s",
		better: "higher",
		target: { op: ">=", value: 5 },
	},
	{
		case: "process-c1",
		metric: "throughput",
		label: "process, concurrency 1",
		unit: "jobs/s",
		better: "higher",
		target: { op: ">=", value: 2 },
	},
	{
		case: "process-c10",
		metric: "throughput",
		label: "process, concurrency 10",
		unit: "jobs/s",
		better: "higher",
	},
	{
		case: "process-c100",
		metric: "throughput",
		label: "process, concurrency 100",
		unit: "jobs/s",
		better: "higher",
		target: { op: ">=", value: 3.5 },
	},
	{
		case: "latency-500",
		metric: "latency.p50",
		label: "latency p50 @ 500/s",
		unit: "ms",
		better: "lower",
	},
	{
		case: "latency-500",
		metric: "latency.p95",
		label: "latency p95 @ 500/s",
		unit: "ms",
		better: "lower",
	},
	{
		case: "latency-500",
		metric: "latency.p99",
		label: "latency p99 @ 500/s",
		unit: "ms",
		better: "lower",
		target: { op: "<=", value: 0.4 },
	},
	{
		case: "latency-500",
		metric: "latency.max",
		label: "latency max @ 500/s",
		unit: "ms",
		better: "lower",
	},
	{
		case: "latency-5000",
		metric: "latency.p50",
		label: "latency p50 @ 5,000/s",
		unit: "ms",
		better: "lower",
	},
	{
		case: "latency-5000",
		metric: "latency.p95",
		label: "latency p95 @ 5,000/s",
		unit: "ms",
		better: "lower",
	},
	{
		case: "latency-5000",
		metric: "latency.p99",
		label: "latency p99 @ 5,000/s",
		unit: "ms",
		better: "lower",
	},
	{
		case: "latency-5000",
		metric: "latency.max",
		label: "latency max @ 5,000/s",
		unit: "ms",
		better: "lower",
	},
	{
		case: "process-c1",
		metric: "cost.redisCommands",
		label: "Redis commands / processed job, c=1",
		unit: "cmds",
		better: "lower",
		target: { op: "<=", value: 6, absolute: true },
	},
	{
		case: "process-c10",
		metric: "cost.redisCommands",
		label: "Redis commands / processed job, c=10",
		unit: "cmds",
		better: "lower",
		target: { op: "<=", value: 6, absolute: true },
	},
	{
		case: "process-c100",
		metric: "cost.redisCommands",
		label: "Redis commands / processed job, c=100",
		unit: "cmds",
		better: "lower",
		target: { op: "<=", value: 6, absolute: true },
	},
	{
		case: "process-c100-priority",
		metric: "throughput",
		label: "process, concurrency 100, 3 priorities",
		unit: "jobs/s",
		better: "higher",
	},
	{
		case: "process-c100-groups",
		metric: "throughput",
		label: "process, concurrency 100, 1,000 groups (ours only)",
		unit: "jobs/s",
		better: "higher",
	},
	{
		case: "rate-limit",
		metric: "achievedRate",
		label: "rate achieved, 1,000/s asked (100 per 100 ms)",
		unit: "jobs/s",
		better: "higher",
	},
	{
		case: "rate-limit",
		metric: "busiestWindow",
		label: "most leases in any 100 ms by the store's events, limit 100",
		unit: "leases",
		better: "lower",
		target: { op: "<=", value: 100, absolute: true },
	},
	{
		case: "rate-limit",
		metric: "busiestStartWindow",
		label: "most handler starts in any 100 ms (worker's clock), limit 100",
		unit: "starts",
		better: "lower",
	},
	{
		case: "pause",
		metric: "startsAfterPause",
		label: "handler starts after pause() resolved",
		unit: "starts",
		better: "lower",
	},
	{
		case: "pause",
		metric: "lastStartAfterPauseMs",
		label: "last start after pause() resolved",
		unit: "ms",
		better: "lower",
	},
	{
		case: "pause",
		metric: "resumeToFirstStartMs",
		label: "resume() to the first start",
		unit: "ms",
		better: "lower",
	},
	{
		case: "process-c100-kept",
		metric: "throughput",
		label: "process, concurrency 100, events on, last 1,000 kept",
		unit: "jobs/s",
		better: "higher",
		target: { op: ">=", value: 2.5 },
	},
	{
		case: "memory-completed",
		metric: "bytesPerJob",
		label: "Redis bytes / kept completed job",
		unit: "B",
		better: "lower",
		target: { op: "<=", value: 0.5 },
	},
	{
		case: "memory-waiting",
		metric: "bytesPerJob",
		label: "Redis bytes / waiting job",
		unit: "B",
		better: "lower",
		target: { op: "<=", value: 0.33 },
	},
	{
		case: "memory-waiting-priority",
		metric: "bytesPerJob",
		label: "Redis bytes / waiting job with a priority",
		unit: "B",
		better: "lower",
	},
	{
		case: "memory-waiting-groups",
		metric: "bytesPerJob",
		label: "Redis bytes / waiting job, 1,000 groups (ours only)",
		unit: "B",
		better: "lower",
	},
	{
		case: "memory-delayed",
		metric: "bytesPerJob",
		label: "Redis bytes / delayed job",
		unit: "B",
		better: "lower",
	},
	{
		case: "lookup",
		metric: "getJob.throughput",
		label: "getJob, 1M waiting",
		unit: "calls/s",
		better: "higher",
	},
	{
		case: "lookup",
		metric: "getJob.latency.p50",
		label: "getJob p50, 1M waiting",
		unit: "ms",
		better: "lower",
	},
	{
		case: "lookup",
		metric: "page.throughput",
		label: "page of 100, 1M waiting",
		unit: "calls/s",
		better: "higher",
	},
	{
		case: "lookup",
		metric: "page.latency.p50",
		label: "page of 100 p50, 1M waiting",
		unit: "ms",
		better: "lower",
	},
	{
		case: "scaleout-1",
		metric: "throughput",
		label: "scale-out, 1 worker process",
		unit: "jobs/s",
		better: "higher",
	},
	{
		case: "scaleout-2",
		metric: "throughput",
		label: "scale-out, 2 worker processes",
		unit: "jobs/s",
		better: "higher",
	},
	{
		case: "scaleout-4",
		metric: "throughput",
		label: "scale-out, 4 worker processes",
		unit: "jobs/s",
		better: "higher",
	},
];

/** Cases whose per-job cost is tabulated, and the cost columns. */
export const COST_CASES = [
	"enqueue",
	"enqueue-jobid",
	"enqueue-unique",
	"enqueue-priority",
	"enqueue-bulk",
	"process-c1",
	"process-c10",
	"process-c100",
	"process-c100-priority",
	"process-c100-groups",
	"process-c100-kept",
	"latency-500",
	"scaleout-2",
];
export const COST_METRICS = [
	{ key: "nodeCpuUs", label: "Node CPU µs" },
	{ key: "redisCpuUs", label: "Redis CPU µs" },
	{ key: "redisCommands", label: "Redis cmds (incl. in scripts)" },
	{ key: "clientCommands", label: "cmds sent by client" },
	{ key: "netBytes", label: "net bytes" },
];

/** Cases whose per-command breakdown (INFO commandstats, per job) is shown. */
export const COMMANDSTATS_CASES = ["enqueue", "process-c1", "process-c100", "process-c100-kept"];
