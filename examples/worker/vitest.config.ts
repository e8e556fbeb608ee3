import { defineConfig } from "vitest/config";

// Runs the built producer and workers (dist/) as real processes: `pnpm build` first.
export default defineConfig({
	test: {
		name: "example-worker",
		include: ["test/**/*.test.ts"],
		testTimeout: 60_000,
		hookTimeout: 30_000,
	},
});
