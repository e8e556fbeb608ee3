import { expect, it } from "vitest";
import { describeFaults, Scenario } from "./support/scenario.js";

describeFaults("15. waitFor from a process that runs no worker", () => {
	it("resolves results of jobs a worker process ran, also of one done before the wait, and rejects a dead one", async (ctx) => {
		const s = await Scenario.start(ctx, "wait-for");
		await s.worker("w1", { concurrency: 2, events: true, echo: true, maxAttempts: 1 });
		const waiter = await s.waiter("q1", {
			jobs: [
				{ data: { n: 1 } },
				{ data: { n: 2 }, waitAfterMs: 1_000 },
				{ data: { plan: { "*": { throw: "kaput" } } } },
			],
		});
		await waiter.message<{ done?: boolean }>((m) => m.done === true, 60_000);
		const waited = s
			.ledger()
			.byType("waited")
			.sort((x, y) => Number(x.i) - Number(y.i));
		expect(waited.map((e) => [e.i, e.result, e.error?.code])).toEqual([
			[0, { echo: { n: 1 } }, undefined],
			[1, { echo: { n: 2 } }, undefined],
			[2, undefined, "JOBS_JOB_FAILED"],
		]);
		expect(waited[2]!.error?.message).toMatch(/kaput/);
	});
});
