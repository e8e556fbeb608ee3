/**
 * The two systems under test behind one small interface, each set up as its docs recommend:
 *
 * - `jobs`: `@jobs/core` `JobQueue` over `RedisJobStore.connect({ url, prefix })`; acked jobs
 *   leave the store.
 *
 * `retention` (a case parameter) changes both: `"last1000"` is ours with events on and the last
 * 1,000 completed jobs kept, against BullMQ's own defaults (events on, every completed job kept);
 * `"all"` keeps every completed job on both (ours with events off).
 * - `bullmq`: `Queue` with `defaultJobOptions: { removeOnComplete: true }` (so completed jobs are
 *   removed as ours are) and the default `removeOnFail`; `Worker` connections with
 *   `maxRetriesPerRequest: null`; everything else default (lockDuration 30 s like our lease).
 *
 * Interface: `add(data, { delay, jobId, dedupKey })`, `addBulk(datas, { delay })`,
 * `getJob(id)`, `page(offset, limit)` (waiting jobs, head first), `prepareWorker({ concurrency,
 * onStart, limiter })` → `{ start(), stop() }` (connected, not yet taking jobs), `onCompleted(fn)`,
 * `close()`. `onStart(data)` runs as the handler starts; `onCompleted` fires once a job's
 * completion has been written to Redis. `limiter: { max, duration }` is the rate limit: ours set
 * on the queue (`setRateLimit`), BullMQ's the worker's `limiter` option.
 */

export const JOB_NAME = "bench";
export const QUEUE_NAME = "bench";

export const SYSTEMS = ["jobs", "bullmq"];

export const LABELS = { jobs: "@jobs/store-redis", bullmq: "BullMQ" };

/** Display name of a system, variants included. */
export function label(system) {
	return LABELS[system] ?? system;
}

/**
 * Creates and connects the named system against `url`. `jobs@NAME` is a variant of ours for A/B
 * runs of a working copy, defined in the JSON of `$BENCH_VARIANTS` (set by `run.mjs --variants
 * FILE`): `{ "NAME": { "core": "path/to/core/dist/index.js", "storeRedis": "…/index.js",
 * "storeOptions": { …merged into RedisJobStore.connect options }, "workOptions": { …merged into
 * queue.work options } } }` (paths relative to bench/).
 */
export async function createSystem(system, { url, retention }) {
	if (system === "jobs") return createJobs(url, {}, retention);
	if (system.startsWith("jobs@")) {
		const name = system.slice(5);
		const variant = JSON.parse(process.env.BENCH_VARIANTS ?? "{}")[name];
		if (!variant) throw new Error(`unknown variant ${name} (see --variants)`);
		return createJobs(url, variant, retention);
	}
	if (system === "bullmq") return createBullmq(url, retention);
	throw new Error(`unknown system ${system}`);
}

/**
 * Our add options for the neutral bench options: `jobId` → `jobId`; `dedupKey` → `unique` on that
 * key while the job waits or runs (the default states), as BullMQ's simple-mode deduplication.
 */
function jobsAddOptions(opts) {
	if (!opts) return undefined;
	const out = {};
	if (opts.delay) out.delay = opts.delay;
	if (opts.jobId !== undefined) out.jobId = opts.jobId;
	if (opts.dedupKey !== undefined) out.unique = { key: opts.dedupKey };
	if (opts.priority !== undefined) out.priority = opts.priority;
	if (opts.group !== undefined) out.group = opts.group;
	return out;
}

/** BullMQ's: `jobId` → `jobId`; `dedupKey` → `deduplication: { id }` (simple mode). */
function bullmqAddOptions(opts) {
	if (!opts) return undefined;
	const out = {};
	if (opts.delay) out.delay = opts.delay;
	if (opts.jobId !== undefined) out.jobId = opts.jobId;
	if (opts.dedupKey !== undefined) out.deduplication = { id: opts.dedupKey };
	if (opts.priority !== undefined) out.priority = opts.priority;
	return out;
}

const STORE_METHODS = [
	"add",
	"reserve",
	"ack",
	"retry",
	"fail",
	"release",
	"extend",
	"sweep",
	"stats",
	"deadLetter",
	"retryDead",
	"removeDead",
	"getJob",
	"listJobs",
	"removeJob",
	"progress",
	"readEvents",
	"eventsCursor",
	"pause",
	"resume",
	"isPaused",
	"setRateLimit",
	"getRateLimit",
	"setGlobalConcurrency",
	"getGlobalConcurrency",
	"close",
];

/** Our store and queue options for a `retention` mode. */
function jobsRetention(retention) {
	if (retention === "last1000") {
		return {
			store: { events: { maxLen: 10_000 } },
			queue: { keep: { completed: { count: 1_000 } } },
		};
	}
	if (retention === "all") return { store: {}, queue: { keep: { completed: true } } };
	if (retention === "events") return { store: { events: { maxLen: 100_000 } }, queue: {} };
	return { store: {}, queue: {} };
}

