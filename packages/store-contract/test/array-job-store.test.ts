import { FakeClock } from "@jobs/core";
import { expect, it } from "vitest";
import { describeJobStoreContract } from "../src/index.js";
import { ArrayJobStore } from "./array-job-store.js";

let closedByHarness = 0;

describeJobStoreContract("ArrayJobStore (a minimal store without capabilities)", {
	createHarness() {
		const clock = new FakeClock();
		const store = new ArrayJobStore(clock);
		return {
			store,
			elapse: (ms) => clock.advance(ms),
			close: async () => {
				closedByHarness++;
				await store.close();
			},
		};
	},
});

it("calls the harness's own close after every contract test", () => {
	// Registered after the contract, so by now every one of its tests has run and been torn down.
	expect(closedByHarness).toBeGreaterThan(100);
});
