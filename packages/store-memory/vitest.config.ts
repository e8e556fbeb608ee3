import { defineConfig } from "vitest/config";

export default defineConfig({
	test: {
		name: "store-memory",
		include: ["test/**/*.test.ts", "src/**/*.test.ts"],
	},
});
