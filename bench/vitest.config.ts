import { defineConfig } from "vitest/config";

// Only the report generator's smoke test: pure functions over a fixed input, no Redis, no timing.
export default defineConfig({ test: { name: "bench", include: ["test/**/*.test.mjs"] } });
