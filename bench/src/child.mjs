/**
 * One scenario × one system, in a fresh Node process forked by run.mjs. Receives its spec as
 * JSON in argv[2], reports the result with `process.send({ type: "result", result })`, exits.
 *
 * Every measured window is bracketed by INFO snapshots on a separate connection (see redis.mjs)
 * and by `process.cpuUsage()`; the client side also counts the commands ioredis sends.
 */
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import { busyCores, cpuTimes } from "./load.mjs";
import { endWindow, startWindow } from "./redis.mjs";
import { latencySummary } from "./stats.mjs";
import { createSystem } from "./systems.mjs";
import { BULK_BATCH, groupOptions, jobData, prefill, priorityOptions } from "./workload.mjs";

// Count the commands this process sends, over every ioredis connection (BullMQ's and ours load
// the same ioredis module). Pipelined and MULTI commands count one each, as Redis sees them.
const sent = { count: 0, byName: new Map() };
const originalSendCommand = Redis.prototype.sendCommand;
Redis.prototype.sendCommand = function countedSendCommand(command, stream) {
	sent.count++;
	sent.byName.set(command.name, (sent.byName.get(command.name) ?? 0) + 1);
	return originalSendCommand.call(this, command, stream);
};
function sentSnapshot() {
	return { count: sent.count, byName: new Map(sent.byName) };
}
function sentDelta(before) {
	const byName = {};
	for (const [name, count] of sent.byName) {
		const d = count - (before.byName.get(name) ?? 0);
		if (d > 0) byName[name] = d;
	}
	return { count: sent.count - before.count, byName };
}

/** Set by main(): where to write a CPU profile of the measured window, if anywhere. */
let profileTo;

/** Starts the V8 sampling profiler; resolves a function that stops it and writes the profile. */
async function startProfile() {
	if (!profileTo) return async () => {};
	const session = new Session();
	session.connect();
	await session.post("Profiler.enable");
	await session.post("Profiler.setSamplingInterval", { interval: 100 });
	await session.post("Profiler.start");
	return async () => {
		const { profile } = await session.post("Profiler.stop");
		writeFileSync(profileTo, JSON.stringify(profile));
		session.disconnect();
	};
}

async function measure(admin, n, body) {
	const window = await startWindow(admin);
	const stopProfile = await startProfile();
	const client = sentSnapshot();
	const cpu0 = cpuTimes();
	const extra = (await body()) ?? {};
	const cpu1 = cpuTimes();
	const clientSent = sentDelta(client);
	await stopProfile();
	const cost = await endWindow(admin, window);
	// CPU used on the machine by anything but this process and Redis (other sessions' tests).
	const machine = busyCores(cpu0, cpu1, cost.wallMs);
	const foreignCores =
		machine === undefined
			? undefined
			: Math.max(0, machine - (cost.nodeCpuUs + cost.redisCpuUs) / (cost.wallMs * 1000));
	const jobs = extra.jobs ?? n;
	return {
		jobs,
		wallMs: cost.wallMs,
		throughput: extra.throughput ?? (jobs / cost.wallMs) * 1000,
		foreignCores,
		...extra,
		cost: {
			nodeCpuUs: cost.nodeCpuUs / jobs,
			redisCpuUs: cost.redisCpuUs / jobs,
			redisCommands: cost.commands / jobs,
			clientCommands: clientSent.count / jobs,
			netBytes: cost.netBytes / jobs,
			commandstats: perJob(cost.commandstats, jobs),
			clientCommandsByName: perJob(clientSent.byName, jobs),
		},
		totals: {
			nodeCpuUs: cost.nodeCpuUs,
			redisCpuUs: cost.redisCpuUs,
			redisCommands: cost.commands,
			clientCommands: clientSent.count,
			netBytes: cost.netBytes,
		},
	};
}

