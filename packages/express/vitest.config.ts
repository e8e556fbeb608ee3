import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const root = fileURLToPath(new URL(".", import.meta.url));

// Project `express` (no infrastructure) plus project `express-redis` (starts or finds a Redis server
// first). A project config cannot declare nested `projects`, so this one injects the second.
export default defineConfig({
	plugins: [
		{
			name: "jobs:express-redis-project",
			async configureVitest({ injectTestProjects }) {
				await injectTestProjects({
					test: {
						name: "express-redis",
						root,
						include: ["test/**/*.redis.test.ts"],
						globalSetup: ["test/redis-global-setup.ts"],
						testTimeout: 20_000,
						hookTimeout: 30_000,
					},
				});
			},
		},
	],
	test: {
		name: "express",
		include: ["test/**/*.test.ts"],
		exclude: ["test/**/*.redis.test.ts"],
	},
});
