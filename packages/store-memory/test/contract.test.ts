import { describeJobStoreContract } from "@jobs/store-contract";
import { FakeClock, MemoryJobStore } from "../src/index.js";

describeJobStoreContract("MemoryJobStore", {
	createHarness: () => {
		const clock = new FakeClock();
		const store = new MemoryJobStore({ clock, events: true });
		return { store, elapse: (ms) => clock.advance(ms) };
	},
});
