// Not a *.test.ts file: only contract-teeth.test.ts runs it, in a child vitest process, where
// failures are the expected outcome. JOBS_TEETH_VARIANT narrows the run to one store by name.
import { describeJobStoreContract } from "@jobs/store-contract";
import { FakeClock } from "../../src/index.js";
import { CONTROL, VARIANTS } from "./broken-stores.js";

const only = process.env.JOBS_TEETH_VARIANT;

for (const variant of [CONTROL, ...VARIANTS]) {
	if (only && variant.name !== only) continue;
	describeJobStoreContract(variant.name, {
		createHarness: () => {
			const clock = new FakeClock();
			return { store: variant.create(clock), elapse: (ms) => clock.advance(ms) };
		},
		// The clock is fake, so scaling only shortens the real-time wait for a wake-up that a
		// broken store never sends: 100 ms instead of a second.
		timeScale: 0.1,
	});
}
