import { defineConfig } from "vitest/config";

// One runner for the whole repository: every package and example contributes a project.
export default defineConfig({
	test: {
		projects: ["packages/*/vitest.config.ts", "tests/*/vitest.config.ts", "examples/*/vitest.config.ts"],
	},
});
