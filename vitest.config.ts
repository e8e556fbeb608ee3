import { defineConfig } from "vitest/config";

// One runner for the whole repository: every package and example contributes a project.
// Under CI a JSON report is written too; .ci/run prints its totals.
export default defineConfig({
	test: {
		projects: [
			"bench/vitest.config.ts",
			"packages/*/vitest.config.ts",
			"tests/*/vitest.config.ts",
			"examples/*/vitest.config.ts",
		],
		reporters: process.env.CI ? ["default", "json"] : ["default"],
		outputFile: { json: ".test-results/vitest.json" },
	},
});
