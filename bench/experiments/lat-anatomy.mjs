// node experiments/lat-anatomy.mjs jobs|bullmq — where the latency at 500/s goes: the add round trip, then add reply → handler start.
import { monitorEventLoopDelay } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { startRedis } from "../src/redis.mjs";
import { latencySummary } from "../src/stats.mjs";
import { createSystem } from "../src/systems.mjs";

const system = process.argv[2];
const rate = 500,
	total = 5000;
const redis = await startRedis();
const sys = await createSystem(system, { url: redis.url });
const sentAt = new Float64Array(total),
	addedAt = new Float64Array(total),
	startedAt = new Float64Array(total);
let received = 0,
	done;
const all = new Promise((r) => (done = r));
const w = await sys.prepareWorker({
	concurrency: 10,
	onStart(d) {
		startedAt[d.i] = performance.now();
		if (++received === total) done();
	},
});
w.start();
await sleep(300);
const eld = monitorEventLoopDelay({ resolution: 1 });
eld.enable();
const t0 = performance.now();
let sent = 0;
while (sent < total) {
	const due = Math.min(total, Math.floor(((performance.now() - t0) * rate) / 1000) + 1);
	while (sent < due) {
		const i = sent++;
		sentAt[i] = performance.now();
		sys.add({ i, t: sentAt[i] }).then(() => {
			addedAt[i] = performance.now();
		});
	}
	await sleep(1);
}
await all;
eld.disable();
const skip = total / 10;
const pick = (f) => {
	const a = [];
	for (let i = skip; i < total; i++) a.push(f(i));
	return latencySummary(a);
};
const fmt = (s) =>
	`p50 ${s.p50.toFixed(3)} p95 ${s.p95.toFixed(3)} p99 ${s.p99.toFixed(3)} max ${s.max.toFixed(2)}`;
console.log(system);
console.log("  end-to-end        ", fmt(pick((i) => startedAt[i] - sentAt[i])));
console.log("  add round trip    ", fmt(pick((i) => addedAt[i] - sentAt[i])));
console.log("  start - add reply ", fmt(pick((i) => startedAt[i] - addedAt[i])));
console.log(
	`  event-loop delay   p50 ${(eld.percentile(50) / 1e6).toFixed(3)} p99 ${(eld.percentile(99) / 1e6).toFixed(3)} max ${(eld.max / 1e6).toFixed(2)} (ms; the producer sleeps 1 ms between sends)`,
);
await w.stop();
await sys.close();
await redis.stop();
process.exit(0);
