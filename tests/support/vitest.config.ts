import { defineConfig } from "vitest/config";

// The helpers' own tests: they spawn redis-server and node processes, so give them room.
export default defineConfig({
	test: {
		name: "test-support",
		include: ["test/**/*.test.ts"],
		testTimeout: 30_000,
		hookTimeout: 30_000,
	},
});
