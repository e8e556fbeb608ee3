import { defineConfig } from "vitest/config";

// Fault tests spawn real worker processes and redis-server instances: one file at a time, one
// test at a time, with timeouts generous enough for a loaded 2-core machine.
export default defineConfig({
	test: {
		name: "store-redis-faults",
		include: ["test/**/*.test.ts"],
		fileParallelism: false,
		sequence: { concurrent: false },
		testTimeout: 90_000,
		hookTimeout: 30_000,
		teardownTimeout: 30_000,
	},
});
