import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Used only by contract-teeth.test.ts for its child run; the root projects glob skips it.
export default defineConfig({
	test: {
		root: fileURLToPath(new URL("../..", import.meta.url)),
		include: ["test/teeth/broken-stores.contract.ts"],
	},
});
