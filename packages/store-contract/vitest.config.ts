import { defineConfig } from "vitest/config";

export default defineConfig({
	test: {
		name: "store-contract",
		include: ["test/**/*.test.ts", "src/**/*.test.ts"],
	},
});
