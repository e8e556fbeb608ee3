import { defineConfig } from "vitest/config";

// Runs the built server and worker (dist/) as real processes: `pnpm build` first.
export default defineConfig({
	test: {
		name: "example-signup-hono",
		include: ["test/**/*.test.ts"],
		testTimeout: 30_000,
		hookTimeout: 30_000,
	},
});
