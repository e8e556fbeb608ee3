import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const root = fileURLToPath(new URL(".", import.meta.url));

// Project `store-redis` (one Redis server) plus project `store-redis-cluster` (a 3-master
// cluster). A project config cannot declare nested `projects`, so this one injects the second.
// Both names start with `store-redis`: the root `pnpm test:redis` selects `store-redis*`.
export default defineConfig({
	plugins: [
		{
			name: "jobs:store-redis-cluster-project",
			async configureVitest({ injectTestProjects }) {
				await injectTestProjects({
					test: {
						name: "store-redis-cluster",
						root,
						include: ["test/**/*.cluster.test.ts"],
						globalSetup: ["test/cluster-global-setup.ts"],
						testTimeout: 20_000,
						hookTimeout: 30_000,
					},
				});
			},
		},
	],
	test: {
		name: "store-redis",
		include: ["test/**/*.test.ts"],
		exclude: ["test/**/*.cluster.test.ts"],
		globalSetup: ["test/redis-global-setup.ts"],
		testTimeout: 20_000,
		hookTimeout: 30_000,
	},
});
