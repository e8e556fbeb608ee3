import { expect, it } from "vitest";
import { describeFaults, Scenario } from "./support/scenario.js";

describeFaults("8. SCRIPT FLUSH in a loop during load", () => {
	// This scenario found a store bug (fixed in dadc39b): the store relied on ioredis' one-shot
	// NOSCRIPT fallback, whose resend can go out as EVALSHA again and meet the next flush; `add`
	// then rejected with `NOSCRIPT No matching script` and failed acks made jobs run twice.
	it("no error reaches a user and nothing is lost", async (ctx) => {
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