function perJob(map, jobs) {
	const out = {};
	for (const [name, v] of Object.entries(map)) {
		out[name] = typeof v === "number" ? v / jobs : { calls: v.calls / jobs, usec: v.usec / jobs };
	}
	return out;
}

/** Resolves once `count()` reaches `target` (checked on every completion). */
function completionCounter(sys) {
	let done = 0;
	let waiter;
	sys.onCompleted(() => {
		done++;
		if (waiter && done >= waiter.target) {
			const { resolve } = waiter;
			waiter = undefined;
			resolve(performance.now());
		}
	});
	return {
		get done() {
			return done;
		},
		until(target) {
			if (done >= target) return Promise.resolve(performance.now());
			return new Promise((resolve) => {
				waiter = { target, resolve };
			});
		},
	};
}

/** The most of the sorted times `times` in any window of `ms`. */
function busiestWindow(times, ms) {
	let most = 0;
	for (let i = 0, j = 0; i < times.length; i++) {
		while (times[j] <= times[i] - ms) j++;
		most = Math.max(most, i - j + 1);
	}
	return most;
}

const scenarios = {
	/**
	 * One `add` per job, `inFlight` adds outstanding at a time. `identity`: `"jobId"` gives each
	 * job its own id; `"unique"` gives it a dedup key that every pair of jobs shares (job i and
	 * i + n/2 of the window), so half of the measured adds find the key held.
	 */
	async enqueue(sys, admin, { n, inFlight, warmup, identity, priorities }) {
		let next = 0;
		const byPriority = priorityOptions(priorities);
		const optionsOf = (i) => {
			if (byPriority) return byPriority(jobData(i));
			if (identity === "jobId") return { jobId: `order-${i}` };
			if (identity === "unique") {
				const pair = i < warmup ? i : warmup + ((i - warmup) % Math.ceil(n / 2));
				return { dedupKey: `user-${pair}` };
			}
			return undefined;
		};
		const lane = async (limit) => {
			while (next < limit) {
				const i = next++;
				await sys.add(jobData(i), optionsOf(i));
			}
		};
		const lanes = (limit) => Promise.all(Array.from({ length: inFlight }, () => lane(limit)));
		await lanes(warmup);
		return measure(admin, n, async () => {
			await lanes(warmup + n);
		});
	},

	/** `addMany` / `addBulk` in batches of `batch`, one batch at a time. */
	async "enqueue-bulk"(sys, admin, { n, batch, warmup }) {
		const run = async (from, to) => {
			for (let i = from; i < to; i += batch) {
				const datas = [];
				for (let j = i; j < Math.min(to, i + batch); j++) datas.push(jobData(j));
				await sys.addBulk(datas);
			}
		};
		await run(0, warmup);
		return measure(admin, n, () => run(warmup, warmup + n));
	},

	/** `n` jobs pre-filled, then one worker at `concurrency` drains them (no-op handler). */
	async process(sys, admin, { n, concurrency, priorities, groups }) {
		await prefill(sys, n, priorityOptions(priorities) ?? groupOptions(groups));
		const counter = completionCounter(sys);
		const worker = await sys.prepareWorker({ concurrency });
		const result = await measure(admin, n, async () => {
			const t0 = performance.now();
			worker.start();
			const t1 = await counter.until(n);
			return { throughput: (n / (t1 - t0)) * 1000 };
		});
		await worker.stop();
		return result;
	},

	/**
	 * `n` jobs pre-filled, then one worker at `concurrency` under a rate limit of `max` starts per
	 * `duration` ms: the rate achieved over the run (first start to last) against the rate asked,
	 * and the most starts in any window of `duration` ms: by the lease times each store's events
	 * give (Redis's clock, to the millisecond: windows 1 ms short, so a lease in the next
	 * millisecond is not counted in), and by handler start times (this process's clock, after
	 * each lease by however long the job waited in the worker).
	 */
	async rate(sys, admin, { n, concurrency, max, duration }) {
		await prefill(sys, n);
		const starts = new Float64Array(n);
		let started = 0;
		const counter = completionCounter(sys);
		const worker = await sys.prepareWorker({
			concurrency,
			limiter: { max, duration },
			onStart() {
				if (started < n) starts[started++] = performance.now();
			},
		});
		const result = await measure(admin, n, async () => {
			worker.start();
			await counter.until(n);
			const sorted = [...starts.slice(0, started)].sort((a, b) => a - b);
			const spanMs = sorted[sorted.length - 1] - sorted[0];
			const achieved = ((sorted.length - 1) / spanMs) * 1000;
			const leases = (await sys.leaseTimes(admin)).sort((a, b) => a - b);
			return {
				throughput: achieved,
				askedRate: (max / duration) * 1000,
				achievedRate: achieved,
				busiestWindow: busiestWindow(leases, duration - 1),
				busiestStartWindow: busiestWindow(sorted, duration),
				leases: leases.length,
				limitMax: max,
			};
		});
		await worker.stop();
		return result;
	},

	/**
	 * Pause and resume while a worker at `concurrency` drains a backlog of `n` jobs: how many
	 * handlers started after `pause()` resolved (jobs the worker had leased ahead), how late the
	 * last of them started, and how soon after `resume()` resolved a job started again. The
	 * pause is called through a second queue object (another connection), as from another
	 * process. Median of `cycles` pause/resume cycles.
	 */
	async pause(sys, admin, { n, concurrency, cycles, pauseMs }) {
		await prefill(sys, n);
		const starts = [];
		const worker = await sys.prepareWorker({
			concurrency,
			onStart() {
				starts.push(performance.now());
			},
		});
		const counter = completionCounter(sys);
		const after = [];
		const last = [];
		const resumeToStart = [];
		const result = await measure(admin, n, async () => {
			worker.start();
			for (let cycle = 0; cycle < cycles; cycle++) {
				await counter.until(counter.done + 500);
				await sys.pause();
				const pausedAt = performance.now();
				await sleep(pauseMs);
				const late = starts.filter((t) => t > pausedAt);
				after.push(late.length);
				last.push(late.length > 0 ? Math.max(...late) - pausedAt : 0);
				const seen = starts.length;
				await sys.resume();
				const resumedAt = performance.now();
				while (starts.length === seen) await sleep(0.2);
				resumeToStart.push(starts[seen] - resumedAt);
			}
			await counter.until(n);
			const med = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
			return {
				startsAfterPause: med(after),
				lastStartAfterPauseMs: med(last),
				resumeToFirstStartMs: med(resumeToStart),
			};
		});
		await worker.stop();
		return result;
	},

	/**
	 * Open-loop producer at `rate` jobs/s for `durationMs` while a worker in the same process runs
	 * them; latency = handler start − just before `add`, both `performance.now()`. Jobs sent in
	 * the first `warmupFraction` of the schedule are excluded from the percentiles.
	 */
	async latency(sys, admin, { rate, durationMs, concurrency, warmupFraction }) {
		const total = Math.round((rate * durationMs) / 1000);
		const latencies = new Float64Array(total).fill(Number.NaN);
		let received = 0;
		let allIn;
		const allReceived = new Promise((resolve) => {
			allIn = resolve;
		});
		const worker = await sys.prepareWorker({
			concurrency,
			onStart(data) {
				latencies[data.i] = performance.now() - data.t;
				if (++received === total) allIn();
			},
		});
		worker.start();
		await sleep(300); // let the idle worker settle into its wait
		let maxLagMs = 0;
		let maxInFlight = 0;
		let inFlight = 0;
		let errors = 0;
		const result = await measure(admin, total, async () => {
			const t0 = performance.now();
			let sentCount = 0;
			while (sentCount < total) {
				const due = Math.min(total, Math.floor(((performance.now() - t0) * rate) / 1000) + 1);
				while (sentCount < due) {
					const i = sentCount++;
					const t = performance.now();
					maxLagMs = Math.max(maxLagMs, t - (t0 + (i * 1000) / rate));
					inFlight++;
					maxInFlight = Math.max(maxInFlight, inFlight);
					sys.add({ i, t }).then(
						() => inFlight--,
						(error) => {
							inFlight--;
							errors++;
							if (errors === 1) console.error("add failed:", error);
						},
					);
				}
				await sleep(1);
			}
			const sendMs = performance.now() - t0;
			const timeout = Math.max(10_000, 3 * durationMs);
			const finished = await Promise.race([allReceived.then(() => true), sleep(timeout, false)]);
			const skip = Math.floor(total * warmupFraction);
			const samples = [];
			for (let i = skip; i < total; i++)
				if (!Number.isNaN(latencies[i])) samples.push(latencies[i]);
			return {
				jobs: total,
				throughput: (total / sendMs) * 1000,
				offeredRate: rate,
				achievedSendRate: (total / sendMs) * 1000,
				received,
				complete: finished,
				maxSendLagMs: maxLagMs,
				maxAddsInFlight: maxInFlight,
				addErrors: errors,
				latency: latencySummary(samples),
			};
		});
		await worker.stop();
		return result;
	},

	/**
	 * Redis `used_memory` delta per job once `n` jobs ran and every completed one is kept (the
	 * system made with `retention: "all"`).
	 */
	async memoryCompleted(sys, admin, { n, concurrency }) {
		await sys.add(jobData(-1));
		const warm = completionCounter(sys);
		const worker = await sys.prepareWorker({ concurrency });
		worker.start();
		await warm.until(1);
		await sleep(100);
		const before = Number(/used_memory:(\d+)/.exec(await admin.info("memory"))[1]);
		const t0 = performance.now();
		await prefill(sys, n);
		await warm.until(n + 1);
		const wallMs = performance.now() - t0;
		await worker.stop();
		await sleep(200);
		const after = Number(/used_memory:(\d+)/.exec(await admin.info("memory"))[1]);
		return { jobs: n, wallMs, bytesPerJob: (after - before) / n, usedMemoryDelta: after - before };
	},

	/** Redis `used_memory` delta per job with `n` jobs waiting (or delayed by an hour). */
	async memory(sys, admin, { n, delayed, priorities, groups }) {
		// One job first (one per priority), so per-queue keys (meta, counters, empty structures,
		// the lines of priorities) are not per-job cost.
		await sys.add(jobData(-1), delayed ? { delay: 3_600_000 } : undefined);
		for (let p = 1; p <= (priorities ?? 0); p++) await sys.add(jobData(-1), { priority: p });
		await sleep(100);
		const before = Number(/used_memory:(\d+)/.exec(await admin.info("memory"))[1]);
		const keysBefore = await admin.dbsize();
		const t0 = performance.now();
		await prefill(
			sys,
			n,
			delayed ? { delay: 3_600_000 } : (priorityOptions(priorities) ?? groupOptions(groups)),
		);
		const wallMs = performance.now() - t0;
		await sleep(200);
		const after = Number(/used_memory:(\d+)/.exec(await admin.info("memory"))[1]);
		const keysAfter = await admin.dbsize();
		return {
			jobs: n,
			wallMs,
			delayed: Boolean(delayed),
			bytesPerJob: (after - before) / n,
			keysPerJob: (keysAfter - keysBefore) / n,
			usedMemoryDelta: after - before,
		};
	},

	/**
	 * Lookups with `n` jobs waiting: `calls` sequential `getJob`s of random existing ids, then
	 * `calls` sequential pages of `pageSize` waiting jobs at random offsets. Reports each as
	 * calls/s and latency (ms).
	 */
	async lookup(sys, admin, { n, calls, pageSize }) {
		const ids = [];
		for (let i = 0; i < n; i += BULK_BATCH) {
			const batch = [];
			for (let j = i; j < Math.min(n, i + BULK_BATCH); j++) batch.push(jobData(j));
			// Keep a sample of ids: every id would be millions of strings.
			const added = sys.idsOf(await sys.addBulk(batch));
			ids.push(added[0], added[added.length - 1], added[added.length >> 1]);
		}
		// A deterministic choice, the same for both systems.
		let seed = 42;
		const random = () => {
			seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
			return seed / 2 ** 31;
		};
		const timed = async (call) => {
			const latencies = [];
			const t0 = performance.now();
			for (let k = 0; k < calls; k++) {
				const t = performance.now();
				await call();
				latencies.push(performance.now() - t);
			}
			return {
				throughput: (calls / (performance.now() - t0)) * 1000,
				latency: latencySummary(latencies),
			};
		};
		return measure(admin, calls * 2, async () => {
			let found = 0;
			const getJob = await timed(async () => {
				if (await sys.getJob(ids[Math.floor(random() * ids.length)])) found++;
			});
			let listed = 0;
			const page = await timed(async () => {
				listed += (await sys.page(Math.floor(random() * (n - pageSize)), pageSize)).length;
			});
			if (found !== calls || listed !== calls * pageSize) {
				throw new Error(
					`lookup: found ${found}/${calls} jobs, listed ${listed}/${calls * pageSize}`,
				);
			}
			return { waiting: n, getJob, page, throughput: getJob.throughput };
		});
	},

	/** Scale-out, pre-fill step: adds `n` jobs and exits (the workers are separate processes). */
	async prefill(sys, _admin, { n }) {
		await prefill(sys, n);
		return { jobs: n };
	},

	/**
	 * Scale-out, one worker process: waits for "go", runs a worker, reports progress until told
	 * to stop. Cost is measured by the parent over the whole fleet.
	 */
	async "scale-worker"(sys, _admin, { concurrency }) {
		let done = 0;
		let firstAt;
		let lastAt;
		sys.onCompleted(() => {
			done++;
			lastAt = performance.timeOrigin + performance.now();
		});
		const worker = await sys.prepareWorker({
			concurrency,
			onStart() {
				firstAt ??= performance.timeOrigin + performance.now();
			},
		});
		const go = waitForMessage("go");
		process.send({ type: "ready" });
		await go;
		const cpu0 = process.cpuUsage();
		const startedAt = performance.timeOrigin + performance.now();
		worker.start();
		const progress = setInterval(() => process.send({ type: "progress", done }), 25);
		await waitForMessage("stop");
		clearInterval(progress);
		await worker.stop();
		const cpu = process.cpuUsage(cpu0);
		return { done, startedAt, firstAt, lastAt, nodeCpuUs: cpu.user + cpu.system };
	},
};

function waitForMessage(type) {
	return new Promise((resolve) => {
		const onMessage = (message) => {
			if (message?.type === type) {
				process.off("message", onMessage);
				resolve(message);
			}
		};
		process.on("message", onMessage);
	});
}

async function main() {
	const spec = JSON.parse(process.argv[2]);
	if (spec.profileDir) {
		profileTo = join(spec.profileDir, `${spec.name ?? spec.scenario}-${spec.system}.cpuprofile`);
	}
	const scenario = scenarios[spec.scenario];
	if (!scenario) throw new Error(`unknown scenario ${spec.scenario}`);
	const admin = new Redis(spec.url, { connectionName: "bench-admin" });
	const sys = await createSystem(spec.system, { url: spec.url, retention: spec.params?.retention });
	const result = await scenario(sys, admin, spec.params);
	await sys.close();
	admin.disconnect();
	await new Promise((resolve) => process.send({ type: "result", result }, resolve));
}

if (process.send) {
	main().then(
		() => process.exit(0),
		(error) => {
			console.error(error);
			process.send({ type: "error", message: String(error?.stack ?? error) }, () =>
				process.exit(1),
			);
		},
	);
}
