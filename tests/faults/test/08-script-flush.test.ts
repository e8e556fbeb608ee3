import { expect, it } from "vitest";
import { describeFaults, Scenario } from "./support/scenario.js";

describeFaults("8. SCRIPT FLUSH in a loop during load", () => {
	// KNOWN STORE BUG (kept as it.fails until @jobs/store-redis fixes it): the store relies on
	// ioredis' one-shot NOSCRIPT fallback (EVALSHA, then one resend that ioredis may send as
	// EVALSHA again when another command on the socket re-marked the script as loaded). Under
	// repeated SCRIPT FLUSH the resend meets NOSCRIPT too and the store rejects with
	// `StoreError: Redis failed add|ack: NOSCRIPT No matching script`: `add` reaches the user as
	// an error (the job is not added) and a failed ack leaves the job leased until its lease
	// expires, so it runs twice. Typical run: ~900 flushes, 8-21 such errors, 3-11 re-runs.
	it.fails("no error reaches a user and nothing is lost", async (ctx) => {
		const s = await Scenario.start(ctx, "script-flush");
		await Promise.all(
			["w1", "w2"].map((name) =>
				s.worker(name, { concurrency: 4, lease: 2_000, sweepInterval: 200, step: { sleep: 1 } }),
			),
		);
		const producer = await s.producer("p1", { count: 3_000, inFlight: 4, pauseMs: 2 });
		let running = true;
		let flushes = 0;
		const flusher = (async () => {
			while (running) {
				await s.redis.script("FLUSH");
				flushes++;
				await new Promise((resolve) => setTimeout(resolve, 1));
			}
		})();
		await producer.exited;
		await s.waitUntilDrained(60_000);
		running = false;
		await flusher;
		const report = await s.verify();

		console.log(`[faults] script-flush: ${flushes} SCRIPT FLUSH during the run`);
		expect(flushes).toBeGreaterThan(20);
		expect(report.errors).toEqual([]);
		expect(report.acked).toBe(3_000);
		expect(report.redeliveries).toBe(0);
		expect(report.leaseLost).toBe(0);
	});
});