async function createJobs(url, variant = {}, retention = undefined) {
	const kept = jobsRetention(retention);
	const benchDir = new URL("../", import.meta.url);
	const from = (path, fallback) => (path ? new URL(path, benchDir).href : fallback);
	const [{ JobQueue }, { RedisJobStore }] = await Promise.all([
		import(from(variant.core, "@jobs/core")),
		import(from(variant.storeRedis, "@jobs/store-redis")),
	]);
	const store = await RedisJobStore.connect({
		url,
		prefix: "bench",
		...kept.store,
		...variant.storeOptions,
	});
	const completed = [];
	// A delegating store that reports successful acks: the engine has no "completed" event, and
	// an ack that resolved ok is exactly "the completion has been written to Redis".
	// It declares what the store declares: without it the engine would poll instead of waiting.
	const counting = { capabilities: store.capabilities };
	for (const method of STORE_METHODS) {
		counting[method] = (params) => store[method](params);
	}
	counting.ack = async (params) => {
		const result = await store.ack(params);
		if (result.ok) for (const fn of completed) fn();
		return result;
	};
	if (typeof store.waitForJob === "function") {
		counting.waitForJob = (params) => store.waitForJob(params);
	}
	const queue = new JobQueue({ store: counting, ...kept.queue });
	let controller;
	const control = async () => {
		controller ??= new JobQueue({
			store: await RedisJobStore.connect({ url, prefix: "bench", ...variant.storeOptions }),
		});
		return controller;
	};
	queue.on("error", (error) => console.error("[jobs] queue error:", error));
	let handled = false;
	return {
		name: "jobs",
		add: (data, opts) => queue.add(JOB_NAME, data, jobsAddOptions(opts)),
		getJob: (id) => queue.getJob(id),
		page: async (offset, limit) => (await queue.jobs({ state: "ready", offset, limit })).jobs,
		idsOf: (added) => added.map((r) => r.id),
		addBulk: (datas, opts) =>
			queue.addMany(
				datas.map((data) => ({
					name: JOB_NAME,
					data,
					options: jobsAddOptions(typeof opts === "function" ? opts(data) : opts),
				})),
			),
		async prepareWorker({ concurrency, onStart, limiter }) {
			if (handled) throw new Error("one worker per process");
			// The limit is the queue's, kept by the store: set once, obeyed by every worker.
			if (limiter) await queue.setRateLimit(limiter);
			queue.handle(JOB_NAME, async (job) => {
				onStart?.(job.data);
			});
			handled = true;
			let worker;
			return {
				start() {
					worker = queue.work({ concurrency, ...variant.workOptions });
				},
				stop: () => worker?.stop(),
			};
		},
		onCompleted(fn) {
			completed.push(fn);
		},
		// Paused and resumed through a queue of its own, as from another process.
		pause: async () => (await control()).pause(),
		resume: async () => (await control()).resume(),
		/** When each job was leased, by the store's clock: its `active` events (events on). */
		async leaseTimes() {
			const times = [];
			for (let after = "0"; ; ) {
				const page = await store.readEvents({ after, limit: 1_000 });
				if (page.events.length === 0) return times;
				for (const e of page.events) if (e.type === "active") times.push(e.at);
				after = page.cursor;
			}
		},
		async close() {
			await queue.close();
			await controller?.close();
		},
	};
}

async function createBullmq(url, retention = undefined) {
	const { Queue, Worker } = await import("bullmq");
	const { hostname, port } = new URL(url);
	const connection = { host: hostname, port: Number(port) };
	const queue = new Queue(QUEUE_NAME, {
		connection,
		// Completed jobs removed as ours are; with a retention mode, BullMQ's default: all kept.
		defaultJobOptions: { removeOnComplete: retention === undefined || retention === "events" },
		// Mode "events": a stream long enough to hold every event of the run.
		...(retention === "events" ? { streams: { events: { maxLen: 100_000 } } } : {}),
	});
	queue.on("error", (error) => console.error("[bullmq] queue error:", error));
	await queue.waitUntilReady();
	let controller;
	const control = () => {
		controller ??= new Queue(QUEUE_NAME, { connection });
		return controller;
	};
	const completed = [];
	const workers = [];
	return {
		name: "bullmq",
		add: (data, opts) => queue.add(JOB_NAME, data, bullmqAddOptions(opts)),
		getJob: (id) => queue.getJob(id),
		page: (offset, limit) => queue.getWaiting(offset, offset + limit - 1),
		idsOf: (added) => added.map((job) => job.id),
		addBulk: (datas, opts) =>
			queue.addBulk(
				datas.map((data) => ({
					name: JOB_NAME,
					data,
					opts: bullmqAddOptions(typeof opts === "function" ? opts(data) : opts),
				})),
			),
		async prepareWorker({ concurrency, onStart, limiter }) {
			const worker = new Worker(
				QUEUE_NAME,
				async (job) => {
					onStart?.(job.data);
				},
				{
					connection: { ...connection, maxRetriesPerRequest: null },
					concurrency,
					autorun: false,
					...(limiter ? { limiter } : {}),
				},
			);
			worker.on("error", (error) => console.error("[bullmq] worker error:", error));
			worker.on("completed", () => {
				for (const fn of completed) fn();
			});
			await worker.waitUntilReady();
			workers.push(worker);
			return {
				start() {
					void worker.run();
				},
				stop: () => worker.close(),
			};
		},
		onCompleted(fn) {
			completed.push(fn);
		},
		// Paused and resumed through a queue of its own, as from another process.
		pause: () => control().pause(),
		resume: () => control().resume(),
		/**
		 * When each job was leased, by Redis's clock: the ids of the `active` events of its stream,
		 * read with the benchmark's own connection (`admin`).
		 */
		async leaseTimes(admin) {
			const entries = await admin.xrange(`bull:${QUEUE_NAME}:events`, "-", "+");
			return entries
				.filter(([, fields]) => fields[0] === "event" && fields[1] === "active")
				.map(([id]) => Number(id.slice(0, id.indexOf("-"))));
		},
		async close() {
			await Promise.all(workers.map((w) => w.close()));
			await queue.close();
			await controller?.close();
		},
	};
}
